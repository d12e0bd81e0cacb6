// What every stage that ends an exchange needs: the record, its durable write, the metrics,
// the X-Road response headers and the problem answer.
import crypto from 'node:crypto';
import { VamcoError } from '../../core/errors.js';
import type { ExchangeRecord, LogPosition } from '../../audit/index.js';
import { RECEIPT_REQUEST_VALUE } from '../../federation/index.js';
import { EMPTY_SHA256 } from '../meter.js';
import { faultOf, faultStatus, sendFault } from '../fault.js';
import type { GatewayDeps } from '../types.js';
import type { Exchange } from './context.js';

/** The status of a request record: the exchange's outcome is in the record that follows it. */
export const REQUEST_STATUS = 0;

export interface Outcome {
  record(x: Exchange, status: number, extra?: Partial<ExchangeRecord>): ExchangeRecord;
  /** Resolves once the record is committed (with its position, where known); rejects when the log could not commit it. */
  logDurably(x: Exchange, rec: ExchangeRecord): Promise<LogPosition | undefined | void>;
  /**
   * The signed receipt for an answer relayed from the provider (header value), when the request
   * asked for one (X-Vamco-Receipt: v1) and this gateway signs receipts; null otherwise.
   */
  receipt(x: Exchange, pos: LogPosition | undefined | void, status: number, responseDigest: string, responseSize: number): string | null;
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

/** Headers X-Road leaves out of the request hash (its RestMessage's skipped headers). */
const HASH_SKIPPED = new Set(['transfer-encoding', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'upgrade', 'connection', 'user-agent', 'host', 'content-length', 'server', 'expect', 'x-road-request-id', 'x-road-request-hash']);

export function createOutcome(deps: GatewayDeps): Outcome {
  // Set field by field: three object spreads per record were a measurable share of the
  // gateway's allocations (two records per exchange, issue 15).
  function record(x: Exchange, status: number, extra?: Partial<ExchangeRecord>): ExchangeRecord {
    const r: ExchangeRecord = {
      messageId: x.messageId, requestId: x.requestId, at: x.at, client: x.client, service: x.service,
      method: x.method, path: x.target, status, durationMs: performance.now() - x.t0,
      requestSize: x.meter?.size ?? 0,
      requestDigest: x.meter ? x.meter.digest() : EMPTY_SHA256,
      responseSize: 0, responseDigest: null, userId: x.userId, issue: x.issue, errorCode: null,
    };
    if (x.upstreamLeg) r.upstream = x.upstreamLeg;
    if (x.credential) r.credential = x.credential === 'certificate' ? { kind: 'certificate', fingerprint: x.certFingerprint! } : { kind: x.credential };
    return extra ? Object.assign(r, extra) : r;
  }

  /**
   * X-Road-Request-Hash as X-Road's reference implementation computes it (PR-REST 1.0.4 §4.3):
   * SHA-512 over "METHOD\r\nPATH[?QUERY]\r\n" (the target as sent) and one "Name:value\r\n" per
   * request header in the order sent, leaving out the hop-by-hop ones, Host, User-Agent,
   * Content-Length, Server, Expect, X-Road-Request-Id and X-Road-Request-Hash, then
   * "X-Road-Request-Id:{id}\r\n" and, when the client sent none, "X-Road-Id:{generated}\r\n".
   * With a body: SHA-512(that digest ‖ SHA-512(body)). Base64. docs/integrator-guide.md.
   */
  function requestHash(x: Exchange): string {
    let text = `${x.method}\r\n${x.req.url ?? '/'}\r\n`;
    const raw = x.req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (!HASH_SKIPPED.has(raw[i].toLowerCase())) text += `${raw[i]}:${raw[i + 1]}\r\n`;
    }
    text += `X-Road-Request-Id:${x.requestId}\r\n`;
    if (x.messageIdGenerated) text += `X-Road-Id:${x.messageId}\r\n`;
    // One crypto.hash over the head's bytes (latin1, as sent): a Hash object with an update per
    // header cost about twice as much on the gateway's main thread (issue 15).
    const head = crypto.hash('sha512', Buffer.from(text, 'latin1'), 'buffer') as unknown as Buffer;
    const body = x.meter && x.meter.size > 0 ? x.meter.digest512() : null;
    return (body ? crypto.hash('sha512', Buffer.concat([head, body]), 'buffer') as unknown as Buffer : head).toString('base64');
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

  async function logDurably(_x: Exchange, rec: ExchangeRecord): Promise<LogPosition | undefined | void> {
    const t = performance.now();
    const pos = await deps.log.append(rec);
    deps.metrics.logBatch.observe((performance.now() - t) / 1000);
    return pos;
  }

  function receipt(x: Exchange, pos: LogPosition | undefined | void, status: number, responseDigest: string, responseSize: number): string | null {
    if (!deps.receipts || !pos || x.req.headers['x-vamco-receipt'] !== RECEIPT_REQUEST_VALUE || !x.client || !x.service) return null;
    return deps.receipts.issue({
      messageId: x.messageId, requestId: x.requestId, client: x.client, service: x.service, requestHash: requestHash(x),
      status, responseDigest, responseSize, logSeq: pos.seq, logHash: pos.hash,
    });
  }

  async function logRequest(x: Exchange): Promise<void> {
    await logDurably(x, record(x, REQUEST_STATUS, { requestSize: 0, requestDigest: null }));
  }

  function writeProblem(x: Exchange, e: VamcoError): void {
    // An unread request body would otherwise be drained before the connection is reused.
    sendFault(x.res, e, x.requestId, x.req.headers.accept, { ...xroadHeaders(x), ...(x.req.complete ? {} : { connection: 'close' }) });
  }

  async function fail(x: Exchange, err: unknown): Promise<void> {
    const e = err instanceof VamcoError ? err : new VamcoError('INTERNAL', undefined, { cause: err });
    if (e.code === 'INTERNAL') deps.logger.error({ err, requestId: x.requestId }, 'gateway error');
    const status = x.clientGone ? 499 : faultOf(e).status;
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

  return { record, logDurably, receipt, logRequest, finishMetrics, xroadHeaders, writeProblem, fail };
}
