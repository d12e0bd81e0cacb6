import crypto from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, afterEach } from 'vitest';
import pino from 'pino';
import { tempDir } from '../store/testing.js';
import { nodeIdFor } from '../audit/chain.js';
import type { NodeKey } from '../audit/types.js';
import type { SnapPeer, SnapshotHolder } from '../registry/index.js';
import { DIRECTORY_FORMAT, DIRECTORY_PATH, signDirectory } from './directory.js';
import { startPeerDirectories } from './peer-directories.js';

const nodeKey = (): NodeKey => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { nodeId: nodeIdFor(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

const closers: Array<() => unknown> = [];
afterEach(async () => { for (const c of closers.splice(0)) await c(); });

describe('peer directories', () => {
  it('tells a directory signed with an unpinned key once per key, and again at the next fetch when telling it failed', async () => {
    const pinned = nodeKey();
    const other = nodeKey();
    const signed = JSON.stringify(signDirectory(other, { format: DIRECTORY_FORMAT, version: 1, instance: 'VN-B', snapshotVersion: 1, generatedAt: new Date().toISOString(), members: [], services: [] }));
    const server = http.createServer((req, res) => {
      if (req.url !== DIRECTORY_PATH) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' }).end(signed);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(r)));
    const peer = {
      id: -1, instance: 'VN-B', type: 'vamco', xroadClient: null, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: null, fingerprint: null,
      tls: { id: 'none', ca: null, cert: null, key: null }, directoryKeys: [crypto.createPublicKey(pinned.publicKeyPem)], directoryKeyOnFirstUse: false, services: new Map(),
    } as unknown as SnapPeer;
    const snapshots = { current: { peers: new Map([['VN-B', peer]]) } } as unknown as SnapshotHolder;
    const told: string[] = [];
    let storeAway = true;
    const dataDir = tempDir();
    closers.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const dirs = startPeerDirectories({
      dataDir, snapshots, intervalMs: 3_600_000, logger: pino({ level: 'silent' }),
      refused: async (instance, r) => {
        if (storeAway) throw new Error('store unreachable');
        told.push(`${instance} ${r.nodeId} ${r.code}`);
      },
    });
    closers.push(() => dirs.stop());
    // The trail cannot be written: nothing told, and the next fetch tries again.
    await dirs.tick();
    expect(told).toEqual([]);
    storeAway = false;
    await dirs.tick();
    expect(told).toEqual([`VN-B ${other.nodeId} DIRECTORY_KEY_UNTRUSTED`]);
    // Told once: the same key refused again is not told again.
    await dirs.tick();
    await dirs.tick();
    expect(told).toHaveLength(1);
  });
});
