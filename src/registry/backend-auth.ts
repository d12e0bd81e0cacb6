// Backend authentication of a service (src/backend-auth): the spec, secrets included, is
// sealed in the database (src/secrets) and opened only for the gateway's snapshot.
import { VamcoError } from '../core/errors.js';
import { isSealed, sealContext, type Keyring } from '../secrets/index.js';
import { parseStoredSpec, type BackendAuthSpec, type ClientCertificate } from '../backend-auth/index.js';

/** The older one-header shape, still what the platform's own wings send. */
export interface BackendAuth { header: string; value: string }

// RFC 9110 token characters for the name; the value goes out as-is in every request, so it must
// be one line of visible ASCII (a CR/LF would be refused by the HTTP client on every call, or
// worse, split the request).
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]{0,4094}[\x21-\x7e])?$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te',
  'trailer', 'expect', 'proxy-authorization', 'proxy-connection']);

export function checkBackendAuth(a: unknown): BackendAuth {
  const { header, value } = (a ?? {}) as { header?: unknown; value?: unknown };
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw new VamcoError('VALIDATION_FAILED', 'backendAuth.header must be an HTTP header name (letters, digits and - _ . ! # $ % & \' * + ^ ` | ~)');
  }
  const name = header.toLowerCase();
  if (RESERVED_HEADERS.has(name) || name.startsWith('x-road-')) {
    throw new VamcoError('VALIDATION_FAILED', `backendAuth.header cannot be ${header}: the gateway sets that header itself`);
  }
  if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
    throw new VamcoError('VALIDATION_FAILED', 'backendAuth.value must be 1-4096 visible ASCII characters on one line (spaces only inside): no CR, LF or other control characters');
  }
  return { header, value };
}

/** The backend credential of a service row (or, with table "subsystems", a provider subsystem's), opened. */
export function openBackendAuth(ring: Keyring, rowId: number, stored: string | null, table: 'services' | 'subsystems' = 'services'): BackendAuthSpec | null {
  if (!stored) return null;
  const ctx = sealContext(table, 'backend_auth', rowId);
  return parseStoredSpec(isSealed(stored) ? ring.open(stored, ctx) : stored);
}

/** A provider subsystem's client certificate towards its backends, opened. */
export function openBackendCert(ring: Keyring, subsystemIdNum: number, stored: string | null): ClientCertificate | null {
  if (!stored) return null;
  return JSON.parse(ring.open(stored, sealContext('subsystems', 'backend_cert', subsystemIdNum))) as ClientCertificate;
}
