// How the gateway authenticates itself to a provider's backend, as stored in the registry
// (JSON in services.backend_auth). The stored spec holds its secrets, and the whole column is
// sealed with the platform's secret key (src/secrets): every node reads the same credential
// from the database, and no API answer, trail entry or log line ever shows it (viewOf).
import { VamcoError } from '../core/errors.js';
import { formatRateLimit, parseRateLimit } from '../core/duration.js';

// Client certificates towards a backend come with the TLS work (issue 8's provider certificates).
export const SCHEMES = ['none', 'static', 'oauth2', 'signed'] as const;
export type SchemeName = (typeof SCHEMES)[number];

/** Which values a signed scheme hashes, in order. */
export const SIGNED_INPUTS = ['url', 'path', 'method', 'user', 'timestamp', 'secret', 'nonce'] as const;
export type SignedInput = (typeof SIGNED_INPUTS)[number];
export const SIGNED_ALGORITHMS = ['sha256', 'sha512', 'sha1', 'hmac-sha256', 'hmac-sha512'] as const;
export const SIGNED_TIMESTAMPS = ['unix-ms', 'unix', 'iso', 'yyyyMMddHHmmss'] as const;
export const SIGNED_ENCODINGS = ['hex', 'HEX', 'base64'] as const;
/** Placeholders a header template may use. `basic` is base64("user:signature"). */
export const SIGNED_PLACEHOLDERS = ['timestamp', 'user', 'signature', 'basic', 'nonce'] as const;

/**
 * A signed scheme as a small declarative template: which values are joined (with `separator`)
 * and hashed with which algorithm, and which headers carry the result. The national population
 * database's scheme, for one: input [url, user, timestamp, secret], sha256, hex, headers
 * { Timestamp: "{timestamp}", Authorization: "Basic {basic}" }.
 */
export interface SignedTemplate {
  algorithm: (typeof SIGNED_ALGORITHMS)[number];
  input: SignedInput[];
  separator: string;
  encoding: (typeof SIGNED_ENCODINGS)[number];
  timestamp: (typeof SIGNED_TIMESTAMPS)[number];
  headers: Record<string, string>;
}

interface Common {
  /** Shared budget towards the upstream for this credential, e.g. "100/s" (null: none). */
  budget: string | null;
}
export type BackendAuthSpec =
  | (Common & { scheme: 'none' })
  /** Each header's value is a secret. */
  | (Common & { scheme: 'static'; headers: { name: string; value: string }[] })
  | (Common & { scheme: 'oauth2'; tokenUrl: string; clientId: string; secret: string; scope: string | null; clientAuth: 'basic' | 'body' })
  | (Common & { scheme: 'signed'; user: string; secret: string; template: SignedTemplate });

/** What the admin API, the CLI and the admin trail show: the spec without its secrets. */
export type BackendAuthView =
  | { scheme: 'none'; budget: string | null }
  | { scheme: 'static'; headers: string[]; budget: string | null }
  | { scheme: 'oauth2'; tokenUrl: string; clientId: string; scope: string | null; clientAuth: 'basic' | 'body'; secretSet: true; budget: string | null }
  | { scheme: 'signed'; user: string; template: SignedTemplate; secretSet: true; budget: string | null };

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Values that go into a header: printable, no CR/LF (a CR/LF would split the request). */
export const HEADER_SAFE = /^[\x20-\x7e\u00a0-\u00ff]*$/;
// The gateway sets these itself; a backend credential must not overwrite them.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'x-road-client', 'x-road-id', 'x-road-service',
  'x-road-userid', 'x-road-issue', 'content-type', 'soapaction']);

export function fail(detail: string): never {
  throw new VamcoError('VALIDATION_FAILED', detail);
}

export function checkHeaderName(name: unknown, what = 'header name'): string {
  if (typeof name !== 'string' || !HEADER_NAME.test(name)) fail(`"${String(name)}" is not a valid ${what}`);
  if (RESERVED_HEADERS.has(name.toLowerCase())) fail(`${name} is set by the gateway and cannot carry a backend credential`);
  return name;
}

export function normaliseBudget(b: unknown): string | null {
  if (b === undefined || b === null || b === '' || b === 'none') return null;
  if (typeof b !== 'string') fail('budget must be a rate such as 100/s or 6000/m');
  return formatRateLimit(parseRateLimit(b));
}

export function checkTemplate(t: unknown): SignedTemplate {
  if (!t || typeof t !== 'object' || Array.isArray(t)) fail('The signed template must be a JSON object');
  const o = t as Record<string, unknown>;
  const known = new Set(['algorithm', 'input', 'separator', 'encoding', 'timestamp', 'headers']);
  for (const k of Object.keys(o)) if (!known.has(k)) fail(`The signed template has an unknown field "${k}" (known: ${[...known].join(', ')})`);
  const oneOf = <T extends string>(v: unknown, list: readonly T[], field: string, dflt?: T): T => {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string' || !list.includes(v as T)) fail(`The signed template's ${field} must be one of ${list.join(', ')}`);
    return v as T;
  };
  const algorithm = oneOf(o.algorithm, SIGNED_ALGORITHMS, 'algorithm');
  if (!Array.isArray(o.input) || o.input.length === 0 || o.input.length > 10) fail('The signed template\'s input must list 1 to 10 values');
  const input = o.input.map((v) => oneOf(v, SIGNED_INPUTS, 'input values'));
  if (!algorithm.startsWith('hmac-') && !input.includes('secret')) fail('A plain hash must include "secret" in its input (or use an hmac algorithm)');
  const separator = o.separator === undefined ? '' : o.separator;
  // Only hashed, never sent: a line break is a fine separator (string-to-sign style).
  if (typeof separator !== 'string' || separator.length > 10 || separator.includes('\u0000')) fail('The signed template\'s separator must be a string of up to 10 characters');
  const encoding = oneOf(o.encoding, SIGNED_ENCODINGS, 'encoding', 'hex');
  const timestamp = oneOf(o.timestamp, SIGNED_TIMESTAMPS, 'timestamp', 'unix-ms');
  if (!o.headers || typeof o.headers !== 'object' || Array.isArray(o.headers)) fail('The signed template needs "headers": {"Header-Name": "template"}');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(o.headers as Record<string, unknown>)) {
    checkHeaderName(name);
    if (typeof value !== 'string' || !HEADER_SAFE.test(value) || value.length > 1000) fail(`The template of header ${name} must be printable text`);
    for (const m of value.matchAll(/\{([^}]*)\}/g)) {
      if (!(SIGNED_PLACEHOLDERS as readonly string[]).includes(m[1])) fail(`Header ${name} uses {${m[1]}}; known placeholders: ${SIGNED_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    }
    headers[name] = value;
  }
  if (!Object.keys(headers).length) fail('The signed template names no header');
  if (!Object.values(headers).some((v) => v.includes('{signature}') || v.includes('{basic}'))) fail('No header of the signed template carries {signature} or {basic}');
  return { algorithm, input, separator, encoding, timestamp, headers };
}

/** Reads a stored spec back, including the legacy `{"header", "value"}` shape of the platform's wings. */
export function parseStoredSpec(json: string | null): BackendAuthSpec | null {
  if (!json) return null;
  const o = JSON.parse(json) as Record<string, unknown>;
  if (!('scheme' in o)) return { scheme: 'static', headers: [{ name: String(o.header), value: String(o.value) }], budget: null };
  return o as unknown as BackendAuthSpec;
}

export function viewOf(spec: BackendAuthSpec | null): BackendAuthView | null {
  if (!spec) return null;
  switch (spec.scheme) {
    case 'none': return { scheme: 'none', budget: spec.budget };
    case 'static': return { scheme: 'static', headers: spec.headers.map((h) => h.name), budget: spec.budget };
    case 'oauth2': return { scheme: 'oauth2', tokenUrl: spec.tokenUrl, clientId: spec.clientId, scope: spec.scope, clientAuth: spec.clientAuth, secretSet: true, budget: spec.budget };
    case 'signed': return { scheme: 'signed', user: spec.user, template: spec.template, secretSet: true, budget: spec.budget };
  }
}

/** Every secret a spec holds (tests and log checks make sure none of them leaks). */
export function secretsOf(spec: BackendAuthSpec | null): string[] {
  if (!spec) return [];
  switch (spec.scheme) {
    case 'static': return spec.headers.map((h) => h.value);
    case 'oauth2': case 'signed': return [spec.secret];
    default: return [];
  }
}
