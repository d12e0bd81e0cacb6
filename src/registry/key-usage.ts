// When each API key was last used (issue 14), kept off the request path: the gateway notes the
// use in memory (one map write), and a timer writes the latest use per key to the store in one
// transaction every few seconds. A node stopped cleanly flushes what it holds; a crash loses at
// most one interval of "last used", which is a convenience, never a record of the exchange.
import type { Logger } from 'pino';
import type { Store } from '../store/index.js';

export const KEY_USAGE_FLUSH_MS = 5000;

export class KeyUsage {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly store: Store, private readonly opts: { flushMs?: number; logger?: Logger } = {}) {}

  /** The key was used now (called per request: a map write, nothing more). */
  used(keyId: number, at = Date.now()): void {
    if (!(keyId > 0)) return; // a key from a snapshot file of an older version: no id to write to
    const prev = this.pending.get(keyId);
    if (prev === undefined || at > prev) this.pending.set(keyId, at);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs ?? KEY_USAGE_FLUSH_MS);
    this.timer.unref();
  }

  /** Writes the uses noted so far; one flush at a time, a later call waits for the running one. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).catch((e: unknown) => {
      // The database away: the uses wait for the next flush (newer ones noted since win).
      for (const [id, at] of batch) this.used(id, at);
      this.opts.logger?.warn({ err: e, keys: batch.size }, 'API key last-used times not written; retried at the next flush');
    }).finally(() => { this.flushing = null; });
    await this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(batch: Map<number, number>): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      for (const [id, at] of batch) {
        const iso = new Date(at).toISOString();
        // Several nodes flush: a later use is never overwritten by an earlier one.
        await trx.updateTable('api_keys').set({ last_used_at: iso }).where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', iso)])).execute();
      }
    });
  }
}
