// Kysely types of the edoc tables (migration 013_edoc), kept with the wing.
import type { Generated, Kysely } from 'kysely';
import type { Store } from '../store/index.js';
import type { Schema } from '../store/schema.js';

export type EdocTables = {
  edoc_endpoints: { organ_id: string; subsystem: string; hmac_secret: string | null; created_at: string; updated_at: string };
  edoc_documents: {
    doc_id: string; message_type: string; document_id: string; sender_organ: string; sender_client: string;
    business_type: number; status_code: string | null; response_for: string | null; subject: string; summary: string;
    blob_sha256: string; blob_size: number; origin: string; created_at: string;
  };
  edoc_deliveries: {
    id: Generated<number>; doc_id: string; sender_organ: string; recipient_organ: string; route: string; idem_key: string;
    state: string; attempts: Generated<number>; next_attempt_at: string | null; last_error: string | null;
    upstream_doc_id: string | null; created_at: string; fetched_at: string | null; acked_at: string | null;
  };
  edoc_upstream_seen: { upstream_doc_id: string; doc_id: string | null; at: string };
};

export type EdocDb = Kysely<Schema & EdocTables>;
export const edb = (store: Store): EdocDb => store.db as unknown as EdocDb;
