// Every wing adds its migrations here, in order. Names never change once released.
import type { Migration } from '../migrate.js';
import { m001core } from './001_core.js';
import { m002audit } from './002_audit.js';
import { m003publicadmin } from './003_publicadmin.js';
import { m004accounts } from './004_accounts.js';
import { m005messageLogIndexes } from './005_message_log_indexes.js';
import { m006upstreamLeg } from './006_upstream_leg.js';
import { m007secretsAtRest } from './007_secrets_at_rest.js';
import { m008publicadminHolidays } from './008_publicadmin_holidays.js';
import { m009publicadminUnitMappings } from './009_publicadmin_unit_mappings.js';
import { m010loginThrottle } from './010_login_throttle.js';
import { m011checkpointChain } from './011_checkpoint_chain.js';
import { m012nodeLeases } from './012_node_leases.js';
import { m013edoc } from './013_edoc.js';
import { m014serviceWsdl } from './014_service_wsdl.js';
import { m015clientCertificates } from './015_client_certificates.js';
import { m016backendTls } from './016_backend_tls.js';
import { m017subsystemBackendAuth } from './017_subsystem_backend_auth.js';
import { m020federationReceipts } from './020_federation_receipts.js';
import { m021witnessedCheckpoints } from './021_witnessed_checkpoints.js';
import { m022federationPeers } from './022_federation_peers.js';
import { m023messageCredential } from './023_message_credential.js';
import { m024xroadPeers } from './024_xroad_peers.js';
import { m025apiKeyExpiry } from './025_api_key_expiry.js';
import { m026peerTrust } from './026_peer_trust.js';
import { m027totpRecoveryCodes } from './027_totp_recovery_codes.js';

export const migrations: readonly Migration[] = [
  m001core, m002audit, m003publicadmin, m004accounts, m005messageLogIndexes, m006upstreamLeg, m007secretsAtRest,
  m008publicadminHolidays, m009publicadminUnitMappings, m010loginThrottle, m011checkpointChain, m012nodeLeases, m013edoc,
  m014serviceWsdl, m015clientCertificates, m016backendTls, m017subsystemBackendAuth, m020federationReceipts, m021witnessedCheckpoints,
  m022federationPeers, m023messageCredential, m024xroadPeers, m025apiKeyExpiry, m026peerTrust, m027totpRecoveryCodes,
];
