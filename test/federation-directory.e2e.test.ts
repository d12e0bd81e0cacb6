// Directory exchange (issue 17, item 4), publishing and keeping: a platform publishes its signed
// directory (members, subsystems, services with type and endpoints, never backend URLs); a copy
// fetched with conditional requests is kept on disk only when its signature holds, and stays
// when the publisher is down or answers a forged directory.
import { describe, it, expect, afterAll } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { tempDir } from '../src/store/testing.js';
import { DirectoryCopy, DIRECTORY_PATH, signDirectory } from '../src/federation/index.js';
import { nodeIdFor } from '../src/audit/chain.js';
import type { NodeKey } from '../src/audit/index.js';

const P = 'GOV/000.00.00.D01/provider';

describe('signed directory', () => {
  let b: TestPlatform;
  const dir = tempDir();
  const servers: http.Server[] = [];
  afterAll(async () => {
    await b?.stop();
    for (const s of servers) { s.closeAllConnections(); await new Promise((r) => s.close(r)); }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is published signed, fetched conditionally, and its last good copy kept through forgery and outage', async () => {
    b = await startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1' } });
    const api = (m: string, u: string, body?: unknown) => b.admin(m, '/api/v1' + u, body);
    expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.D01', name: 'Sở B' })).status).toBe(201);
    expect((await api('POST', '/subsystems', { id: P })).status).toBe(201);
    const secretUrl = 'http://127.0.0.1:9/hidden-backend-path';
    expect((await api('POST', '/services', { id: `${P}/hoso`, url: secretUrl })).status).toBe(201);
    await b.snapshots.poll();

    const raw = await fetch(b.gatewayUrl + DIRECTORY_PATH);
    const text = await raw.text();
    expect(raw.status).toBe(200);
    expect(text).not.toContain('hidden-backend-path');
    expect(Buffer.from(JSON.parse(text).payload, 'base64url').toString()).not.toContain('hidden-backend-path');

    const trusted = crypto.createPublicKey(b.nodeKey.publicKeyPem);
    const copy = new DirectoryCopy({ dir, instance: 'VN-B', url: b.gatewayUrl, trusted });
    const first = await copy.fetch();
    expect(first.state).toBe('updated');
    expect(first.content!.services).toEqual([expect.objectContaining({ xroad_instance: 'VN-B', member_code: '000.00.00.D01', subsystem_code: 'provider', service_code: 'hoso', object_type: 'SERVICE' })]);
    expect(first.content!.members.map((m) => m.id.object_type).sort()).toEqual(['MEMBER', 'SUBSYSTEM']);
    // Nothing changed: a conditional request, answered 304.
    expect((await copy.fetch()).state).toBe('not-modified');

    // A forged directory (payload changed, signature kept) from the same address: refused, copy kept.
    const forged = JSON.parse(text);
    forged.payload = Buffer.from(Buffer.from(forged.payload, 'base64url').toString().replace('hoso', 'hosx')).toString('base64url');
    const fake = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(forged)); });
    servers.push(fake);
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const viaFake = new DirectoryCopy({ dir, instance: 'VN-B', url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, trusted });
    const f = await viaFake.fetch();
    expect(f.state).toBe('kept-last-good');
    expect(f.error).toMatch(/signature does not match its content/);
    expect(f.content!.services[0].service_code).toBe('hoso');

    // A directory of VN-B correctly signed, but by a key other than the one pinned for VN-B (a
    // gateway that answers for B with a node key of its own): refused, the last good copy kept.
    const other = crypto.generateKeyPairSync('ed25519');
    const otherKey = { nodeId: nodeIdFor(other.publicKey), publicKeyPem: other.publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey: other.privateKey } as NodeKey;
    const resigned = signDirectory(otherKey, { ...first.content!, services: [] });
    const impostor = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(resigned)); });
    servers.push(impostor);
    await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', r));
    const viaImpostor = new DirectoryCopy({ dir, instance: 'VN-B', url: `http://127.0.0.1:${(impostor.address() as AddressInfo).port}`, trusted: [trusted] });
    const i = await viaImpostor.fetch();
    expect(i.state).toBe('kept-last-good');
    expect(i.error).toContain(`signed by node ${otherKey.nodeId}, not with the key pinned for VN-B`);
    expect(i.content!.services[0].service_code).toBe('hoso');
    expect(copy.read()!.signed.nodeId).toBe(b.nodeKey.nodeId);

    // The publisher down: the last good copy is still there.
    await b.stop();
    const down = await copy.fetch();
    expect(down.state).toBe('kept-last-good');
    expect(down.content!.services[0].service_code).toBe('hoso');
    expect(copy.read()!.content.instance).toBe('VN-B');
  }, 300_000);
});
