// The answer to bytes that are not an HTTP request (a parse error, a header too large, a
// request timeout), shared by every server of the platform: an error body, then close. Each
// server chooses the body's format (problem+json by default; the gateway's /r1 answers X-Road
// faults, PR-REST §4.6) from what could be read of the broken request.
import http from 'node:http';
import type { Duplex } from 'node:stream';

type Pending = http.ServerResponse & { req?: http.IncomingMessage };

export interface ClientErrorAnswer { status: number; headers: Record<string, string>; body: string }

/** What can be read of a request Node could not parse: its target and Accept, when they arrived whole. */
export interface BrokenRequest { target?: string; accept?: string }

export type ClientErrorRenderer = (err: NodeJS.ErrnoException, head: BrokenRequest) => ClientErrorAnswer;

/** Why the request is refused, in words, with Node's code. */
export function clientErrorReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'Malformed HTTP request: the request headers are too large (HPE_HEADER_OVERFLOW)';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'The request was not received in time (ERR_HTTP_REQUEST_TIMEOUT)';
  return `Malformed HTTP request (${err.code ?? 'parse error'})`;
}

/** RFC 9457 problem: the admin API's and /token's format. */
export const problemAnswer: ClientErrorRenderer = (err) => {
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify({ type: 'https://vamco.dev/problems/bad-request', title: 'Bad request', status, code: 'BAD_REQUEST', detail: clientErrorReason(err) });
  return { status, headers: { 'content-type': 'application/problem+json' }, body };
};

/** The request line's target and the Accept header, read from the bytes Node kept (when it kept them). */
function readHead(err: NodeJS.ErrnoException): BrokenRequest {
  const raw = (err as { rawPacket?: unknown }).rawPacket;
  if (!Buffer.isBuffer(raw)) return {};
  const text = raw.subarray(0, 16 * 1024).toString('latin1');
  const target = /^[A-Za-z]+ +(\S+)/.exec(text)?.[1];
  const headEnd = text.indexOf('\r\n\r\n');
  const accept = /\r\naccept *:[ \t]*([^\r\n]*)/i.exec(headEnd < 0 ? text : text.slice(0, headEnd))?.[1];
  return { target, accept };
}

export function clientErrorHandler(render: ClientErrorRenderer = problemAnswer): (err: NodeJS.ErrnoException, socket: Duplex) => void {
  return function answerClientError(err, socket) {
    const send = (): void => {
      if (!socket.writable) { socket.destroy(); return; }
      const a = render(err, readHead(err));
      const head = Object.entries({ ...a.headers, 'content-length': String(Buffer.byteLength(a.body)), connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 ${a.status} ${http.STATUS_CODES[a.status]}\r\n${head}\r\n${a.body}`);
    };
    const current = (socket as unknown as { _httpMessage?: Pending })._httpMessage;
    if (current && !current.writableFinished && current.req?.complete) {
      // A pipelined request after a whole one still being answered: that answer goes out first
      // (the client is owed it, and the log already holds it), then this one's error.
      current.once('finish', send);
      current.once('close', () => { if (!current.writableFinished) socket.destroy(); });
      return;
    }
    // A response already started for the request that failed (a slow upload timed out after
    // the answer began): writing another would desynchronise the client. Close instead.
    if (!socket.writable || current?.headersSent) { socket.destroy(); return; }
    send();
  };
}

/** The admin API's and the other servers' handler: problem+json. */
export const answerClientError = clientErrorHandler();
