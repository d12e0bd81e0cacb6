// Kysely table types for the accounts wing (migration 004). Kept here, beside the code that
// owns the tables, and joined with the core schema where queries need both.
import type { Generated, Kysely } from 'kysely';
import type { Schema } from '../store/index.js';

export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: string;
  member_id: string | null;
  password_hash: string;
  must_change_password: number;
  /** When a one-time password (must_change_password) stops working. */
  password_expires_at: string | null;
  totp_secret: string | null;
  totp_pending_secret: string | null;
  totp_last_step: number | null;
  failed_logins: number;
  locked_until: string | null;
  disabled: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface UserSessionTable {
  id_hash: string;
  user_id: number;
  /** 'totp' | 'totp_enrol' | 'password_change' | 'full' */
  stage: string;
  csrf_token: string;
  address: string | null;
  user_agent: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface UserTokenTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  prefix: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Recovery codes (migration 027): the SHA-256 of each, spent once. */
export interface RecoveryCodeTable {
  user_id: number;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** Login attempts per address ("addr:…") and per name that is no account ("name:…"). */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: string | null;
  updated_at: string;
}

export interface AccessRequestTable {
  id: Generated<number>;
  service_id: string;
  provider_member: string;
  client_id: string;
  client_member: string;
  endpoint_method: string | null;
  endpoint_path: string | null;
  reason: string;
  state: string;
  requested_by: string;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
  grant_id: number | null;
}

export interface AccountsSchema extends Schema {
  users: UserTable;
  user_sessions: UserSessionTable;
  user_tokens: UserTokenTable;
  login_throttle: LoginThrottleTable;
  user_recovery_codes: RecoveryCodeTable;
  access_requests: AccessRequestTable;
}

export const accountsDb = (db: Kysely<Schema>): Kysely<AccountsSchema> => db as unknown as Kysely<AccountsSchema>;
