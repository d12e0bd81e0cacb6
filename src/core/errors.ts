// The one catalogue of domain errors. Each code is stable: clients and tests match on it.
// `xroad` carries X-Road's fault type so clients written for X-Road keep working.

export const ERRORS = {
  BAD_REQUEST:            { status: 400, title: 'Bad request', xroad: 'Client.BadRequest' },
  INVALID_XML:            { status: 400, title: 'XML refused', xroad: 'Client.BadRequest' },
  INVALID_IDENTIFIER:     { status: 400, title: 'Invalid identifier', xroad: 'Client.InvalidIdentifier' },
  INVALID_PATH:           { status: 400, title: 'Invalid request path', xroad: 'Client.InvalidPath' },
  MISSING_CLIENT:         { status: 400, title: 'X-Road-Client header missing or malformed', xroad: 'Client.MissingClient' },
  VALIDATION_FAILED:      { status: 400, title: 'Validation failed', xroad: 'Client.BadRequest' },
  BACKEND_URL_REFUSED:    { status: 400, title: 'Backend URL refused', xroad: 'Client.BadRequest' },
  UNAUTHENTICATED:        { status: 401, title: 'Unauthenticated', xroad: 'Client.InvalidCredentials' },
  INVALID_CLIENT:         { status: 401, title: 'Invalid client credentials', xroad: 'Client.InvalidCredentials' },
  // An API key past the expiry its creator gave it: refused as a revoked key is (the same
  // X-Road fault), with its own code so the client knows to ask for a new key.
  API_KEY_EXPIRED:        { status: 401, title: 'API key expired', xroad: 'Client.InvalidCredentials' },
  // A TLS client certificate that cannot authenticate (issue 8): X-Road's security server
  // answers an information system's failed TLS authentication with SslAuthenticationFailed.
  CLIENT_CERT_UNKNOWN:    { status: 401, title: 'Client certificate not registered', xroad: 'Server.ClientProxy.SslAuthenticationFailed' },
  CLIENT_CERT_REVOKED:    { status: 401, title: 'Client certificate revoked', xroad: 'Server.ClientProxy.SslAuthenticationFailed' },
  CLIENT_CERT_EXPIRED:    { status: 401, title: 'Client certificate expired', xroad: 'Server.ClientProxy.SslAuthenticationFailed' },
  CLIENT_CERT_NOT_YET_VALID: { status: 401, title: 'Client certificate not yet valid', xroad: 'Server.ClientProxy.SslAuthenticationFailed' },
  CLIENT_CERT_UNTRUSTED:  { status: 401, title: 'Client certificate not issued by a trusted CA', xroad: 'Server.ClientProxy.SslAuthenticationFailed' },
  ACCESS_DENIED:          { status: 403, title: 'Access denied', xroad: 'Server.ServerProxy.AccessDenied' },
  FORBIDDEN:              { status: 403, title: 'Forbidden', xroad: 'Client.Forbidden' },
  NOT_FOUND:              { status: 404, title: 'Not found', xroad: 'Client.NotFound' },
  SERVICE_NOT_FOUND:      { status: 404, title: 'Unknown service', xroad: 'Server.ServerProxy.UnknownService' },
  INVALID_SECURITY_SERVER: { status: 404, title: 'Unknown security server', xroad: 'Server.ClientProxy.InvalidSecurityServer' },
  METHOD_NOT_ALLOWED:     { status: 405, title: 'Method not allowed', xroad: 'Client.BadRequest' },
  CONFLICT:               { status: 409, title: 'Conflict', xroad: 'Client.Conflict' },
  ALREADY_EXISTS:         { status: 409, title: 'Already exists', xroad: 'Client.Conflict' },
  NODE_ALREADY_RUNNING:   { status: 409, title: 'This node is already running', xroad: 'Client.Conflict' },
  // A node's journal continued its chain without the database, and the database holds other
  // records of the same chain at those numbers (an older copy of the data dir restored): shipping
  // would have the store ignore them as duplicates, and a start with the database discard them.
  JOURNAL_CONFLICT:       { status: 409, title: "This node's journal conflicts with the central database", xroad: 'Server.NotReady' },
  INVALID_TRANSITION:     { status: 409, title: 'Status transition not allowed', xroad: 'Client.Conflict' },
  PAYLOAD_TOO_LARGE:      { status: 413, title: 'Payload too large', xroad: 'Client.PayloadTooLarge' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', xroad: 'Client.BadRequest' },
  RATE_LIMITED:           { status: 429, title: 'Too many requests', xroad: 'Server.ServerProxy.RateLimited' },
  ADDRESS_RATE_LIMITED:   { status: 429, title: 'Too many failed authentications from this address', xroad: 'Server.ServerProxy.RateLimited' },
  UPSTREAM_BUDGET_EXHAUSTED: { status: 429, title: 'Shared upstream budget exhausted', xroad: 'Server.ServerProxy.RateLimited' },
  INTERNAL:               { status: 500, title: 'Internal error', xroad: 'Server.InternalError' },
  // getOpenAPI for a service without an OpenAPI description, or with no such service code: X-Road's
  // server proxy answers both as an internal error (PR-MREST Annex A: 500 "Internal error").
  SERVICE_DESCRIPTION_UNAVAILABLE: { status: 500, title: 'No OpenAPI description for this service', xroad: 'Server.ServerProxy.InternalError' },
  UPSTREAM_AUTH_FAILED:   { status: 500, title: 'The platform could not authenticate to the service backend', xroad: 'Server.ServerProxy.UpstreamAuthentication' },
  UPSTREAM_TLS_FAILED:    { status: 502, title: 'TLS towards the service backend failed', xroad: 'Server.ServerProxy.SslAuthenticationFailed' },
  // The fault an X-Road security server peer answered (issue 17, item 6): its own fault type and
  // status are kept (VamcoError's `xroad`); this one only when it named none.
  XROAD_FAULT:            { status: 500, title: 'The X-Road security server answered with a fault', xroad: 'Server.ServerProxy.ServiceFailed' },
  UPSTREAM_FAULT:         { status: 500, title: 'The service backend answered with a fault', xroad: 'Server.ServerProxy.ServiceFailed.Fault' },
  CONFIG_ERROR:           { status: 500, title: 'Configuration error', xroad: 'Server.ConfigurationError' },
  DIRECTORY_KEY_UNTRUSTED: { status: 502, title: 'A peer\'s directory is signed with a key not pinned for that peer', xroad: 'Server.ServerProxy.ServiceFailed' },
  UPSTREAM_UNREACHABLE:   { status: 502, title: 'Service backend unreachable', xroad: 'Server.ServerProxy.NetworkError' },
  UPSTREAM_BAD_RESPONSE:  { status: 502, title: 'Service backend failed', xroad: 'Server.ServerProxy.ServiceFailed' },
  CIRCUIT_OPEN:           { status: 503, title: 'Service backend temporarily unavailable', xroad: 'Server.ServerProxy.ServiceUnavailable' },
  NOT_READY:              { status: 503, title: 'Not ready', xroad: 'Server.NotReady' },
  // The node serves exchanges from its cached registry snapshot, but what needs the central
  // database (the admin API, the console) waits for it (issue 13, item 1).
  STORE_UNAVAILABLE:      { status: 503, title: 'The central database is unreachable', xroad: 'Server.NotReady' },
  UPSTREAM_TIMEOUT:       { status: 504, title: 'Service backend timed out', xroad: 'Server.ServerProxy.Timeout' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/**
 * A finer, stable reason under a code, with the values its sentence needs: the console has a
 * sentence (vi and en) for each reason, so it shows more than the English `detail`. Goes into
 * the problem body as `reason` and `params`.
 */
export const reason = (key: string, params?: Record<string, string | number>): { extra: Record<string, unknown> } =>
  ({ extra: { reason: key, ...(params ? { params } : {}) } });

export class VamcoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** A fault type and status taken over from another X-Road party, instead of the code's own. */
  readonly xroad?: { type: string; status: number };
  constructor(code: ErrorCode, detail?: string, opts: { extra?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown; xroad?: { type: string; status: number } } = {}) {
    super(detail ?? ERRORS[code].title, opts.cause ? { cause: opts.cause } : undefined);
    this.name = 'VamcoError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.extra = opts.extra;
    this.headers = opts.headers;
    this.xroad = opts.xroad;
  }
}

export const PROBLEM_TYPE_BASE = 'https://vamco.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  xroadType: string;
  requestId?: string;
  [k: string]: unknown;
}

/** RFC 9457 problem body for an error; unknown errors become INTERNAL without leaking details. */
export function toProblem(err: unknown, requestId?: string): Problem {
  const e = err instanceof VamcoError ? err : new VamcoError('INTERNAL', 'The platform failed to handle the request');
  const def = ERRORS[e.code];
  return {
    type: PROBLEM_TYPE_BASE + e.code.toLowerCase().replace(/_/g, '-'),
    title: def.title,
    status: def.status,
    detail: e.message,
    code: e.code,
    xroadType: e.xroad?.type ?? def.xroad,
    ...(requestId ? { requestId } : {}),
    ...(e.extra ?? {}),
  };
}
