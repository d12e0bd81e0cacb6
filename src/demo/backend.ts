// The demo's provider backend: a tiny civil-registry lookup answering with fixed sample data,
// so the first start shows a real exchange end to end.
import http from 'node:http';
import { listen } from '../gateway/index.js';

const SAMPLE = {
  soDinhDanh: '079203000001',
  hoTen: 'Nguyễn Văn An',
  ngaySinh: '2003-05-14',
  noiDangKy: 'UBND Phường Tân An, Tây Ninh',
  note: 'Demo data, not a real person',
};

export async function startDemoBackend(port: number): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        service: 'khaisinh (demo)', method: req.method, path: req.url,
        client: req.headers['x-road-client'] ?? null, messageId: req.headers['x-road-id'] ?? null,
        receivedBytes: Buffer.concat(chunks).length, record: SAMPLE,
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 10_000;
  let actual: number;
  try {
    actual = await listen(server, port, '127.0.0.1');
  } catch {
    actual = await listen(server, 0, '127.0.0.1'); // the fixed port is taken: any free one will do
  }
  return { url: `http://127.0.0.1:${actual}`, port: actual, close: () => new Promise((r) => server.close(() => r())) };
}
