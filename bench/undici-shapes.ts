// What the shape of the backend call costs, apart from everything else the gateway does: three
// node:http proxies in front of the same nginx backend, under the same wrk load, rounds
// interleaved, CPU per request from /proc. Issue 15 asked what is left of the gap to the bare
// Node proxy; this measures the part that is undici's API and not Vamco's pipeline.
//   node dist/bench/undici-shapes.js            (SHAPES_ROUNDS=3, SHAPES_SECONDS=8)
// Shapes: `stream` — Pool.stream() piped into the response (bench/bare-proxy.ts, the Node
// ceiling); `request` — Pool.request(), the answer's body read as a Readable and sent whole, as
// the gateway's forward and relay stages do; `dispatch` — Pool.dispatch() with a handler's
// callbacks (no Readable per answer), the answer sent whole.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool, type Dispatcher } from 'undici';
import { freePort, start, waitHttp } from './lib/proc.js';
import { startNginx } from './lib/nginx.js';
import { wrk } from './lib/wrk.js';
import { cpuUsOf, median } from './lib/start-time.js';

const SHAPES = ['stream', 'request', 'dispatch'] as const;
type Shape = typeof SHAPES[number];

function serve(shape: Shape, port: number, origin: string): void {
  const pool = new Pool(origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
  const fail = (res: http.ServerResponse) => { if (!res.headersSent) res.statusCode = 502; res.end(); };
  const handlers: Record<Shape, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
    stream(req, res) {
      pool.stream({ path: req.url!, method: 'GET', opaque: res }, ({ statusCode, headers, opaque }) => {
        const out = opaque as http.ServerResponse;
        out.writeHead(statusCode, { 'content-type': headers['content-type'] as string, 'content-length': headers['content-length'] as string });
        return out;
      }).catch(() => fail(res));
    },
    request(req, res) {
      void (async () => {
        const up = await pool.request({ path: req.url!, method: 'GET' });
        const chunks: Buffer[] = [];
        await new Promise<void>((resolve, reject) => {
          up.body.on('data', (c: Buffer) => chunks.push(c));
          up.body.once('end', resolve);
          up.body.once('error', reject);
        });
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        res.writeHead(up.statusCode, { 'content-type': up.headers['content-type'] as string, 'content-length': body.length });
        res.end(body);
      })().catch(() => fail(res));
    },
    dispatch(req, res) {
      const chunks: Buffer[] = [];
      let status = 0;
      let type = '';
      // undici 7's legacy callbacks (deprecated there; the newer onResponse* ones are adapted to
      // these through one more layer of calls). onConnect is required: the request calls it.
      const handler: Dispatcher.DispatchHandler = {
        onConnect() { /* no cancellation here */ },
        onHeaders(statusCode, raw) {
          status = statusCode;
          for (let i = 0; i < raw.length; i += 2) if (raw[i].toString('latin1').toLowerCase() === 'content-type') type = raw[i + 1].toString('latin1');
          return true;
        },
        onData(c) { chunks.push(c); return true; },
        onComplete() {
          const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          res.writeHead(status, { 'content-type': type, 'content-length': body.length });
          res.end(body);
        },
        onError() { fail(res); },
      };
      pool.dispatch({ path: req.url!, method: 'GET' }, handler);
    },
  };
  const h = handlers[shape];
  http.createServer(h).listen(port, '127.0.0.1');
}

async function drive(): Promise<void> {
  const rounds = Number(process.env.SHAPES_ROUNDS || 3);
  const seconds = Number(process.env.SHAPES_SECONDS || 8);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-shapes-'));
  const ng = await startNginx(path.join(tmp, 'nginx'), await freePort(), await freePort(), os.cpus().length)
    .catch((e: unknown) => { fs.rmSync(tmp, { recursive: true, force: true }); throw e; });
  const results = Object.fromEntries(SHAPES.map((s) => [s, [] as Array<{ rps: number; us: number }>])) as Record<Shape, Array<{ rps: number; us: number }>>;
  try {
    for (let r = 0; r < rounds; r++) {
      for (const shape of SHAPES) {
        const port = await freePort();
        const p = start(`proxy-${shape}`, process.execPath, [fileURLToPath(import.meta.url), 'serve', shape, String(port), ng.backendUrl]);
        try {
          const url = `http://127.0.0.1:${port}/item/1`;
          await waitHttp(url, { proc: p, timeoutMs: 15_000 });
          await wrk({ url, headers: {}, connections: 50, threads: 2, seconds: 2 });
          const t0 = cpuUsOf(p.child.pid!);
          const w = await wrk({ url, headers: {}, connections: 50, threads: 2, seconds });
          // A failing shape answers 502 fast and cheaply: it would look like the best one.
          if (w.non2xx + w.socketErrors > 0) throw new Error(`${shape}: ${w.non2xx} non-2xx answers and ${w.socketErrors} socket errors\n${p.output()}`);
          const us = Math.round((cpuUsOf(p.child.pid!) - t0) / Math.max(1, w.answered));
          results[shape].push({ rps: Math.round(w.rps), us });
          process.stderr.write(`round ${r + 1}/${rounds} ${shape}: ${Math.round(w.rps)} req/s, ${us} µs CPU per request (load ${os.loadavg()[0].toFixed(1)})\n`);
        } finally {
          await p.stop('SIGKILL');
        }
      }
    }
  } finally {
    await ng.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const base = median(results.stream.map((x) => x.us));
  console.log(`Node ${process.versions.node}, wrk -t2 -c50 -d${seconds}s, ${rounds} rounds interleaved, median; CPU µs per request of the proxy process`);
  for (const shape of SHAPES) {
    const us = median(results[shape].map((x) => x.us));
    console.log(`${shape.padEnd(9)} ${String(median(results[shape].map((x) => x.rps))).padStart(6)} req/s  ${String(us).padStart(4)} µs  ${(us / base).toFixed(2)} × stream  (${results[shape].map((x) => x.us).join(' ')})`);
  }
}

if (process.argv[2] === 'serve') serve(process.argv[3] as Shape, Number(process.argv[4]), process.argv[5]);
else await drive();
