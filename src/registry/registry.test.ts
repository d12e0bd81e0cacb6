import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { loadConfig } from '../config/index.js';
import { listAdminTrail } from '../audit/index.js';
import * as reg from './index.js';
import crypto from 'node:crypto';
import { makeCa } from '../../test/helpers/tls.js';

const who = { actor: 'test:alice', address: '10.0.0.9' };

describe.each(testEngines())('registry on %s', (engine) => {
  let t: TestStore;
  let ctx: reg.RegistryCtx;
  beforeAll(async () => {
    t = await createTestStore(engine);
    ctx = { store: t.store, config: loadConfig({ VAMCO_DATA_DIR: t.dataDir, VAMCO_BACKEND_ALLOW: '127.0.0.1' }) };
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'So Tu phap' }, who);
    await reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Van phong' }, who);
    await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.H59/hotich' }, who);
    await reg.addSubsystem(ctx, { id: 'GOV/000.00.00.H60/motcua' }, who);
  });
  afterAll(() => t.cleanup());

  it('refuses duplicates, malformed and unknown identifiers with stable codes', async () => {
    await expect(reg.addMember(ctx, { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'again' }, who)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(reg.addMember(ctx, { memberClass: 'GOV', memberCode: 'bad code!', name: 'x' }, who)).rejects.toMatchObject({ code: 'INVALID_IDENTIFIER' });
    await expect(reg.addSubsystem(ctx, { id: 'GOV/000.00.00.H99/x' }, who)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(reg.addSubsystem(ctx, { id: 'GOV/000.00.00.H59' }, who)).rejects.toMatchObject({ code: 'INVALID_IDENTIFIER' });
    await expect(reg.addService(ctx, { id: 'GOV/000.00.00.H59/hotich/listMethods', url: 'http://10.0.0.1' }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(reg.addService(ctx, { id: 'GOV/000.00.00.H59/hotich/x', url: 'http://169.254.169.254' }, who)).rejects.toMatchObject({ code: 'BACKEND_URL_REFUSED' });
    await expect(reg.addService(ctx, { id: 'GOV/000.00.00.H59/hotich/x', url: 'http://10.0.0.1', rateLimit: 'fast' }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('builds a snapshot with service and endpoint grants (default deny)', async () => {
    const openapi = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: { '/a/{id}': { get: {} }, '/b': { post: {} } } };
    await reg.addService(ctx, { id: 'GOV/000.00.00.H59/hotich/svc', url: 'http://10.0.0.1:9000/base/', openapi, rateLimit: '5/s', timeout: '2s' }, who);
    await reg.grantAccess(ctx, { service: 'GOV/000.00.00.H59/hotich/svc', client: 'GOV/000.00.00.H60/motcua', endpoint: { method: 'get', path: '/a/{id}' } }, who);
    await expect(reg.grantAccess(ctx, { service: 'GOV/000.00.00.H59/hotich/svc', client: 'GOV/000.00.00.H60/motcua', endpoint: { method: 'GET', path: '/a/{id}' } }, who))
      .rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await expect(reg.grantAccess(ctx, { service: 'GOV/000.00.00.H59/hotich/svc', client: 'GOV/000.00.00.H60/motcua', endpoint: { method: 'GET', path: '/zzz' } }, who))
      .rejects.toMatchObject({ code: 'NOT_FOUND' });
    const snap = await reg.buildSnapshot(t.store);
    const svc = snap.services.get('GOV/000.00.00.H59/hotich/svc')!;
    expect(svc.url.toString()).toBe('http://10.0.0.1:9000/base');
    expect(svc.rateLimit).toEqual({ points: 5, perSeconds: 1 });
    expect(svc.timeoutMs).toBe(2000);
    expect(svc.endpoints.map((e) => `${e.method} ${e.path}`).sort()).toEqual(['GET /a/{id}', 'POST /b']);
    const client = snap.subsystems.get('GOV/000.00.00.H60/motcua')!;
    const provider = snap.subsystems.get('GOV/000.00.00.H59/hotich')!;
    expect(reg.isAllowed(snap, svc, client.id, 'GET', '/a/42')).toBe(true);
    expect(reg.isAllowed(snap, svc, client.id, 'GET', '/a/42/x')).toBe(false);
    expect(reg.isAllowed(snap, svc, client.id, 'POST', '/b')).toBe(false);
    expect(reg.isAllowed(snap, svc, provider.id, 'GET', '/a/1')).toBe(false);
    await reg.grantAccess(ctx, { service: 'GOV/000.00.00.H59/hotich/svc', client: 'GOV/000.00.00.H60/motcua' }, who);
    const snap2 = await reg.buildSnapshot(t.store);
    expect(snap2.version).toBeGreaterThan(snap.version);
    expect(reg.isAllowed(snap2, svc, client.id, 'POST', '/b')).toBe(true);
    await reg.revokeAccess(ctx, { service: 'GOV/000.00.00.H59/hotich/svc', client: 'GOV/000.00.00.H60/motcua' }, who);
    const snap3 = await reg.buildSnapshot(t.store);
    expect(reg.isAllowed(snap3, svc, client.id, 'POST', '/b')).toBe(false);
    expect(reg.isAllowed(snap3, svc, client.id, 'GET', '/a/1')).toBe(true);
  });

  it('keeps keys hashed, finds them by hash, and forgets revoked ones', async () => {
    const k = await reg.createKey(ctx, { subsystem: 'GOV/000.00.00.H60/motcua', label: 'test' }, who);
    const rows = await t.store.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(k.key);
    let snap = await reg.buildSnapshot(t.store);
    expect(snap.keys.get(reg.hashApiKey(k.key))?.subsystemId).toBe(snap.subsystems.get('GOV/000.00.00.H60/motcua')!.id);
    await reg.revokeKey(ctx, k.id, who);
    snap = await reg.buildSnapshot(t.store);
    expect(snap.keys.has(reg.hashApiKey(k.key))).toBe(false);
  });

  it('re-importing OpenAPI keeps surviving endpoints and drops grants of removed ones', async () => {
    const id = 'GOV/000.00.00.H59/hotich/evolving';
    const doc = (paths: Record<string, object>) => ({ openapi: '3.1.0', info: { title: 'e', version: '1' }, paths });
    await reg.addService(ctx, { id, url: 'http://10.0.0.2', openapi: doc({ '/x': { get: {} }, '/y': { get: {} } }) }, who);
    await reg.grantAccess(ctx, { service: id, client: 'GOV/000.00.00.H60/motcua', endpoint: { method: 'GET', path: '/x' } }, who);
    await reg.grantAccess(ctx, { service: id, client: 'GOV/000.00.00.H60/motcua', endpoint: { method: 'GET', path: '/y' } }, who);
    await reg.updateService(ctx, id, { openapi: doc({ '/x': { get: {} }, '/z': { put: {} } }) }, who);
    const rights = await reg.listAccessRights(ctx, { service: id });
    expect(rights.map((r) => r.endpoint?.path)).toEqual(['/x']);
    expect((await reg.getService(ctx, id)).endpoints.map((e) => e.path).sort()).toEqual(['/x', '/z']);
  });

  it('keeps an X-Road security server peer with its type, its client id there and the pinned certificate (issue 17, item 6)', async () => {
    const ssRoot = makeCa('ss root');
    const ssTls = ssRoot.issue('ss.example', { ip: ['127.0.0.1'] });
    const mine = ssRoot.issue('VN-A', { client: true });
    const base = { url: 'https://ss.example:8443', clientCert: mine };
    await expect(reg.addPeer(ctx, { ...base, instance: 'NAT', type: 'xroad', ca: ssTls.cert }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(reg.addPeer(ctx, { ...base, instance: 'NAT', type: 'xroad', ca: ssTls.cert, xroadClient: 'EE/GOV/P' }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(reg.addPeer(ctx, { ...base, instance: 'NAT', type: 'xroad', fingerprint: 'ab'.repeat(32), xroadClient: 'NAT/GOV/P' }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(reg.addPeer(ctx, { ...base, instance: 'NAT', type: 'other' as reg.PeerType, ca: ssTls.cert }, who)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // Without --fingerprint the --ca certificate itself (a security server's self-signed internal TLS certificate) is pinned.
    const v = await reg.addPeer(ctx, { ...base, instance: 'NAT', type: 'xroad', ca: ssTls.cert, xroadClient: 'NAT/GOV/P' }, who);
    const pin = new crypto.X509Certificate(ssTls.cert).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(v).toMatchObject({ instance: 'NAT', type: 'xroad', xroadClient: 'NAT/GOV/P', fingerprint: pin });
    await reg.addPeer(ctx, { ...base, instance: 'NAT2', type: 'xroad', ca: ssTls.cert, fingerprint: 'AB:'.repeat(31) + 'AB', xroadClient: 'NAT2/GOV/P/one' }, who);
    expect((await reg.listPeers(ctx)).map((p) => [p.instance, p.type, p.xroadClient, p.fingerprint])).toEqual([['NAT', 'xroad', 'NAT/GOV/P', pin], ['NAT2', 'xroad', 'NAT2/GOV/P/one', 'ab'.repeat(32)]]);
    const snap = await reg.buildSnapshot(t.store);
    const local = snap.subsystems.get('GOV/000.00.00.H60/motcua')!;
    // A member as the client there: each local client's subsystem code under it; a subsystem: every call as it.
    expect(reg.xroadClientFor(snap.peers.get('NAT')!, local)).toBe('NAT/GOV/P/motcua');
    expect(reg.xroadClientFor(snap.peers.get('NAT2')!, local)).toBe('NAT2/GOV/P/one');
    expect(snap.peers.get('NAT')!.tls.ca).toEqual([ssTls.cert]);
    for (const i of ['NAT', 'NAT2']) await reg.removePeer(ctx, i, who);
  });

  it('a right on an endpoint of any method ("*") allows every method on its paths only; a service nobody may call refuses everyone', async () => {
    const id = 'GOV/000.00.00.H59/hotich/files';
    await reg.addService(ctx, { id, url: 'http://10.0.0.3' }, who);
    const ep = await reg.addEndpoint(ctx, id, { method: '*', path: '/files/**' }, who);
    const client = 'GOV/000.00.00.H60/motcua';
    let snap = await reg.buildSnapshot(t.store);
    const svc = snap.services.get(id)!;
    const clientId = snap.subsystems.get(client)!.id;
    // No right on the service at all: default deny (not an error).
    expect(snap.grants.get(svc.id)).toBeUndefined();
    expect(reg.isAllowed(snap, svc, clientId, 'GET', '/files/a')).toBe(false);
    await reg.grantAccess(ctx, { service: id, client, endpoint: { method: '*', path: '/files/**' } }, who);
    snap = await reg.buildSnapshot(t.store);
    // The grant holds exactly that endpoint (what allowedMethods lists), not the whole service.
    expect(snap.grants.get(svc.id)?.get(clientId)).toEqual({ all: false, endpoints: [{ id: ep.id, method: '*', path: '/files/**', pattern: expect.any(RegExp) }] });
    for (const method of ['GET', 'PUT', 'DELETE']) expect(reg.isAllowed(snap, svc, clientId, method, '/files/a/b.pdf')).toBe(true);
    expect(reg.isAllowed(snap, svc, clientId, 'GET', '/other')).toBe(false);
    expect(reg.isAllowed(snap, svc, snap.subsystems.get('GOV/000.00.00.H59/hotich')!.id, 'GET', '/files/a')).toBe(false);
  });

  it('writes every change to the admin trail with the actor, and cascades removal', async () => {
    const trail = await listAdminTrail(t.store, { limit: 1000 });
    expect(trail.items.length).toBeGreaterThan(8);
    expect(trail.items.every((i) => i.actor === 'test:alice' && i.address === '10.0.0.9')).toBe(true);
    expect(trail.items.map((i) => i.action)).toEqual(expect.arrayContaining(['member.add', 'subsystem.add', 'service.add', 'access.grant', 'access.revoke', 'key.create', 'key.revoke']));
    await reg.removeMember(ctx, 'GOV/000.00.00.H59', who);
    expect(await reg.listServices(ctx)).toEqual([]);
    expect(await reg.listAccessRights(ctx, {})).toEqual([]);
  });
});
