// What every stage that ends an exchange needs: the record, its durable write, the metrics,
// the X-Road response headers and the problem answer.
import crypto from 'node:crypto';
import { VamcoError } from '../../core/errors.js';
import type { ExchangeRecord } from '../../audit/index.js';
import { EMPTY_SHA256 } from '../meter.js';
import { faultStatus, sendFault } from '../fault.js';
import type { GatewayDeps } from '../types.js';
import type { Exchange } from './context.js';

/** The status of a request record: the exchange's outcome is in the record that follows it. */
export const REQUEST_STATUS = 0;

export interface Outcome {
  record(x: Exchange, status: number, extra?: Partial<ExchangeRecord>): ExchangeRecord;
  /** Resolves once the record is committed; rejects when the log could not commit it. */
  logDurably(x: Exchange, rec: ExchangeRecord): Promise<void>;
  /**
   * The request record (status 0): durable before the provider sees the request, so no
   * provider call happens without a record. The outcome record follows with the same ids;
   * a request record without one is an interrupted exchange (audit verify reports it).
   */
  logRequest(x: Exchange): Promise<void>;
  finishMetrics(x: Exchange, status: number): void;
  xroadHeaders(x: Exchange): Record<string, string>;
  writeProblem(x: Exchange, e: VamcoError): void;
  /** Logs a failed exchange, then answers with its fault (Server.NotReady if the log failed). */
  fail(x: Exchange, err: unknown): Promise<void>;
}

export function createOutcome(deps: GatewayDeps): Outcome {
  function record(x: Exchange, status: number, extra?: Partial<ExchangeRecord>): ExchangeRecord {
    return {
      messageId: x.messageId, requestId: x.requestId, at: x.at, client: x.client, service: x.service,
      method: x.method, path: x.target, status, durationMs: performance.now() - x.t0,
      requestSize: x.meter?.size ?? 0,
      requestDigest: x.meter ? x.meter.digest() : EMPTY_SHA256,
      responseSize: 0, responseDigest: null, userId: x.userId, issue: x.issue, errorCode: null,
      ...(x.upstreamLeg ? { upstream: x.upstreamLeg } : null),
      ...extra,
    };
  }

  function requestHash(x: Exchange): string {
    const bodyDigest = x.meter ? (x.meter.digest() ?? '') : EMPTY_SHA256;
    return crypto.createHash('sha512')
      .update(`${x.method} ${x.target}\n${x.client ?? ''}\n${x.messageId}\n${bodyDigest}`).digest('base64');
  }

  function xroadHeaders(x: Exchange): Record<string, string> {
    const h: Record<string, string> = { 'x-road-id': x.messageId, 'x-road-request-id': x.requestId, 'x-road-request-hash': requestHash(x) };
    if (x.client) h['x-road-client'] = x.client;
    if (x.service) h['x-road-service'] = x.service;
    return h;
  }

  function finishMetrics(x: Exchange, status: number): void {
    deps.metrics.observe(x.serviceLabel, status, (performance.now() - x.t0) / 1000);
  }

  async function logDurably(_x: Exchange, rec: ExchangeRecord): Promise<void> {
    const t = performance.now();
    await deps.log.append(rec);
    deps.metrics.logBatch.observe((performance.now() - t) / 1000);
  }

  function logRequest(x: Exchange): Promise<void> {
    return logDurably(x, record(x, REQUEST_STATUS, { requestSize: 0, requestDigest: null }));
  }

  function writeProblem(x: Exchange, e: VamcoError): void {
    // An unread request body would otherwise be drained before the connection is reused.
    sendFault(x.res, e, x.requestId, x.req.headers.accept, { ...xroadHeaders(x), ...(x.req.complete ? {} : { connection: 'close' }) });
  }

  async function fail(x: Exchange, err: unknown): Promise<void> {
    const e = err instanceof VamcoError ? err : new VamcoError('INTERNAL', undefined, { cause: err });
    if (e.code === 'INTERNAL') deps.logger.error({ err, requestId: x.requestId }, 'gateway error');
    const status = x.clientGone ? 499 : faultStatus(e.code);
    // A refusal of a caller identify did not accept counts against its address (guard.ts).
    if (!x.clientSub && e.status >= 400 && e.status < 500) deps.guard?.failed(x.req.socket.remoteAddress);
    try {
      await logDurably(x, record(x, status, { errorCode: x.clientGone ? 'CLIENT_CLOSED' : e.code }));
    } catch (logErr) {
      deps.logger.error({ err: logErr, requestId: x.requestId }, 'message log unavailable');
      if (!x.clientGone) writeProblem(x, new VamcoError('NOT_READY', 'The message log is unavailable; the exchange was not recorded'));
      finishMetrics(x, faultStatus('NOT_READY'));
      return;
    }
    finishMetrics(x, status);
    if (!x.clientGone) writeProblem(x, e);
  }

  return { record, logDurably, logRequest, finishMetrics, xroadHeaders, writeProblem, fail };
}
