// The audit wing's public shapes. The gateway, admin API and CLI are written against these.
import type crypto from 'node:crypto';

/** One exchange as the gateway saw it. */
export interface ExchangeRecord {
  messageId: string;
  requestId: string;
  /** ISO-8601 UTC with milliseconds: when the request started. */
  at: string;
  /** "INSTANCE/CLASS/MEMBER/SUB" */
  client: string | null;
  /** "INSTANCE/CLASS/MEMBER/SUB/SERVICE" */
  service: string | null;
  method: string;
  path: string;
  status: number;
  /** Stored rounded to 3 decimals (whole microseconds). */
  durationMs: number;
  requestSize: number;
  responseSize: number;
  /** Hex SHA-256 of the bodies, null when not known. */
  requestDigest: string | null;
  responseDigest: string | null;
  userId: string | null;
  issue: string | null;
  errorCode: string | null;
  /** Base64 bodies, only when the provider opted in (they can hold personal data). */
  requestBody?: string | null;
  responseBody?: string | null;
}

export interface NodeKey { nodeId: string; privateKey: crypto.KeyObject; publicKeyPem: string }

export interface MessageLogOptions {
  /** How often the chain head is signed when it moved (default 10 s; 0 turns the timer off). */
  checkpointIntervalMs?: number;
  /** Most records committed in one transaction (default 256). */
  maxBatch?: number;
}

export interface MessageLogStats { appended: number; batches: number; pending: number; lastSeq: number }

export interface AdminAction {
  actor: string;
  action: string;
  target: string;
  address?: string | null;
  before?: unknown;
  after?: unknown;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  adminRecords: number;
  firstBad?: {
    chain: 'message' | 'admin';
    nodeId?: string;
    seq: number;
    messageId?: string;
    reason: string;
    /** Line of the export file, when verifying a file. */
    line?: number;
  };
}

export interface MessageQuery {
  /** Inclusive lower bound on `at` (ISO time). */
  from?: string;
  /** Exclusive upper bound on `at` (ISO time). */
  to?: string;
  client?: string;
  service?: string;
  /** An exact status (200 or "200") or a class ("4xx"). */
  status?: number | string;
  messageId?: string;
  /** Only records where this member ("INSTANCE/CLASS/CODE") is client or provider. */
  member?: string;
  limit?: number;
  cursor?: string;
}

export type LoggedMessage = ExchangeRecord & { nodeId: string; seq: number; hash: string };
export type LoggedMessageDetail = ExchangeRecord & { nodeId: string; seq: number; prevHash: string; hash: string };

export interface AdminTrailItem {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  address: string | null;
  before: unknown;
  after: unknown;
}
