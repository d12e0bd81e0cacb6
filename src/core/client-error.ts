// The answer to bytes that are not an HTTP request (a parse error, a header too large, a
// request timeout), shared by every server of the platform: a problem body, then close.
import http from 'node:http';
import type { Duplex } from 'node:stream';

type Pending = http.ServerResponse & { req?: http.IncomingMessage };

export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const send = (): void => {
    if (!socket.writable) { socket.destroy(); return; }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ type: 'https://vamco.dev/problems/bad-request', title: 'Bad request', status, code: 'BAD_REQUEST', detail: `Malformed HTTP request (${err.code ?? 'parse error'})` });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  };
  const current = (socket as unknown as { _httpMessage?: Pending })._httpMessage;
  if (current && !current.writableFinished && current.req?.complete) {
    // A pipelined request after a whole one still being answered: that answer goes out first
    // (the client is owed it, and the log already holds it), then this one's 400.
    current.once('finish', send);
    current.once('close', () => { if (!current.writableFinished) socket.destroy(); });
    return;
  }
  // A response already started for the request that failed (a slow upload timed out after
  // the answer began): writing another would desynchronise the client. Close instead.
  if (!socket.writable || current?.headersSent) { socket.destroy(); return; }
  send();
}
