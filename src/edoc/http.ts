// The hub's HTTP face under /edoc/v1 on the gateway, in the national axis's shape (reference
// edxml.md, "The national axis's API"): POST per operation, parameters as headers (plain or
// XroadVnpt-prefixed), answers {status: "OK"|"FAIL", ErrorCode, ErrorDesc, DocId | data}.
// The package of sendEdoc is streamed to a temporary file and hashed on the way in.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Busboy, type BusboyHeaders } from '@fastify/busboy';
import type { Logger } from 'pino';
import { VamcoError } from '../core/errors.js';
import { parseClientHeader } from '../core/ids.js';
import { certSubsystem, presentedCert } from '../gateway/index.js';
import { hashApiKey, liveKey, type SnapshotHolder } from '../registry/index.js';
import type { EdocHub, Caller, TransportStatus } from './hub.js';
import { EdocError, EDOC_ERRORS } from './errors.js';
import { meteredCopy } from './blobs.js';
import { HMAC_PREFIX, hmacVerify, signedParams } from './hmac.js';

export const EDOC_PREFIX = '/edoc/v1/';

export interface EdocHttpDeps {
  hub: EdocHub;
  instance: string;
  snapshots: SnapshotHolder;
  tokens: { verify(token: string): { sub: string; kh: string } | null };
  maxBytes: number;
  logger: Logger;
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

const ok = (extra: Record<string, unknown> = {}) => ({ status: 'OK', ErrorCode: '0', ErrorDesc: '', ...extra });

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name] ?? req.headers[HMAC_PREFIX + name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A SHA-256 written as hex (64) or base64 (44): the SDKs are seen writing both. */
function parseSha256(v: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return v.toLowerCase();
  const b = Buffer.from(v, 'base64');
  if (b.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(v)) return b.toString('hex');
  throw new EdocError('EDOC_BAD_REQUEST', 'The sha256 header must be the file\'s SHA-256 in hex (64 characters) or base64');
}

export function createEdocHandler(d: EdocHttpDeps): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const { hub } = d;

  /** Who calls: a gateway client (X-Road-Client + API key or token) or the SDK's system id + HMAC. */
  async function identify(req: http.IncomingMessage, operation: string): Promise<Caller> {
    const sig = req.headers[HMAC_PREFIX + 'signature'];
    if (typeof sig === 'string') {
      const params = signedParams(req.headers);
      const systemId = params.systemid ?? '';
      const cred = systemId ? await hub.hmacSecret(systemId) : null;
      if (!cred) throw new EdocError('EDOC_UNAUTHENTICATED', `Unknown system id "${systemId}"`);
      const v = hmacVerify(cred.secret, operation, params, sig);
      if (v !== 'ok') throw new EdocError('EDOC_UNAUTHENTICATED', v === 'stale' ? 'The signed timestamp is more than 5 minutes off' : 'The HMAC signature does not match');
      return { organ: systemId, client: `${d.instance}/${cred.subsystem}` };
    }
    const clientHeader = req.headers['x-road-client'];
    if (typeof clientHeader !== 'string' || !clientHeader) {
      throw new EdocError('EDOC_UNAUTHENTICATED', 'Send X-Road-Client with an API key (X-API-Key), a bearer token or a TLS client certificate, or the SDK\'s XroadVnpt- signed headers');
    }
    let ref;
    try {
      ref = parseClientHeader(clientHeader);
    } catch (e) {
      throw new EdocError('EDOC_UNAUTHENTICATED', (e as Error).message);
    }
    if (ref.instance !== d.instance) throw new EdocError('EDOC_UNAUTHENTICATED', `Client instance ${ref.instance} is not this platform's (${d.instance})`);
    const key = `${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}`;
    const snap = d.snapshots.current;
    const sub = snap.subsystems.get(key);
    const apiKey = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    let subsystemId: number | undefined;
    // An expired key is refused here too, under the hub's code with the gateway's reason in the detail.
    const live = (hash: string) => {
      try {
        return liveKey(snap.keys.get(hash))?.subsystemId;
      } catch (e) {
        if (e instanceof VamcoError) throw new EdocError('EDOC_UNAUTHENTICATED', `${e.message} (${e.code})`);
        throw e;
      }
    };
    if (typeof apiKey === 'string' && apiKey) subsystemId = live(hashApiKey(apiKey));
    else if (typeof auth === 'string' && /^bearer /i.test(auth)) {
      const claims = d.tokens.verify(auth.slice(7).trim());
      if (claims && claims.sub === `${d.instance}/${key}`) subsystemId = live(claims.kh);
    } else {
      // Over HTTPS with no header credential, the connection's client certificate decides, as
      // on /r1 (issue 8): registered to this subsystem, not revoked, in its dates, trusted issuer.
      const cert = presentedCert(req);
      if (!cert) throw new EdocError('EDOC_UNAUTHENTICATED', 'Send X-Road-Client with an API key (X-API-Key), a bearer token or, over HTTPS, a registered TLS client certificate');
      try {
        subsystemId = certSubsystem(snap, cert);
      } catch (e) {
        if (e instanceof VamcoError) throw new EdocError('EDOC_UNAUTHENTICATED', `${e.message} (${e.code})`);
        throw e;
      }
    }
    if (subsystemId === undefined || !sub || sub.id !== subsystemId) throw new EdocError('EDOC_UNAUTHENTICATED', `The credential is not valid for ${clientHeader}`);
    const organ = await hub.organOfClient(key);
    if (!organ) throw new EdocError('EDOC_NOT_ENDPOINT', `${key} is not the document endpoint of its member (vamco edoc endpoint set ${key})`);
    return { organ, client: `${d.instance}/${key}` };
  }

  /** Streams the upload (multipart file part, or a raw XML body) to a temp file, hashing it. */
  async function receive(req: http.IncomingMessage): Promise<{ file: string; sha256: string; size: number; fields: Record<string, string> }> {
    const file = hub.blobs.tmpPath();
    const tooLarge = () => new EdocError('EDOC_TOO_LARGE', `The package is larger than ${d.maxBytes} bytes (VAMCO_EDOC_MAX_BYTES)`);
    const meter = meteredCopy(d.maxBytes, tooLarge);
    const counter = meter.through;
    // Opened at once (not when the stream gets round to it), so a copy stopped at the size limit
    // leaves a file that the catch below removes, not one created after the removal.
    const sink = () => fs.createWriteStream(file, { fd: fs.openSync(file, 'w', 0o600) });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > d.maxBytes + 64 * 1024) throw tooLarge();
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    const fields: Record<string, string> = {};
    try {
      if (type.startsWith('multipart/form-data')) {
        let seen = false;
        await new Promise<void>((resolve, reject) => {
          let pending: Promise<void> | null = null;
          const bb = new Busboy({ headers: req.headers as BusboyHeaders, limits: { files: 1, fields: 20, fieldSize: 4096, parts: 40 } });
          bb.on('file', (_name, stream) => {
            seen = true;
            pending = pipeline(stream, counter(), sink());
            // A copy stopped (size limit, disk) settles the upload at once: busboy may never
            // emit 'finish' once its file stream is destroyed, and the caller would get no answer.
            pending.catch((e: unknown) => { stream.resume(); req.unpipe(bb); reject(e); });
          });
          bb.on('field', (name, value) => { fields[name.toLowerCase()] = value; });
          bb.on('filesLimit', () => reject(new EdocError('EDOC_BAD_REQUEST', 'sendEdoc takes one file')));
          bb.on('error', (e: Error) => reject(new EdocError('EDOC_BAD_REQUEST', `Malformed multipart body: ${e.message}`)));
          bb.on('finish', () => { (pending ?? Promise.resolve()).then(resolve, reject); });
          req.pipe(bb);
        });
        if (!seen) throw new EdocError('EDOC_BAD_REQUEST', 'The multipart body has no file part: send the .edxml as a file');
      } else if (/^(application|text)\/(xml|octet-stream)/.test(type)) {
        await pipeline(req, counter(), sink());
      } else {
        throw new EdocError('EDOC_BAD_REQUEST', 'Send the .edxml as multipart/form-data (a file part) or as application/xml');
      }
    } catch (e) {
      await fsp.rm(file, { force: true });
      req.resume();
      throw e;
    }
    return { file, ...meter.result(), fields };
  }

  async function sendEdoc(req: http.IncomingMessage, res: http.ServerResponse, caller: Caller): Promise<void> {
    const messageType = header(req, 'messagetype');
    if (messageType !== 'edoc' && messageType !== 'status') throw new EdocError('EDOC_BAD_REQUEST', 'The messagetype header must be edoc or status (axis API sendEdoc)');
    const serviceType = header(req, 'servicetype');
    if (serviceType && serviceType.toLowerCase() !== 'edoc') throw new EdocError('EDOC_BAD_REQUEST', `servicetype must be eDoc, not ${serviceType}`);
    const from = header(req, 'from');
    if (from && from !== caller.organ) throw new EdocError('EDOC_SENDER_MISMATCH', `The from header names ${from} but the caller sends for ${caller.organ}`);
    const up = await receive(req);
    try {
      const declared = header(req, 'sha256') ?? up.fields.sha256;
      if (!declared) throw new EdocError('EDOC_BAD_REQUEST', 'The sha256 header (the file\'s SHA-256) is required (axis API sendEdoc)');
      if (parseSha256(declared) !== up.sha256) throw new EdocError('EDOC_SHA256_MISMATCH', `The file's SHA-256 is ${up.sha256}, not the ${declared} declared: it was altered or cut short in transit`);
      const r = await hub.accept(caller, { file: up.file }, { expect: messageType });
      answer(res, 200, ok({ DocId: r.docId, ...(r.duplicate ? { ErrorDesc: 'Already accepted: the same DocId' } : {}) }));
    } catch (e) {
      if (e instanceof EdocError) await hub.record('refused-on-arrival', crypto.randomUUID(), caller.client, caller.organ, up.sha256, up.size, e.http, e.code).catch(() => {});
      throw e;
    } finally {
      await fsp.rm(up.file, { force: true });
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, op: string): Promise<void> {
    if (req.method !== 'POST') throw new EdocError('EDOC_BAD_REQUEST', `${op} answers POST (axis API)`, 405);
    const caller = await identify(req, op);
    switch (op) {
      case 'sendEdoc': return sendEdoc(req, res, caller);
      case 'getReceivedEdocList': {
        const mt = header(req, 'messagetype');
        if (mt && mt !== 'edoc' && mt !== 'status') throw new EdocError('EDOC_BAD_REQUEST', 'messagetype must be edoc or status');
        const data = await hub.inbox(caller.organ, { messageType: mt as 'edoc' | 'status' | undefined, from: header(req, 'fromdate'), to: header(req, 'todate') });
        return answer(res, 200, ok({ data }));
      }
      case 'getEdoc': {
        const docId = header(req, 'docid');
        if (!docId) throw new EdocError('EDOC_BAD_REQUEST', 'The docid header is required (axis API getEdoc)');
        const doc = await hub.fetch(caller, docId);
        res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-length': doc.size, docid: docId, sha256: doc.sha256, messagetype: doc.messageType, 'cache-control': 'no-store' });
        await pipeline(hub.blobs.stream(doc.sha256), res);
        return;
      }
      case 'updateStatus': {
        const docId = header(req, 'docid');
        const status = header(req, 'status');
        if (!docId || !status) throw new EdocError('EDOC_BAD_REQUEST', 'The docid and status headers are required (axis API updateStatus)');
        await hub.updateStatus(caller, docId, status as TransportStatus);
        return answer(res, 200, ok({ DocId: docId }));
      }
      case 'getSentEdocList':
        return answer(res, 200, ok({ data: await hub.sent(caller.organ, { from: header(req, 'fromdate'), to: header(req, 'todate') }) }));
      case 'getAgenciesList': {
        const list = await hub.listEndpoints();
        return answer(res, 200, ok({ data: list.map((a) => ({ id: a.organId, code: a.organId, name: a.name ?? a.organId })) }));
      }
      default:
        throw new EdocError('EDOC_BAD_REQUEST', `No operation ${op}: sendEdoc, getReceivedEdocList, getEdoc, updateStatus, getSentEdocList, getAgenciesList`, 404);
    }
  }

  return async (req, res) => {
    const op = (req.url ?? '').slice(EDOC_PREFIX.length).split(/[?#/]/)[0];
    try {
      await route(req, res, op);
    } catch (e) {
      if (!(e instanceof EdocError)) d.logger.error({ err: e, op }, 'edoc hub failed');
      const err = e instanceof EdocError ? e : new EdocError('EDOC_UNAVAILABLE', 'The hub failed to handle the request; nothing was accepted');
      if (!req.complete) req.resume();
      answer(res, err.http, { status: 'FAIL', ErrorCode: err.code, ErrorDesc: err.message, rule: EDOC_ERRORS[err.code].rule });
    }
  };
}
