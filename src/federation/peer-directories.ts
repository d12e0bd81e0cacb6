// Directory exchange with peers (issue 17, item 4): each peer's signed directory is fetched over
// mutual TLS (the peer's CA, this platform's certificate) every VAMCO_DIRECTORY_FETCH_INTERVAL,
// conditionally, and the last copy whose signature held is kept on disk: listClients for a
// peer's instance keeps answering while the peer is down, and after a restart. The signature
// must be made with a key pinned for that peer (at "peer add", or the first one fetched when the
// peer was added with trust on first use): the TLS connection says which gateway answered, the
// pinned key says which platform wrote the directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from 'undici';
import type { Logger } from 'pino';
import type { SnapPeer, SnapshotHolder } from '../registry/index.js';
import { DirectoryCopy, type DirectoryContent } from './directory.js';

export const DIRECTORIES_DIR = path.join('federation', 'directories');

export interface PeerDirectories {
  /** The last good directory of a current peer (null: none yet, or not a peer). */
  content(instance: string): DirectoryContent | null;
  /** One round over every peer now. */
  tick(): Promise<void>;
  stop(): void;
}

/** How the last fetches of a peer's directory went, as the console shows it. */
export interface DirectoryStatus {
  /** When the kept copy was fetched, and when its publisher made it (null: no copy kept). */
  fetchedAt: string | null; generatedAt: string | null;
  /** The last attempt: when, and why it failed (null: it succeeded, or none yet), with the catalogue code of the failure when it has one. */
  attemptedAt: string | null; error: string | null; code: string | null;
}

const statusFile = (dir: string, instance: string) => path.join(dir, `${instance}.status.json`);

/** Read by the admin API from the data dir the fetching loop writes to. */
export function directoryStatus(dataDir: string, instance: string): DirectoryStatus {
  const dir = path.join(dataDir, DIRECTORIES_DIR);
  const read = <T>(f: string): T | null => { try { return JSON.parse(fs.readFileSync(f, 'utf8')) as T; } catch { return null; } };
  const kept = read<{ fetchedAt?: string; signed?: { payload?: string } }>(path.join(dir, `${instance}.json`));
  let generatedAt: string | null = null;
  try { generatedAt = kept?.signed?.payload ? (JSON.parse(Buffer.from(kept.signed.payload, 'base64url').toString('utf8')) as DirectoryContent).generatedAt ?? null : null; } catch { generatedAt = null; }
  const last = read<{ attemptedAt?: string; error?: string | null; code?: string | null }>(statusFile(dir, instance));
  return { fetchedAt: kept?.fetchedAt ?? null, generatedAt, attemptedAt: last?.attemptedAt ?? null, error: last?.error ?? null, code: last?.code ?? null };
}

/** The keys a peer's directory may be signed with; null: none pinned and none to be pinned, so none is taken. */
const trustedKeys = (peer: SnapPeer): crypto.KeyObject[] | null => (peer.directoryKeys.length ? peer.directoryKeys : peer.directoryKeyOnFirstUse ? [] : null);
const keysId = (peer: SnapPeer) => peer.directoryKeys.map((k) => k.export({ type: 'spki', format: 'der' }).toString('base64')).join(',');

export function startPeerDirectories(a: {
  dataDir: string; snapshots: SnapshotHolder; intervalMs: number; logger: Logger;
  /** Pins the key of a peer's first verified directory (trust on first use); false: another node pinned one first. */
  pin?: (instance: string, publicKeyPem: string) => Promise<boolean>;
  /** A directory signed with a key not pinned for the peer was refused: told once per refused key (the admin trail keeps it). */
  refused?: (instance: string, r: { nodeId: string; code: string; error: string }) => Promise<void>;
}): PeerDirectories {
  const dir = path.join(a.dataDir, DIRECTORIES_DIR);
  const copies = new Map<string, { peer: SnapPeer; copy: DirectoryCopy; agent: Agent; content: DirectoryContent | null; keys: string }>();
  const entry = (peer: SnapPeer) => {
    const have = copies.get(peer.instance);
    if (have && have.peer.url === peer.url && have.peer.tls.id === peer.tls.id && have.keys === keysId(peer)) { have.peer = peer; return have; }
    void have?.agent.close().catch(() => {});
    const agent = new Agent({ connect: { ca: peer.tls.ca ?? undefined, cert: peer.tls.cert ?? undefined, key: peer.tls.key ?? undefined, rejectUnauthorized: true, minVersion: 'TLSv1.2' } });
    const trusted = trustedKeys(peer);
    const copy = new DirectoryCopy({ dir, instance: peer.instance, url: peer.url, dispatcher: agent, trusted: trusted?.length ? trusted : undefined });
    let content: DirectoryContent | null = null;
    // A kept copy counts only once a key is pinned it verifies with.
    if (trusted?.length) {
      try { content = copy.read()?.content ?? null; } catch (err) { a.logger.warn({ err, peer: peer.instance }, 'the directory kept for a peer does not verify with its pinned key; fetching it again'); }
    }
    const e = { peer, copy, agent, content, keys: keysId(peer) };
    copies.set(peer.instance, e);
    return e;
  };
  // Only Vamco platforms publish a signed directory; a security server peer has none.
  const peersNow = () => new Map([...(a.snapshots.current?.peers ?? new Map<string, SnapPeer>())].filter(([, p]) => p.type === 'vamco'));
  const record = (instance: string, error: string | null, code: string | null = null, refusedNodeId: string | null = null) => {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(statusFile(dir, instance), JSON.stringify({ attemptedAt: new Date().toISOString(), error, code, refusedNodeId }), { mode: 0o600 });
    } catch (err) { a.logger.warn({ err }, 'peer directory status not written'); }
  };
  let running: Promise<void> | null = null;
  async function fetchOne(peer: SnapPeer): Promise<void> {
    const trusted = trustedKeys(peer);
    if (!trusted) { record(peer.instance, 'no key is pinned for this peer\'s directory (peer add --directory-key, or --directory-key-on-first-use)'); return; }
    const e = entry(peer);
    const r = await e.copy.fetch();
    if (r.error) {
      a.logger.warn({ peer: peer.instance, err: r.error, code: r.code }, 'peer directory not fetched; the last good copy stays in use');
      // Reported once per refused key (the status file remembers the key once it is told), not at
      // every fetch; a report that failed (the store away) is made again at the next fetch.
      let told: string | null = null;
      if (r.refusedNodeId) {
        try { told = (JSON.parse(fs.readFileSync(statusFile(dir, peer.instance), 'utf8')) as { refusedNodeId?: string | null }).refusedNodeId ?? null; } catch { told = null; }
        if (told !== r.refusedNodeId) {
          const nodeId = r.refusedNodeId;
          told = await Promise.resolve(a.refused?.(peer.instance, { nodeId, code: r.code!, error: r.error })).then(() => nodeId, (err) => {
            a.logger.error({ err }, 'a refused peer directory not recorded in the admin trail; told again at the next fetch');
            return null;
          });
        }
      }
      record(peer.instance, r.error, r.code ?? null, told);
      return;
    }
    if (!trusted.length && r.signerKey) {
      // Trust on first use: this copy's key becomes the pinned one; used from the next snapshot on.
      const pinned = await a.pin?.(peer.instance, r.signerKey);
      a.logger.info({ peer: peer.instance, pinned }, 'directory key of a peer pinned on first use');
      if (!pinned) { record(peer.instance, null); return; }
    }
    if (r.content) e.content = r.content;
    record(peer.instance, null);
  }
  async function round(): Promise<void> {
    const peers = peersNow();
    for (const [instance, e] of copies) if (!peers.has(instance)) { copies.delete(instance); void e.agent.close().catch(() => {}); }
    await Promise.all([...peers.values()].map((peer) => fetchOne(peer)));
  }
  const tick = () => {
    running ??= round().catch((err) => a.logger.error({ err }, 'peer directories')).finally(() => { running = null; });
    return running;
  };
  const timer = setInterval(() => { if (peersNow().size) void tick(); }, a.intervalMs);
  timer.unref();
  return {
    content(instance) {
      const peer = peersNow().get(instance);
      return peer && trustedKeys(peer)?.length ? entry(peer).content : null;
    },
    tick,
    stop() {
      clearInterval(timer);
      for (const e of copies.values()) void e.agent.close().catch(() => {});
      copies.clear();
    },
  };
}

/**
 * A gateway worker's view (VAMCO_WORKERS > 1): the primary fetches; a worker reads the copies it
 * keeps on disk, each checked against the peer's pinned key, again whenever the file changes.
 */
export function keptPeerDirectories(a: { dataDir: string; snapshots: SnapshotHolder; logger: Logger }): PeerDirectories {
  const dir = path.join(a.dataDir, DIRECTORIES_DIR);
  const seen = new Map<string, { stamp: string; content: DirectoryContent | null }>();
  return {
    content(instance) {
      const peer = a.snapshots.current?.peers.get(instance);
      if (!peer?.directoryKeys.length) return null;
      let stamp: string;
      try { const st = fs.statSync(path.join(dir, `${instance}.json`)); stamp = `${st.mtimeMs}:${st.size}:${keysId(peer)}`; } catch { return null; }
      const have = seen.get(instance);
      if (have?.stamp === stamp) return have.content;
      let content: DirectoryContent | null = null;
      try { content = new DirectoryCopy({ dir, instance, url: peer.url, trusted: peer.directoryKeys }).read()?.content ?? null; } catch (err) { a.logger.warn({ err, peer: instance }, 'the directory kept for a peer does not verify with its pinned key'); }
      seen.set(instance, { stamp, content });
      return content;
    },
    tick: async () => {},
    stop() { seen.clear(); },
  };
}
