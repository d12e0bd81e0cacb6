// Issue 12, finding 6: "backend host names checked at registration, not at connect (DNS
// rebinding)". A name that resolved to a public address when the service was registered and
// resolves to loopback when the gateway connects must not reach loopback.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { checkBackendUrl, type Resolver } from '../registry/backend-policy.js';
import type { SnapService } from '../registry/index.js';
import { Upstreams } from './upstream.js';
import { backendTls } from '../backend-auth/index.js';
import { makeCa } from '../../test/helpers/tls.js';

describe('backend addresses checked at connect time', () => {
  let internal: http.Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    // Stands for what must stay out of reach: a service on the platform's host.
    internal = http.createServer((_req, res) => { hits++; res.end('internal'); });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', () => r()));
    port = (internal.address() as AddressInfo).port;
  });
  afterAll(async () => { await new Promise((r) => internal.close(r)); });

  /** A resolver whose answer changes after the first question, as a rebinding attacker's DNS does. */
  function rebinding(first: string, then: string) {
    let asked = 0;
    const resolver: Resolver = (_host, _o, cb) => {
      const address = asked++ === 0 ? first : then;
      cb(null, [{ address, family: address.includes(':') ? 6 : 4 } as LookupAddress]);
    };
    return { resolver, resolve: (h: string) => new Promise<string[]>((res, rej) => resolver(h, { all: true }, (e, a) => (e ? rej(e) : res(a.map((x) => x.address))))) };
  }
  const svc = (url: string) => ({ id: 1, url: new URL(url), connectTimeoutMs: 2000 }) as unknown as SnapService;
  const get = (u: Upstreams, url: string) => u.pool(svc(url)).request({ method: 'GET', path: '/' }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));

  it('refuses a name that now resolves to loopback, though it passed registration on a public address', async () => {
    const dns = rebinding('203.0.113.7', '127.0.0.1');
    const url = `http://backend.agency.example:${port}/`;
    const policy = { allow: [] as string[], ownPorts: [] as number[] };
    // Registration sees the first answer: a public address, accepted.
    expect((await checkBackendUrl(url, policy, dns.resolve)).hostname).toBe('backend.agency.example');
    const u = new Upstreams({ connectTimeoutMs: 2000, defaultTimeoutMs: 5000, policy, resolver: dns.resolver });
    try {
      await expect(get(u, url)).rejects.toMatchObject({ code: 'EBACKENDREFUSED', message: expect.stringMatching(/backend policy: backend\.agency\.example resolves to an internal address \(127\.0\.0\.1\)/) });
      expect(hits).toBe(0);
    } finally {
      await u.close();
    }
  });

  it('refuses the metadata address and the gateway\'s own port at connect time', async () => {
    const meta = rebinding('203.0.113.7', '169.254.169.254');
    const u = new Upstreams({ connectTimeoutMs: 2000, defaultTimeoutMs: 5000, policy: { allow: [], ownPorts: [] }, resolver: (h, o, cb) => { meta.resolver(h, o, () => {}); meta.resolver(h, o, cb); } });
    const own = new Upstreams({ connectTimeoutMs: 2000, defaultTimeoutMs: 5000, policy: { allow: ['127.0.0.1'], ownPorts: [port] }, resolver: rebinding('127.0.0.1', '127.0.0.1').resolver });
    try {
      await expect(get(u, 'http://meta.example/')).rejects.toMatchObject({ code: 'EBACKENDREFUSED' });
      await expect(get(own, `http://self.example:${port}/`)).rejects.toMatchObject({ code: 'EBACKENDREFUSED', message: expect.stringMatching(/own ports/) });
      expect(hits).toBe(0);
    } finally {
      await u.close();
      await own.close();
    }
  });

  it('connects where the operator allowed the address (the check is the same policy, not a blanket refusal)', async () => {
    const dns = rebinding('127.0.0.1', '127.0.0.1');
    const u = new Upstreams({ connectTimeoutMs: 2000, defaultTimeoutMs: 5000, policy: { allow: ['127.0.0.1'], ownPorts: [] }, resolver: dns.resolver });
    try {
      expect(await get(u, `http://allowed.example:${port}/`)).toEqual({ status: 200, body: 'internal' });
      expect(hits).toBe(1);
    } finally {
      await u.close();
    }
  });
});

// The same guard with TLS: the name is checked where the socket connects, and the certificate
// is still verified against the name (not the address it resolved to).
describe('backend addresses checked at connect time, over TLS', () => {
  const ca = makeCa('Rebinding test CA');
  let srv: https.Server;
  let port = 0;
  let hits = 0;
  beforeAll(async () => {
    srv = https.createServer({ ...ca.issue('backend', { dns: ['backend.agency.example'] }) }, (_req, res) => { hits++; res.end('tls'); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    port = (srv.address() as AddressInfo).port;
  });
  afterAll(async () => { srv.closeAllConnections(); await new Promise((r) => srv.close(r)); });
  const svc = (url: string) => ({ id: 2, url: new URL(url), connectTimeoutMs: 2000, tls: backendTls(ca.cert, null) }) as unknown as SnapService;
  const at = (address: string): Resolver => (_h, _o, cb) => cb(null, [{ address, family: 4 } as LookupAddress]);

  it('refuses an https name that now resolves to loopback, before any handshake', async () => {
    const u = new Upstreams({ connectTimeoutMs: 2000, defaultTimeoutMs: 5000, policy: { allow: [], ownPorts: [] }, resolver: at('127.0.0.1') });
    try {
      await expect(u.pool(svc(`https://backend.agency.example:${port}/`)).request({ method: 'GET', path: '/' })).rejects.toMatchObject({ code: 'EBACKENDREFUSED' });
      expect(hits).toBe(0);
    } finally {
      await u.close();
    }
  });

  it('connects where allowed, verifying the certificate against the host name', async () => {
    const u = new Upstreams({ connectTimeoutMs: 2000, defaultTimeoutMs: 5000, policy: { allow: ['127.0.0.1'], ownPorts: [] }, resolver: at('127.0.0.1') });
    try {
      const r = await u.pool(svc(`https://backend.agency.example:${port}/`)).request({ method: 'GET', path: '/' });
      expect([r.statusCode, await r.body.text()]).toEqual([200, 'tls']);
      // Same address, another name: the certificate is not for it.
      await expect(u.pool({ ...svc(`https://wrong.agency.example:${port}/`), id: 3 } as SnapService).request({ method: 'GET', path: '/' }))
        .rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      expect(hits).toBe(1);
    } finally {
      await u.close();
    }
  });
});
