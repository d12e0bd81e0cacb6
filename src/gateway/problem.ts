import type { ServerResponse } from 'node:http';
import { toProblem, ERRORS, VamcoError } from '../core/errors.js';

/** Writes an RFC 9457 problem; X-Road-Error marks errors raised by the platform itself. */
export function sendProblem(res: ServerResponse, err: unknown, requestId: string, extraHeaders: Record<string, string> = {}): void {
  const p = toProblem(err, requestId);
  const body = JSON.stringify(p);
  const headers: Record<string, string | number> = {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'x-road-error': ERRORS[p.code].xroad,
    ...extraHeaders,
    ...(err instanceof VamcoError ? err.headers : undefined),
  };
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(p.status, headers);
  res.end(body);
}
