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
  /** The gateway's own call to the backend, where the backend needs its own credential (null otherwise). */
  upstream?: UpstreamLeg | null;
  /** The kind of credential the client presented (never the credential itself); null when none. */
  credential?: CredentialUsed | null;
}

/**
 * Which credential a client called with: an API key, a bearer token of POST /token (OAuth2
 * client credentials), a TLS client certificate, named by its SHA-256 fingerprint (public), or
 * a peer platform's certificate for a client of that instance (issue 17), or an X-Road security
 * server peer's pinned certificate for a client of its instance (issue 17, item 6).
 */
export type CredentialUsed =
  | { kind: 'api-key' }
  | { kind: 'token' }
  | { kind: 'peer' }
  | { kind: 'xroad' }
  | { kind: 'certificate'; fingerprint: string };

export const CREDENTIAL_KINDS = ['api-key', 'token', 'certificate', 'peer', 'xroad'] as const;

/**
 * The upstream leg of an exchange: what the gateway's call to the provider's backend (a
 * national gateway, say) did on the agency's behalf. Never holds a credential: a token is
 * named by its id (a digest prefix), so two records show whether they used the same token.
 */
export interface UpstreamLeg {
  /** The backend authentication scheme used (oauth2, signed, static, certificate). */
  scheme: string;
  /** Status of the backend's last answer; 0 when none came. */
  status: number;
  /** Milliseconds spent on the backend call(s), token fetches included. */
  durationMs: number;
  /** 1, or 2 when a 401 made the gateway refresh its token and retry once. */
  attempts: number;
  /** Id of the upstream token used (never the token), null for schemes without one. */
  tokenId: string | null;
}

/** Where a committed record sits: its node's chain, its number in it, its hash. */
export interface LogPosition { nodeId: string; seq: number; hash: string }

export interface NodeKey { nodeId: string; privateKey: crypto.KeyObject; publicKeyPem: string }

export interface MessageLogOptions {
  /** How often the chain head is signed when it moved (default 10 s; 0 turns the timer off). */
  checkpointIntervalMs?: number;
  /** Most records committed in one transaction (default 256). */
  maxBatch?: number;
  /**
   * The node's local journal (journal.ts): records are durable once there, and shipped into the
   * store in the background. Without it records are committed straight into the store.
   */
  /**
   * Open without the store (unreachable at start): the journal's head continues the chain and
   * shipping waits for MessageLog.resume(). Needs a journal that holds records.
   */
  offline?: boolean;
  /**
   * The node's key was created by this start: no store can hold records of its chain, which
   * begins at the genesis (a gateway worker's new slot may so start without the store).
   */
  newKey?: boolean;
  /** Also sign the admin trail's head at each checkpoint (default true; a gateway worker leaves it to its primary). */
  adminCheckpoints?: boolean;
  journal?: {
    /** Where the segment files live (the platform uses <data dir>/journal). */
    dir: string;
    /** Bytes after which a segment is closed and a new one started (default 64 MiB). */
    segmentBytes?: number;
    /** Shipped segments are removed once older than this (default 24 h). */
    retentionMs?: number;
    /** Wait before retrying when the store refused a shipment (default 1 s). */
    retryMs?: number;
    onShipError?: (e: unknown) => void;
    onShipRecover?: () => void;
    /** The journal held another node's chain, all of it in the store (the node key was replaced): it was moved to `movedTo`. */
    onSetAside?: (e: { nodeId: string; ownNodeId: string; seq: number; movedTo: string }) => void;
  };
  /** Health monitoring (off when absent): refuse appends while the log cannot commit. */
  health?: {
    /** A commit or probe slower than this makes the log unhealthy (default 5000, VAMCO_LOG_COMMIT_TIMEOUT). */
    commitTimeoutMs?: number;
    /** How often the log is probed (default 250 ms). */
    intervalMs?: number;
    /** The node's data dir: a probe writes and fsyncs a small file there. */
    dataDir?: string;
  };
}

/** Whether the message log can commit now; when not, why (what /readyz says). */
export interface LogHealth { ok: boolean; reason: string | null; since: string | null }

export interface MessageLogStats { appended: number; batches: number; pending: number; lastSeq: number }

export interface AdminAction {
  actor: string;
  action: string;
  target: string;
  address?: string | null;
  before?: unknown;
  after?: unknown;
}

/** An exchange whose request record (status 0) has no outcome record after it. */
export interface InterruptedExchange { nodeId: string; seq: number; messageId: string; at: string }

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  adminRecords: number;
  /**
   * Exchanges whose request reached the provider (its record is durable) but whose outcome was
   * never recorded: the node stopped or its log failed in between (or the exchange is still in
   * flight). Reported, not counted as tampering.
   */
  interrupted: number;
  /** The first 100 of them, in chain order. */
  interruptedExchanges?: InterruptedExchange[];
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
  /** Only records of exchanges made with this kind of credential. */
  credential?: CredentialUsed['kind'];
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
