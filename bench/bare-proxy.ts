// The Node ceiling: node:http in front of an undici Pool, Pool.stream() straight into the
// response, no checks and no log. What a Node gateway cannot beat on this machine; Vamco's
// distance from it is the cost of its pipeline.
//   node dist/bench/bare-proxy.js PORT BACKEND_ORIGIN
import http from 'node:http';
import { Pool } from 'undici';

const [port, origin] = [Number(process.argv[2]), process.argv[3]];
const pool = new Pool(origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });

http.createServer((req, res) => {
  pool.stream({ path: req.url!, method: 'GET', opaque: res }, ({ statusCode, headers, opaque }) => {
    const out = opaque as http.ServerResponse;
    out.writeHead(statusCode, { 'content-type': headers['content-type'] as string, 'content-length': headers['content-length'] as string });
    return out;
  }).catch(() => { if (!res.headersSent) { res.statusCode = 502; } res.end(); });
}).listen(port, '127.0.0.1');
