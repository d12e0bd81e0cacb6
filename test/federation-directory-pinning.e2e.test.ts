// Trust on first use of a peer's directory key (issue 17, item 4; docs/federation.md "Pinned
// signer keys"), end to end with real platforms: A adds VN-B with --directory-key-on-first-use;
// its first fetch pins the key of B's node. B's node is then replaced behind the same address
// (a new node key; same CA, so mutual TLS still holds, as after a reinstall behind a balancer):
// its directory, signed with another key, is refused with a stable code, A keeps answering from
// the directory it trusted, and the refusal is visible and in the admin trail. The operator then
// accepts the new key the documented way (vamco peer directory-key), and the new directory is taken.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { tempDir } from '../src/store/testing.js';
import { until } from './helpers/wait.js';

const MEMBER = { memberClass: 'GOV', memberCode: '000.00.00.B01', name: 'Tỉnh B' };

/** A TCP relay standing for B's balancer: TLS passes through it untouched, to whichever node is behind it now. */
async function balancer(): Promise<{ port: number; target: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const b = {
    port: 0, target: 0,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
  const server = net.createServer((inbound) => {
    const outbound = net.connect(b.target, '127.0.0.1');
    for (const s of [inbound, outbound]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => { inbound.destroy(); outbound.destroy(); }); }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  b.port = (server.address() as AddressInfo).port;
  return b;
}

describe('a peer\'s directory key pinned on first use', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let b2: TestPlatform;
  let lb: Awaited<ReturnType<typeof balancer>>;
  const dir = tempDir();
  const b2Data = tempDir();

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-A', VAMCO_DIRECTORY_FETCH_INTERVAL: '1h' } }),
      startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1' } }),
    ]);
    expect((await b.admin('POST', '/api/v1/members', MEMBER)).status).toBe(201);
    expect((await b.admin('POST', '/api/v1/subsystems', { id: 'GOV/000.00.00.B01/hotich' })).status).toBe(201);
    await b.snapshots.poll();
    lb = await balancer();
    lb.target = Number(new URL(b.gatewayTlsUrl!).port);
    fs.writeFileSync(path.join(dir, 'b-ca.pem'), (await b.cli(['ca', 'export'])).stdout);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), b2?.stop()]);
    await lb?.close();
    for (const d of [dir, b2Data]) fs.rmSync(d, { recursive: true, force: true });
  });

  const peerB = async () => (await a.admin('GET', '/api/v1/peers')).body.items.find((p: { instance: string }) => p.instance === 'VN-B');
  const subsystemsOfB = async () => {
    const res = await request(`${a.gatewayUrl}/listClients?xRoadInstance=VN-B`, { headers: { accept: 'application/json' } });
    const list = (await res.body.json()) as { member: Array<{ id: { subsystem_code?: string } }> };
    return list.member.filter((m) => m.id.subsystem_code).map((m) => m.id.subsystem_code);
  };
  const trail = async () => (await a.admin('GET', '/api/v1/admin-trail?q=VN-B')).body.items as Array<{ action: string; actor: string; after: unknown }>;

  it('pins the key of the first directory, refuses one signed by another key and keeps the trusted one, and takes the new key once the operator accepts it', async () => {
    const url = `https://127.0.0.1:${lb.port}`;
    const added = await a.cli(['peer', 'add', 'VN-B', '--url', url, '--ca', path.join(dir, 'b-ca.pem'), '--directory-key-on-first-use']);
    expect(added.stdout).toContain('added\tVN-B');
    await a.snapshots.poll();
    expect(await peerB()).toMatchObject({ directoryKeys: [], directoryKeyOnFirstUse: true });

    // First fetch: B's node key is pinned (in the registry, by the system, in the admin trail),
    // and B's directory is in use from the next snapshot on.
    await a.directories.tick();
    await until('A to pin B\'s key', async () => ((await peerB()).directoryKeys.length ? true : undefined));
    expect((await peerB()).directoryKeys).toEqual([b.nodeKey.nodeId]);
    expect(await trail()).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'peer.directory-key', actor: 'system' })]));
    await a.directories.tick();
    expect(await subsystemsOfB()).toEqual(['hotich']);
    const kept = path.join(a.dataDir, 'federation', 'directories', 'VN-B.json');
    expect(JSON.parse(fs.readFileSync(kept, 'utf8')).signed.nodeId).toBe(b.nodeKey.nodeId);

    // B's node replaced behind its address: same CA (its pki copied), a new node key, another subsystem.
    fs.cpSync(path.join(b.dataDir, 'pki'), path.join(b2Data, 'pki'), { recursive: true });
    b2 = await startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1', VAMCO_DATA_DIR: b2Data } });
    expect(b2.nodeKey.nodeId).not.toBe(b.nodeKey.nodeId);
    expect((await b2.admin('POST', '/api/v1/members', MEMBER)).status).toBe(201);
    expect((await b2.admin('POST', '/api/v1/subsystems', { id: 'GOV/000.00.00.B01/tuphap' })).status).toBe(201);
    await b2.snapshots.poll();
    lb.target = Number(new URL(b2.gatewayTlsUrl!).port);
    await b.stop();

    // Refused, with a stable code and the signer named; the pin unchanged; the trusted directory still answers.
    // The first fetch after the switch may instead meet the idle keep-alive connection the old
    // node closed (a network error, no code): fetch again until the new node's directory is judged.
    const refused = await until('A to judge the new node\'s directory', async () => {
      await a.directories.tick();
      const d = (await peerB()).directory;
      return d.code ? d : undefined;
    });
    expect(refused).toMatchObject({ code: 'DIRECTORY_KEY_UNTRUSTED' });
    expect(refused.error).toContain(`signed by node ${b2.nodeKey.nodeId}, not with the key pinned for VN-B`);
    expect((await peerB()).directoryKeys).toEqual([b.nodeKey.nodeId]);
    expect(await subsystemsOfB()).toEqual(['hotich']);
    expect(JSON.parse(fs.readFileSync(kept, 'utf8')).signed.nodeId).toBe(b.nodeKey.nodeId);
    // In the admin trail once, naming the key refused (not again at every fetch).
    await a.directories.tick();
    const refusals = (await trail()).filter((t) => t.action === 'peer.directory-refused');
    expect(refusals).toEqual([expect.objectContaining({ actor: 'system', after: expect.objectContaining({ nodeId: b2.nodeKey.nodeId, code: 'DIRECTORY_KEY_UNTRUSTED' }) })]);

    // The operator checks the new key with B's operator and accepts it (docs/operator-guide.md).
    const newKey = path.join(dir, 'b2-node.pub');
    fs.writeFileSync(newKey, b2.nodeKey.publicKeyPem);
    const accepted = await a.cli(['peer', 'directory-key', 'VN-B', '--key', newKey]);
    expect(accepted.stdout).toContain(`VN-B\tdirectory key ${b2.nodeKey.nodeId}`);
    await a.snapshots.poll();
    await a.directories.tick();
    expect((await peerB()).directoryKeys).toEqual([b2.nodeKey.nodeId]);
    expect((await peerB()).directory).toMatchObject({ error: null, code: null });
    expect(await subsystemsOfB()).toEqual(['tuphap']);
    expect((await trail()).filter((t) => t.action === 'peer.directory-key').map((t) => t.actor)).toEqual(expect.arrayContaining(['system', expect.not.stringMatching(/^system$/)]));
    // Through the admin API: the pin forgotten, the next directory's key pinned again (by the system).
    const rearmed = await a.admin('PUT', '/api/v1/peers/VN-B/directory-key', { onFirstUse: true });
    expect([rearmed.status, rearmed.body.directoryKeys, rearmed.body.directoryKeyOnFirstUse]).toEqual([200, [], true]);
    await a.snapshots.poll();
    await a.directories.tick();
    await until('A to pin B\'s key again', async () => ((await peerB()).directoryKeys.length ? true : undefined));
    expect((await peerB()).directoryKeys).toEqual([b2.nodeKey.nodeId]);
    const both = await a.admin('PUT', '/api/v1/peers/VN-B/directory-key', { onFirstUse: true, directoryKey: b2.nodeKey.publicKeyPem });
    expect([both.status, both.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    // A key that is not a node key is refused with the catalogue's code.
    const junk = path.join(dir, 'junk.pub');
    fs.writeFileSync(junk, 'not a key');
    const bad = await a.cli(['peer', 'directory-key', 'VN-B', '--key', junk], { allowFail: true });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('PEM public key');
  }, 300_000);
});
