// A stand-in for a WSO2-style national gateway (NDXP and most provincial LGSPs behave so):
// POST /token with grant_type=client_credentials and the consumer key and secret (HTTP Basic
// or form fields) issues an opaque Bearer token; /{context}/{version}/{resource} answers only
// with a live token, 401 with WSO2's fault body otherwise. Counts what it saw.
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface Wso2Options {
  consumerKey?: string;
  consumerSecret?: string;
  /** Lifetime of issued tokens in seconds (WSO2's default is 3600). */
  expiresIn?: number;
  /** Delay before a token answer, so concurrent requests overlap the fetch. */
  tokenDelayMs?: number;
}

export interface ApiCall { at: number; path: string; token: string | null; status: number; headers: http.IncomingHttpHeaders }

export interface Wso2StandIn {
  url: string;
  /** Every token issued, in order. */
  issued: { token: string; at: number; expiresAt: number; scope: string }[];
  tokenRequests: { auth: 'basic' | 'body' | 'none'; ok: boolean; scope: string | null; clientId: string | null }[];
  calls: ApiCall[];
  /** Revokes every token issued so far (the next API call with one answers 401). */
  revokeAll(): void;
  close(): Promise<void>;
}

const WSO2_INVALID_CREDENTIALS = {
  fault: { code: 900901, message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials' },
};

export async function startWso2(o: Wso2Options = {}): Promise<Wso2StandIn> {
  const key = o.consumerKey ?? 'vamco-province-key';
  const secret = o.consumerSecret ?? 'national-secret-2026';
  const live = new Map<string, number>(); // token -> expiresAt
  const s: Omit<Wso2StandIn, 'url' | 'close'> = {
    issued: [], tokenRequests: [], calls: [],
    revokeAll: () => live.clear(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const send = (status: number, obj: unknown) => {
        const text = JSON.stringify(obj);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.url === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        let id = form.get('client_id');
        let pw = form.get('client_secret');
        let auth: 'basic' | 'body' | 'none' = id ? 'body' : 'none';
        const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
        if (basic) {
          // RFC 6749 2.3.1: id and secret are form-encoded before the Basic encoding.
          const [u, p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
          const dec = (v = '') => decodeURIComponent(v.replace(/\+/g, ' '));
          id = dec(u);
          pw = dec(p);
          auth = 'basic';
        }
        const ok = id === key && pw === secret && form.get('grant_type') === 'client_credentials';
        s.tokenRequests.push({ auth, ok, scope: form.get('scope'), clientId: id });
        const answer = () => {
          if (!ok) return send(401, { error: 'invalid_client', error_description: 'Client Authentication failed.' });
          const token = crypto.randomBytes(16).toString('hex');
          const expiresIn = o.expiresIn ?? 3600;
          const at = Date.now();
          live.set(token, at + expiresIn * 1000);
          const scope = form.get('scope') ?? 'default';
          s.issued.push({ token, at, expiresAt: at + expiresIn * 1000, scope });
          send(200, { access_token: token, scope, token_type: 'Bearer', expires_in: expiresIn });
        };
        if (o.tokenDelayMs) setTimeout(answer, o.tokenDelayMs);
        else answer();
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      const token = bearer ? bearer[1] : null;
      const exp = token ? live.get(token) : undefined;
      const valid = exp !== undefined && Date.now() < exp;
      const status = valid ? 200 : 401;
      s.calls.push({ at: Date.now(), path: req.url!, token, status, headers: req.headers });
      if (!valid) return send(401, WSO2_INVALID_CREDENTIALS);
      // A business-register style answer: codes with leading zeros stay strings.
      const m = /^\/apiCSDLDKDN\/1\.0\/doanhnghiep\/([^/?]+)/.exec(req.url!);
      if (m) return send(200, { maSoDoanhNghiep: decodeURIComponent(m[1]), tenDoanhNghiep: 'Công ty TNHH Một thành viên', tinhTrang: '01' });
      send(200, { path: req.url, method: req.method, size: body.length, xRoadClient: req.headers['x-road-client'] ?? null });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    ...s, url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
