// A real HTTP backend for tests: records what it received and behaves as the path asks.
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; size: number; sha256: string }

export interface TestBackend { url: string; port: number; seen: Seen[]; close(): Promise<void> }

/**
 * Paths: /slow/{ms} answers after a delay; /big/{bytes} answers that many bytes;
 * /status/{code} answers that status; anything else echoes what it saw as JSON.
 */
export async function startBackend(): Promise<TestBackend> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const h = crypto.createHash('sha256');
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; h.update(c); });
    req.on('end', () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, size, sha256: h.digest('hex') };
      seen.push(s);
      const slow = /\/slow\/(\d+)/.exec(req.url!);
      const big = /\/big\/(\d+)/.exec(req.url!);
      const status = /\/status\/(\d+)/.exec(req.url!);
      const send = () => {
        if (big) {
          const n = Number(big[1]);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          let left = n;
          const write = () => {
            while (left > 0) {
              const c = chunk.subarray(0, Math.min(left, chunk.length));
              left -= c.length;
              if (!res.write(c)) return void res.once('drain', write);
            }
            res.end();
          };
          write();
          return;
        }
        const body = JSON.stringify({ method: s.method, url: s.url, size: s.size, sha256: s.sha256, client: req.headers['x-road-client'] ?? null });
        res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'application/json', 'x-backend': 'test' });
        res.end(body);
      };
      if (slow) setTimeout(send, Number(slow[1]));
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, port, seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sends a request with the path exactly as given (fetch and undici normalise dot segments). */
export function rawRequest(base: string, rawPath: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
