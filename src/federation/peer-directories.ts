// Directory exchange with peers (issue 17, item 4): each peer's signed directory is fetched over
// mutual TLS (the peer's CA, this platform's certificate) every VAMCO_DIRECTORY_FETCH_INTERVAL,
// conditionally, and the last copy whose signature held is kept on disk: listClients for a
// peer's instance keeps answering while the peer is down, and after a restart.
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

export function startPeerDirectories(a: { dataDir: string; snapshots: SnapshotHolder; intervalMs: number; logger: Logger }): PeerDirectories {
  const dir = path.join(a.dataDir, DIRECTORIES_DIR);
  const copies = new Map<string, { peer: SnapPeer; copy: DirectoryCopy; agent: Agent; content: DirectoryContent | null }>();
  const entry = (peer: SnapPeer) => {
    const have = copies.get(peer.instance);
    if (have && have.peer.url === peer.url && have.peer.tls.id === peer.tls.id) { have.peer = peer; return have; }
    void have?.agent.close().catch(() => {});
    const agent = new Agent({ connect: { ca: peer.tls.ca ?? undefined, cert: peer.tls.cert ?? undefined, key: peer.tls.key ?? undefined, rejectUnauthorized: true, minVersion: 'TLSv1.2' } });
    const copy = new DirectoryCopy({ dir, instance: peer.instance, url: peer.url, dispatcher: agent });
    let content: DirectoryContent | null = null;
    try { content = copy.read()?.content ?? null; } catch (err) { a.logger.warn({ err, peer: peer.instance }, 'the directory kept for a peer does not verify; fetching it again'); }
    const e = { peer, copy, agent, content };
    copies.set(peer.instance, e);
    return e;
  };
  // Only Vamco platforms publish a signed directory; a security server peer has none.
  const peersNow = () => new Map([...(a.snapshots.current?.peers ?? new Map<string, SnapPeer>())].filter(([, p]) => p.type === 'vamco'));
  let running: Promise<void> | null = null;
  async function round(): Promise<void> {
    const peers = peersNow();
    for (const [instance, e] of copies) if (!peers.has(instance)) { copies.delete(instance); void e.agent.close().catch(() => {}); }
    await Promise.all([...peers.values()].map(async (peer) => {
      const e = entry(peer);
      const r = await e.copy.fetch();
      if (r.content) e.content = r.content;
      if (r.error) a.logger.warn({ peer: peer.instance, err: r.error }, 'peer directory not fetched; the last good copy stays in use');
    }));
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
      return peer ? entry(peer).content : null;
    },
    tick,
    stop() {
      clearInterval(timer);
      for (const e of copies.values()) void e.agent.close().catch(() => {});
      copies.clear();
    },
  };
}
