// Errors the gateway raises itself, answered the way an X-Road security server answers them
// (PR-REST 1.0.4 §4.6), so a client written for X-Road reads them unchanged:
//   - `X-Road-Error: <fault type>` and a body whose `type` is that same fault type, with
//     `message` (what went wrong) and `detail` (an id to quote: the exchange's request id);
//     Vamco's `code` and `requestId` follow as extra fields;
//   - the status by X-Road's categories: 400 for a request that does not follow the protocol
//     (fault types `Client.*`), 500 for everything the platform or the provider failed at
//     (`Server.*`). Vamco's own extensions keep HTTP's meaning: 413 for a body over the limit,
//     429 + Retry-After for a rate limit;
//   - the media type by `Accept`: JSON by default, XML (`<error><type/><message/><detail/></error>`)
//     for text/xml, application/xml or text/*, RFC 9457 problem+json when asked for by name.
import type { ServerResponse } from 'node:http';
import { ERRORS, toProblem, VamcoError, type ErrorCode } from '../core/errors.js';

/** Codes whose HTTP status is Vamco's extension of X-Road's two categories. */
const EXTENSION_STATUS = new Set<ErrorCode>(['PAYLOAD_TOO_LARGE', 'RATE_LIMITED', 'ADDRESS_RATE_LIMITED', 'UPSTREAM_BUDGET_EXHAUSTED']);

/** The status X-Road gives a fault of this code (PR-REST §4.6, categories 2–4). */
export function faultStatus(code: ErrorCode): number {
  if (EXTENSION_STATUS.has(code)) return ERRORS[code].status;
  return ERRORS[code].xroad.startsWith('Server.') ? 500 : 400;
}

/** The fault type and status of an error: its code's, or those another X-Road party gave it (a security server peer's fault). */
export function faultOf(e: VamcoError): { type: string; status: number } {
  return e.xroad ?? { type: ERRORS[e.code].xroad, status: faultStatus(e.code) };
}

export type FaultMediaType = 'application/json' | 'application/problem+json' | 'text/xml' | 'application/xml';

/** The first media type in Accept the gateway can write a fault in; JSON when none. */
export function faultMediaType(accept: string | string[] | undefined): FaultMediaType {
  const all = Array.isArray(accept) ? accept.join(',') : accept;
  if (!all) return 'application/json';
  for (const item of all.split(',')) {
    const t = item.split(';', 1)[0].trim().toLowerCase();
    if (t === 'text/xml' || t === 'text/*') return 'text/xml';
    if (t === 'application/xml') return 'application/xml';
    if (t === 'application/problem+json') return 'application/problem+json';
    if (t === 'application/json') return 'application/json';
  }
  return 'application/json';
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Control characters other than tab/CR/LF are not allowed in XML 1.0 at all, escaped or not.
export const xmlText = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd');

export interface Fault { status: number; type: string; contentType: string; body: string }

/** The fault for an error: unknown errors become Server.InternalError without their details. */
export function renderFault(err: unknown, requestId: string, accept: string | string[] | undefined): Fault {
  const e = err instanceof VamcoError ? err : new VamcoError('INTERNAL', 'The platform failed to handle the request');
  const { type, status } = faultOf(e);
  const media = faultMediaType(accept);
  let body: string;
  if (media === 'application/problem+json') {
    body = JSON.stringify({ ...toProblem(e, requestId), status });
  } else if (media === 'application/json') {
    body = JSON.stringify({ type, message: e.message, detail: requestId, code: e.code, requestId, ...(e.extra ?? {}) });
  } else {
    body = `<?xml version="1.0" encoding="UTF-8"?><error><type>${xmlText(type)}</type><message>${xmlText(e.message)}</message><detail>${xmlText(requestId)}</detail></error>`;
  }
  return { status, type, contentType: `${media}; charset=utf-8`, body };
}

/** Writes the fault for `err` (or closes the connection when an answer already started). */
export function sendFault(res: ServerResponse, err: unknown, requestId: string, accept: string | string[] | undefined, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const f = renderFault(err, requestId, accept);
  res.writeHead(f.status, {
    'content-type': f.contentType,
    'content-length': Buffer.byteLength(f.body),
    'x-road-error': f.type,
    ...extraHeaders,
    ...(err instanceof VamcoError ? err.headers : undefined),
  });
  res.end(f.body);
}

/** /token answers RFC 6749 / RFC 9457 problems (OAuth2 clients expect them), still marked X-Road-Error. */
export function sendProblem(res: ServerResponse, err: unknown, requestId: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const p = toProblem(err, requestId);
  const body = JSON.stringify(p);
  res.writeHead(p.status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'x-road-error': ERRORS[p.code].xroad,
    ...extraHeaders,
    ...(err instanceof VamcoError ? err.headers : undefined),
  });
  res.end(body);
}
