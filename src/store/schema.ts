// Table types for Kysely. Times are ISO-8601 UTC text and booleans 0/1 on both engines,
// so the same queries and the same hash-chain bytes work on SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface RegistryStateTable { id: number; version: number; updated_at: string }
export interface MemberTable { id: Generated<number>; member_class: string; member_code: string; name: string; created_at: string }
export interface SubsystemTable {
  id: Generated<number>; member_id: number; subsystem_code: string; name: string | null; created_at: string;
  /** Sealed JSON {cert, key}: the client certificate presented to this provider's backends. */
  backend_cert: string | null;
  /** Sealed JSON: the backend credential of the subsystem's services that set none of their own. */
  backend_auth: string | null;
}
export interface ServiceTable {
  id: Generated<number>;
  subsystem_id: number;
  service_code: string;
  service_type: string; // REST | OPENAPI
  url: string;
  timeout_ms: number | null;
  connect_timeout_ms: number | null;
  rate_limit: string | null; // "50/s"
  openapi: string | null;
  /** WSDL 1.1 text of a SOAP service. */
  wsdl: string | null;
  log_bodies: number;
  backend_auth: string | null; // JSON: {"header": "...", "value": "..."}
  /** PEM CA bundle an https backend is verified against, on top of the system's CAs. */
  backend_ca: string | null;
  created_at: string;
  updated_at: string;
}
export interface EndpointTable { id: Generated<number>; service_id: number; method: string; path: string; operation_id: string | null }
export interface AccessRightTable {
  id: Generated<number>;
  service_id: number;
  client_subsystem_id: number;
  /** 0 for a service-level right (not NULL, so uniqueness works the same on both engines). */
  endpoint_id: number;
  created_at: string;
}
export interface ApiKeyTable {
  id: Generated<number>;
  subsystem_id: number;
  key_hash: string;
  prefix: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
  /** After this moment (ISO) the key is refused; null: it does not expire. */
  expires_at: string | null;
  /** The latest use any gateway node flushed (ISO); null: never used. */
  last_used_at: string | null;
}
export interface PkiAuthorityTable { name: string; certificate: string; created_at: string }
export interface ClientCertificateTable {
  id: Generated<number>;
  subsystem_id: number;
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
  /** Upper-case hex. */
  serial: string;
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  certificate: string;
  label: string | null;
  created_at: string;
  revoked_at: string | null;
}
export interface SecretTable { name: string; value: string }
export interface NodeTable { node_id: string; public_key: string; created_at: string }
export interface NodeLeaseTable {
  node_id: string; holder: string; host: string; data_dir: string; pid: number;
  started_at: string; renewed_at: string; expires_at: number;
}
export interface NodeAdminTokenTable { node_id: string; token_hash: string; updated_at: string }

export interface MessageLogTable {
  node_id: string;
  seq: number;
  message_id: string;
  request_id: string;
  at: string;
  client: string | null;
  service: string | null;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  request_size: number;
  response_size: number;
  request_digest: string | null;
  response_digest: string | null;
  user_id: string | null;
  issue: string | null;
  error_code: string | null;
  request_body: string | null;
  response_body: string | null;
  /** JSON of the upstream leg (audit UpstreamLeg), null for exchanges without one. */
  upstream: string | null;
  /** The credential kind the client presented ("api-key", "token", "certificate:<sha256 hex>"), null for none or records before 023. */
  credential: string | null;
  prev_hash: string;
  hash: string;
}
/** prev: hash of the same node's previous checkpoint of the chain (GENESIS for its first); null before version 011. */
export interface CheckpointTable { node_id: string; chain: string; seq: number; hash: string; at: string; signature: string; prev: string | null }
export interface AdminAuditTable {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  address: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}
export interface FederationReceiptTable { role: string; signer: string; log_seq: number; message_id: string; receipt: string; stored_at: string }
export interface WitnessedCheckpointTable {
  instance: string; node_id: string; chain: string; seq: number; hash: string; at: string; prev: string | null;
  signature: string; public_key: string; received_at: string; countersignature: string;
}
export interface FederationPeerTable {
  id: Generated<number>; instance: string; url: string; peer_ca: string | null; fingerprint: string | null;
  /** Sealed JSON {cert, key}: this platform's certificate towards the peer. */
  client_cert: string; created_at: string;
  /** 'vamco' or 'xroad' (a security server, migration 024). */
  type: string;
  /** For 'xroad': the client id in the peer instance's naming (INSTANCE/CLASS/MEMBER[/SUBSYSTEM]). */
  xroad_client: string | null;
  /** Set while trust in the peer is withdrawn: calls to and from it are refused. */
  trust_withdrawn_at: string | null;
  /** SPKI PEM of the key its directory must be signed with; null: none pinned (yet). */
  directory_key: string | null;
  /** 1: pin the first directory's key (trust on first use, asked for explicitly). */
  directory_key_tofu: Generated<number>;
}
export interface FederationOutboundTable { id: Generated<number>; service: string; client_subsystem_id: number; created_at: string }
export interface ForeignAccessRightTable { id: Generated<number>; service_id: number; client: string; /** 0: the whole service. */ endpoint_id: Generated<number>; created_at: string }
export interface MigrationTable { name: string; applied_at: string }

export interface Schema {
  registry_state: RegistryStateTable;
  members: MemberTable;
  subsystems: SubsystemTable;
  services: ServiceTable;
  service_endpoints: EndpointTable;
  access_rights: AccessRightTable;
  api_keys: ApiKeyTable;
  pki_authorities: PkiAuthorityTable;
  client_certificates: ClientCertificateTable;
  secrets: SecretTable;
  nodes: NodeTable;
  node_leases: NodeLeaseTable;
  node_admin_tokens: NodeAdminTokenTable;
  message_log: MessageLogTable;
  log_checkpoints: CheckpointTable;
  admin_audit: AdminAuditTable;
  federation_receipts: FederationReceiptTable;
  witnessed_checkpoints: WitnessedCheckpointTable;
  federation_peers: FederationPeerTable;
  federation_outbound: FederationOutboundTable;
  foreign_access_rights: ForeignAccessRightTable;
  schema_migrations: MigrationTable;
}
