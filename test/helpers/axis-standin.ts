// A small stand-in of the national document axis, written from the reference (edxml.md, "The
// national axis's API"): POST sendEdoc (multipart + sha256), getReceivedEdocList, getEdoc,
// updateStatus, with the system id + HMAC headers checked. Never a real endpoint. It can be
// "down" (answers 503), and other provinces' agencies can drop packages into a province's inbox.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import { hmacVerify, signedParams } from '../../src/edoc/hmac.js';

export interface AxisPackage { docId: string; from: string; to: string; messageType: string; bytes: Buffer; acked: boolean; /** The last updateStatus the province sent (done / fail / processing). */ status?: string }

export interface AxisStandIn {
  url: string;
  /** Packages received from provinces, in arrival order. */
  received: AxisPackage[];
  /** What the axis holds for the province (its pull inbox). */
  inbox: AxisPackage[];
  down: boolean;
  /** sendEdoc calls answered 503 while down. */
  refusedWhileDown: number;
  deliver(from: string, messageType: string, xml: string): string;
  close(): Promise<void>;
}

export async function startAxisStandIn(systemId: string, secret: string): Promise<AxisStandIn> {
  const s: AxisStandIn = {
    url: '', received: [], inbox: [], down: false, refusedWhileDown: 0,
    deliver(from, messageType, xml) {
      const docId = crypto.randomUUID();
      s.inbox.push({ docId, from, to: systemId, messageType, bytes: Buffer.from(xml, 'utf8'), acked: false });
      return docId;
    },
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const op = (req.url ?? '').replace(/^\//, '').split(/[/?]/)[0];
    if (s.down) {
      req.resume();
      if (op === 'sendEdoc') s.refusedWhileDown++;
      return json(res, 503, { status: 'FAIL', ErrorCode: '503', ErrorDesc: 'maintenance' });
    }
    const sig = req.headers['xroadvnpt-signature'];
    const params = signedParams(req.headers);
    if (typeof sig !== 'string' || params.systemid !== systemId || hmacVerify(secret, op, params, sig) !== 'ok') {
      req.resume();
      return json(res, 401, { status: 'FAIL', ErrorCode: '401', ErrorDesc: 'bad credentials' });
    }
    if (op === 'sendEdoc') {
      const chunks: Buffer[] = [];
      const bb = new Busboy({ headers: req.headers as BusboyHeaders });
      bb.on('file', (_n, stream) => stream.on('data', (c: Buffer) => chunks.push(c)));
      bb.on('finish', () => {
        const bytes = Buffer.concat(chunks);
        if (crypto.createHash('sha256').update(bytes).digest('hex') !== params.sha256) return json(res, 400, { status: 'FAIL', ErrorCode: 'SHA256', ErrorDesc: 'hash mismatch' });
        const docId = crypto.randomUUID();
        s.received.push({ docId, from: params.from, to: params.to, messageType: params.messagetype, bytes, acked: false });
        json(res, 200, { status: 'OK', ErrorCode: '0', ErrorDesc: '', DocId: docId });
      });
      req.pipe(bb);
      return;
    }
    req.resume();
    if (op === 'getReceivedEdocList') {
      return json(res, 200, { status: 'OK', ErrorCode: '0', data: s.inbox.filter((p) => !p.acked).map((p) => ({ docId: p.docId, from: p.from, to: p.to, messageType: p.messageType, status: 'pending', created_time: new Date().toISOString() })) });
    }
    if (op === 'getEdoc') {
      const p = s.inbox.find((x) => x.docId === params.docid);
      if (!p) return json(res, 404, { status: 'FAIL', ErrorCode: '404', ErrorDesc: 'no such document' });
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(p.bytes);
    }
    if (op === 'updateStatus') {
      const p = s.inbox.find((x) => x.docId === params.docid);
      if (!p) return json(res, 404, { status: 'FAIL', ErrorCode: '404', ErrorDesc: 'no such document' });
      p.acked = true;
      p.status = params.status;
      return json(res, 200, { status: 'OK', ErrorCode: '0', ErrorDesc: '' });
    }
    json(res, 404, { status: 'FAIL', ErrorCode: '404', ErrorDesc: `no operation ${op}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}
