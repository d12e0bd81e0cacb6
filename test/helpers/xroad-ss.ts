// A small stand-in of an X-Road security server, for testing Vamco against one (issue 17, item 6).
// Written from the protocol documents, not from X-Road's code: the Message Protocol for REST
// (PR-REST 1.0.4, nordic-institute/X-Road doc/Protocols/pr-rest_x-road_message_protocol_for_rest.md;
// section numbers below are that document's). Both of its sides towards information systems:
//   - client side: an information system (Vamco) calls its r1 endpoint over mutual TLS; the stand-in
//     records what arrived, checks it as the protocol says, and forwards it to the provider
//     information system registered for the service (standing for the whole X-Road path through
//     the provider's security server), or answers a fault in X-Road's error format;
//   - provider side: `deliver` calls a provider information system (Vamco) the way a provider's
//     security server does, presenting its TLS client certificate.
// PR-REST fixes the error format and the type prefixes (Client.*, Server.ClientProxy.*,
// Server.ServerProxy.*, §4.6) but lists no catalogue of types: the names used here beyond its
// examples (UnknownMember, SslAuthenticationFailed, UnknownService) are stand-ins of that form.
// Never a real endpoint; test code only.
import crypto from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { expectedRequestHash } from './xroad.js';

export interface Arrival {
  method: string;
  /** The request target as sent. */
  target: string;
  /** Header lines in the order sent, names as written. */
  headers: [string, string][];
  /** SHA-256 (hex) of the TLS client certificate the information system presented; null: none. */
  clientCert: string | null;
  body: Buffer;
}

export interface XroadFaultSpec { type: string; message: string }

export interface StandInOptions {
  /** The security server's internal TLS certificate (what information systems verify). */
  tls: { cert: string; key: string };
  /** The certificate it presents when calling provider information systems (§4.7). */
  clientTls: { cert: string; key: string };
  /** Client subsystem id → SHA-256 of the TLS certificate registered for its information system. */
  clients: Map<string, string>;
  /** Service id (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE) → base URL of the provider information system. */
  services: Map<string, string>;
  /** Service id → the fault the X-Road side answers for it (e.g. the provider's security server refusing access). */
  faults?: Map<string, XroadFaultSpec>;
  /** The members and subsystems of the global configuration, as listClients (PR-META §2, JSON of Annex B) lists them. */
  clientList?: XroadClientEntry[];
  /** Provider subsystem id → its REST services as listMethods lists them (PR-MREST §4, Annex B.1). */
  methods?: Map<string, XroadServiceEntry[]>;
  /** Client subsystem id → the service ids it holds access rights to (what allowedMethods lists for it, PR-MREST §4). */
  allowed?: Map<string, Set<string>>;
}

export interface XroadClientEntry {
  id: { object_type: 'MEMBER' | 'SUBSYSTEM'; xroad_instance: string; member_class: string; member_code: string; subsystem_code?: string };
  name?: string; subsystem_name?: string;
}
export interface XroadServiceEntry {
  xroad_instance: string; member_class: string; member_code: string; subsystem_code: string; service_code: string;
  service_type: string; object_type: 'SERVICE'; endpoint_list: { method: string; path: string }[];
}

export interface XroadStandIn {
  url: string;
  arrived: Arrival[];
  /** While set, requests are read and recorded but never answered (a security server that hangs). */
  hang: boolean;
  /** The provider side: calls a provider information system as a provider's security server does. */
  deliver(a: Delivery): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>;
  close(): Promise<void>;
}

export interface Delivery {
  /** The service's URL as registered at the security server, with the request's path and query appended (§4.1). */
  url: string;
  /** Trust for the provider's server certificate. */
  ca: string;
  client: string;
  service: string;
  messageId?: string;
  userId?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Another client certificate than the security server's (to show it is refused). */
  cert?: { cert: string; key: string };
}

/** §4.3 "Filtered headers": hop-by-hop ones, and those that leak the origin host. */
const FILTERED = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'user-agent', 'server']);
/** Set by the security servers (§4.3 "X-Road specific headers returned in the response"). */
const SET_BY_XROAD = new Set(['x-road-client', 'x-road-service', 'x-road-id', 'x-road-request-id', 'x-road-request-hash', 'x-road-error']);
/** §4.8 (PR-REST 1.0.3+): identifier parts are of these characters. */
const PART = /^[A-Za-z0-9'()+,\-.=?]+$/;

export async function startXroadStandIn(o: StandInOptions): Promise<XroadStandIn> {
  const s: XroadStandIn = {
    url: '', arrived: [], hang: false,
    deliver: (a) => deliver(o, a),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  // §4.7: the security server MUST support mutually authenticated client certificates. Which
  // certificate a client's information system uses is registered at the server (pinned), so no
  // CA decides: every certificate is asked for and checked against the registration.
  const server = https.createServer({ ...o.tls, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = req.rawHeaders;
      const headers: [string, string][] = [];
      for (let i = 0; i < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      const arrival: Arrival = { method: req.method!, target: req.url!, headers, clientCert: peer ? sha256(peer.raw) : null, body: Buffer.concat(chunks) };
      s.arrived.push(arrival);
      if (s.hang) return;
      void answer(o, arrival, req.headers.accept, res).catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return s;
}

const sha256 = (der: Buffer) => crypto.createHash('sha256').update(der).digest('hex');

/**
 * An error of the security server's own (§4.6): status 400 for a request that does not follow the
 * protocol (category 3), 500 for the others (categories 2 and 4); `X-Road-Error` with the type
 * (§4.3 "X-Road error header"); the body {type, message, detail} in JSON, or XML when the client's
 * Accept asks for it (§4.6: "SHOULD respect the Accept header … defaulting to application/json");
 * Content-Type with its charset (§4.3 "Content-Type header": MUST for messages of the server).
 */
function fault(res: import('node:http').ServerResponse, accept: string | undefined, type: string, message: string): void {
  const status = type.startsWith('Client.') ? 400 : 500;
  const detail = crypto.randomUUID();
  const xml = /\b(text|application)\/xml\b/.test(accept ?? '');
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = xml
    ? `<?xml version="1.0" encoding="UTF-8"?><error><type>${esc(type)}</type><message>${esc(message)}</message><detail>${detail}</detail></error>`
    : JSON.stringify({ type, message, detail });
  res.writeHead(status, { 'content-type': `${xml ? 'text/xml' : 'application/json'};charset=utf-8`, 'x-road-error': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function answer(o: StandInOptions, a: Arrival, accept: string | undefined, res: import('node:http').ServerResponse): Promise<void> {
  // §4.1: /{protocol-version}/{serviceId}[/path][?query], r1 for this version; §4.2: each part
  // percent-encoded on its own, "/" separating them.
  const q = a.target.indexOf('?');
  const pathPart = q < 0 ? a.target : a.target.slice(0, q);
  const query = q < 0 ? '' : a.target.slice(q);
  // PR-META §2: listClients is a plain GET of /listClients (no X-Road-Client), optionally
  // ?xRoadInstance= for another, federated instance (the server's own otherwise).
  if (pathPart === '/listClients') return listClients(o, a, query, accept, res);
  const seg = pathPart.split('/');
  if (seg[1] !== 'r1' || seg.length < 7) return fault(res, accept, 'Client.BadRequest', 'Error parsing the client\'s REST request (r1 service id expected)');
  let parts: string[];
  try { parts = seg.slice(2, 7).map(decodeURIComponent); } catch { return fault(res, accept, 'Client.BadRequest', 'Malformed percent-encoding in the service id'); }
  if (!parts.every((p) => PART.test(p))) return fault(res, accept, 'Client.BadRequest', 'Invalid character in the service id (§4.8)');
  const service = parts.join('/');
  const rest = seg.slice(7).join('/');
  // §4.3: X-Road-Client is the one mandatory header; with several, the last one counts.
  const clients = a.headers.filter(([n]) => n.toLowerCase() === 'x-road-client');
  if (clients.length === 0) return fault(res, accept, 'Client.BadRequest', 'X-Road-Client header missing');
  const client = clients[clients.length - 1][1].split('/').map(decodeURIComponent).join('/');
  // The information system's TLS certificate must be the one registered for that client (§4.7).
  const registered = o.clients.get(client);
  if (!registered) return fault(res, accept, 'Server.ClientProxy.UnknownMember', `Client ${client} is not registered at this security server`);
  if (a.clientCert !== registered) return fault(res, accept, 'Server.ClientProxy.SslAuthenticationFailed', `Client ${client} specifies HTTPS but did not supply the TLS certificate registered for it`);
  const f = o.faults?.get(service);
  if (f) return fault(res, accept, f.type, f.message);
  // PR-MREST §4: listMethods and allowedMethods are invoked as regular REST services, the
  // service id naming the provider subsystem; the answer lists its services (allowedMethods:
  // those open to the client), never the metaservices themselves.
  if (parts[4] === 'listMethods' || parts[4] === 'allowedMethods') {
    const provider = parts.slice(0, 4).join('/');
    const all = o.methods?.get(provider);
    if (!all) return fault(res, accept, 'Server.ServerProxy.UnknownService', `Unknown service: ${service}`);
    const open = o.allowed?.get(client) ?? new Set<string>();
    const list = parts[4] === 'listMethods' ? all : all.filter((e) => open.has(`${provider}/${e.service_code}`));
    const body = Buffer.from(JSON.stringify({ service: list }));
    const requestId = crypto.randomUUID();
    const messageId = a.headers.filter(([n]) => n.toLowerCase() === 'x-road-id').map(([, v]) => v).pop() ?? crypto.randomUUID();
    res.writeHead(200, {
      'content-type': 'application/json;charset=utf-8', 'content-length': body.length,
      'x-road-client': client, 'x-road-service': service, 'x-road-id': messageId, 'x-road-request-id': requestId,
      'x-road-request-hash': expectedRequestHash({ method: a.method, target: a.target, headers: a.headers, requestId, body: a.body }),
    });
    res.end(body);
    return;
  }
  const base = o.services.get(service);
  if (!base) return fault(res, accept, 'Server.ServerProxy.UnknownService', `Unknown service: ${service}`);

  const header = (name: string) => a.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v).pop();
  // §4.3 "Optional X-Road headers": X-Road-Id generated by the consumer's security server when absent.
  const messageId = header('x-road-id') ?? crypto.randomUUID();
  const requestId = crypto.randomUUID();
  // Towards the provider: the path and query appended to the service's URL (§4.1), every header
  // but the filtered ones passed (§4.3 "User defined headers", "Filtered headers"), the X-Road
  // ones set by the servers.
  const out: Record<string, string> = {};
  for (const [n, v] of a.headers) {
    const k = n.toLowerCase();
    if (!FILTERED.has(k) && !SET_BY_XROAD.has(k) && k !== 'content-length') out[k] = v;
  }
  Object.assign(out, { 'x-road-client': client, 'x-road-service': service, 'x-road-id': messageId, 'x-road-request-id': requestId });
  let up: Response;
  try {
    up = await fetch(`${base}${rest ? `/${rest}` : ''}${query}`, { method: a.method, headers: out, body: a.body.length ? a.body : undefined, redirect: 'manual' });
  } catch (e) {
    // §4.6 Example 2: the provider could not be reached.
    return fault(res, accept, 'Server.ServerProxy.NetworkError', `Connect to ${base} failed: ${(e as Error).message}`);
  }
  const body = Buffer.from(await up.arrayBuffer());
  // §4.6 category 1: the provider's status, body and headers as they are (filtered ones excepted),
  // with the X-Road headers of §4.3; the request hash binds the answer to the request.
  const back: Record<string, string> = {};
  up.headers.forEach((v, k) => { if (!FILTERED.has(k) && !SET_BY_XROAD.has(k) && k !== 'content-length' && k !== 'content-encoding') back[k] = v; });
  Object.assign(back, {
    'x-road-client': client, 'x-road-service': service, 'x-road-id': messageId, 'x-road-request-id': requestId,
    'x-road-request-hash': expectedRequestHash({ method: a.method, target: a.target, headers: a.headers, requestId, generatedId: header('x-road-id') ? undefined : messageId, body: a.body }),
    'content-length': String(body.length),
  });
  res.writeHead(up.status, back);
  res.end(body);
}

/** listClients (PR-META §2): JSON when Accept is application/json, otherwise the clientList XML of Annex A. */
function listClients(o: StandInOptions, a: Arrival, query: string, accept: string | undefined, res: import('node:http').ServerResponse): void {
  if (a.method !== 'GET') return fault(res, accept, 'Client.BadRequest', 'listClients is a GET');
  const asked = new URLSearchParams(query.slice(1)).get('xRoadInstance');
  const own = [...o.services.keys(), ...(o.methods?.keys() ?? [])][0]?.split('/')[0];
  const instance = asked ?? own;
  const member = (o.clientList ?? []).filter((m) => m.id.xroad_instance === instance);
  if (accept === 'application/json') {
    const body = JSON.stringify({ member });
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const part = (n: string, v: string | undefined) => (v === undefined ? '' : `<id:${n}>${esc(v)}</id:${n}>`);
  const body = '<?xml version="1.0" encoding="UTF-8"?><xrd:clientList xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers">'
    + member.map((m) => `<xrd:member><xrd:id id:objectType="${m.id.object_type}">${part('xRoadInstance', m.id.xroad_instance)}${part('memberClass', m.id.member_class)}${part('memberCode', m.id.member_code)}${part('subsystemCode', m.id.subsystem_code)}</xrd:id>`
      + `${m.name === undefined ? '' : `<xrd:name>${esc(m.name)}</xrd:name>`}${m.subsystem_name === undefined ? '' : `<xrd:subsystemName>${esc(m.subsystem_name)}</xrd:subsystemName>`}</xrd:member>`).join('')
    + '</xrd:clientList>';
  res.writeHead(200, { 'content-type': 'text/xml;charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The provider side: a request to a provider information system as its security server sends it. */
function deliver(o: StandInOptions, a: Delivery): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const cert = a.cert ?? o.clientTls;
  return new Promise((resolve, reject) => {
    const req = https.request(a.url, {
      method: a.method ?? 'GET', ca: a.ca, cert: cert.cert, key: cert.key, minVersion: 'TLSv1.2', agent: false,
      headers: {
        ...a.headers,
        // What the provider's security server sets (§4.3: the client and service of the call,
        // the message id, the request id), and the client's optional headers passed on.
        'x-road-client': a.client, 'x-road-service': a.service, 'x-road-id': a.messageId ?? crypto.randomUUID(), 'x-road-request-id': crypto.randomUUID(),
        ...(a.userId ? { 'x-road-userid': a.userId } : {}),
        ...(a.body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(a.body)) } : {}),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(a.body);
  });
}
