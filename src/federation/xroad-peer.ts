// An X-Road security server as a peer (issue 17, item 6): this platform calls it as one of its
// information systems, with the r1 protocol's client-side rules (PR-REST 1.0.4, nordic-institute/X-Road
// doc/Protocols), and reads its faults back into the platform's own. Inbound calls from that
// security server are authenticated in src/gateway/client-cert.ts (its pinned certificate).
import { VamcoError } from '../core/errors.js';
import type { Readable } from 'node:stream';

/**
 * The request headers towards the security server, made from what the gateway sends a backend:
 * - X-Road-Client, the one mandatory header (§4.3), is this platform's client there: `client`;
 * - X-Road-Id, X-Road-UserId, X-Road-Issue stay (§4.3 "Optional X-Road headers");
 * - X-Road-Service and X-Road-Request-Id are response headers the security servers set (§4.3
 *   "X-Road specific headers returned in the response"), and the request hash SHOULD NOT be in a
 *   request (§4.3 "Request hash header"): none of them is sent, nor Vamco's receipt request.
 */
export function asXroadRequest(h: Record<string, string | string[]>, client: string): void {
  delete h['x-road-service'];
  delete h['x-road-request-id'];
  delete h['x-road-request-hash'];
  delete h['x-vamco-receipt'];
  h['x-road-client'] = client;
}

const one = (v: string | string[] | undefined): string | null => (typeof v === 'string' ? v : Array.isArray(v) ? v[v.length - 1] : null);

/**
 * What the record keeps of the security server's answer: its X-Road-Request-Id and the
 * X-Road-Request-Hash its provider side computed over the request (§4.3: created by the
 * provider's security server, verified by the client's) — the link from this exchange to the
 * X-Road message log entries. The answer to this platform's client carries this platform's own
 * request hash, over the request that client sent.
 */
export function xroadAnswerReference(headers: Record<string, string | string[] | undefined>): string {
  return `xroad request ${one(headers['x-road-request-id']) ?? '-'} hash ${one(headers['x-road-request-hash']) ?? '-'}`;
}

const FAULT_MAX_BYTES = 64 * 1024;
const FAULT_TYPE = /^[A-Za-z][A-Za-z0-9_.-]{0,199}$/;
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const xmlUnescape = (s: string) => s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) =>
  XML_ENTITIES[e] ?? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)));
const xmlField = (xml: string, name: string) => { const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml); return m ? xmlUnescape(m[1]) : null; };

/**
 * The security server's own fault (it carries X-Road-Error, §4.3 "X-Road error header"), as this
 * platform's fault for its client: the same fault type and status (§4.6: 400 for the client's
 * request, 500 for the security servers' and the provider's failures), the server's message and
 * its detail (the id to quote to its operator). Its body is `{type, message, detail}` in JSON or
 * `<error><type/><message/><detail/></error>` in XML (§4.6, by the Accept this platform passed
 * on); only the header is certain, so it is the type when the body cannot be read. Null for an
 * answer of the provider information system (no X-Road-Error: category 1, passed as it is).
 */
export async function xroadFault(answer: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: Readable }, instance: string): Promise<VamcoError | null> {
  const flagged = one(answer.headers['x-road-error']);
  if (flagged === null) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of answer.body) {
    if (size >= FAULT_MAX_BYTES) continue; // drained, not kept
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
  }
  const text = Buffer.concat(chunks).subarray(0, FAULT_MAX_BYTES).toString('utf8');
  let body: { type?: unknown; message?: unknown; detail?: unknown } = {};
  const media = (one(answer.headers['content-type']) ?? '').toLowerCase();
  if (media.includes('xml')) body = { type: xmlField(text, 'type'), message: xmlField(text, 'message'), detail: xmlField(text, 'detail') };
  else {
    try { const j = JSON.parse(text); if (j && typeof j === 'object') body = j; } catch { /* the header still says what it is */ }
  }
  const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2000) : null);
  const type = [str(body.type), flagged.trim()].find((t) => t !== null && FAULT_TYPE.test(t)) ?? ERRORS_FALLBACK;
  const status = answer.statusCode === 400 || answer.statusCode === 500 ? answer.statusCode : /^client\./i.test(type) ? 400 : 500;
  const detail = str(body.detail);
  return new VamcoError('XROAD_FAULT', `The X-Road security server of ${instance} answered ${type}: ${str(body.message) ?? 'no message'}${detail ? ` (its detail: ${detail})` : ''}`, {
    xroad: { type, status }, extra: detail ? { xroadDetail: detail } : undefined,
  });
}
const ERRORS_FALLBACK = 'Server.ServerProxy.ServiceFailed';
