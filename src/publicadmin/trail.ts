// Who changes public-administration reference data, and how the change reaches the admin trail.
// The wing does not know the audit module: the mounting core (admin API, CLI) passes a writer
// that records the entry in the same transaction as the change.
import type { Kysely } from 'kysely';

export interface TrailEntry { actor: string; action: string; target: string; address?: string | null; before?: unknown; after?: unknown }
export type TrailWriter = (db: Kysely<any>, entry: TrailEntry) => Promise<void>;

/** The acting person or program ("user:alice", "cli:root") and where the trail goes. */
export interface Who { actor: string; address?: string | null; trail?: TrailWriter }

export async function trail(db: Kysely<any>, who: Who, entry: Omit<TrailEntry, 'actor' | 'address'>): Promise<void> {
  if (who.trail) await who.trail(db, { ...entry, actor: who.actor, address: who.address ?? null });
}
