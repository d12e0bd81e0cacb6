// Admin tokens that work on every node: each node publishes the SHA-256 of its own token file's
// token in the shared store, and accepts a bearer token whose digest any node published. Only
// digests travel; the tokens stay in each node's data dir.
import crypto from 'node:crypto';
import type { Store } from '../store/index.js';

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export async function registerAdminToken(store: Store, nodeId: string, token: string): Promise<void> {
  const row = { token_hash: digest(token), updated_at: new Date().toISOString() };
  await store.db.insertInto('node_admin_tokens').values({ node_id: nodeId, ...row })
    .onConflict((oc) => oc.column('node_id').doUpdateSet(row)).execute();
}

/** The nodes' token digests, re-read when older than `refreshMs` (a replaced token stops working then). */
export class ClusterAdminTokens {
  private digests = new Set<string>();
  private readAt = 0;
  private reading?: Promise<void>;

  constructor(private store: Store, private refreshMs = 5000) {}

  async matches(token: string | null): Promise<boolean> {
    if (!token || token.length < 32) return false;
    const d = digest(token);
    if (Date.now() - this.readAt >= this.refreshMs) {
      this.reading ??= this.store.db.selectFrom('node_admin_tokens').select('token_hash').execute()
        .then((rows) => { this.digests = new Set(rows.map((r) => r.token_hash)); this.readAt = Date.now(); })
        .catch(() => { /* store away: only the tokens already known work */ })
        .finally(() => { this.reading = undefined; });
      await this.reading;
    }
    // Constant-time enough: a Set lookup of a digest reveals nothing about the token.
    return this.digests.has(d);
  }
}
