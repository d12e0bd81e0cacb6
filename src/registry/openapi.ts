// Reads the operations of an OpenAPI 3 document: each becomes an endpoint (method + path).
import { VamcoError } from '../core/errors.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface OpenApiEndpoint { method: string; path: string; operationId: string | null }

/** Limits on a service's OpenAPI document: far above any real API, far below what hurts. */
export const OPENAPI_LIMITS = { bytes: 5 * 1024 * 1024, depth: 64, paths: 2000, endpoints: 5000 } as const;

/** True when `value` nests deeper than `max` objects/arrays (walked without recursion). */
function nestsDeeper(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Object.values(v as object)) if (child && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

/**
 * An endpoint path pattern, checked the same way whether typed by hand or read from an OpenAPI
 * document: absolute, no whitespace, no "." or ".." segment (the gateway normalises those away
 * before matching, so such a pattern could never be what it seems), braces that pair up.
 */
export function checkEndpointPath(p: unknown): string {
  const path = String(p ?? '').trim();
  const bad = (why: string) => new VamcoError('VALIDATION_FAILED', `"${String(p).slice(0, 200)}" is not an endpoint path (e.g. /pets/{id} or /reports/*): ${why}`);
  if (!path.startsWith('/')) throw bad('it must start with "/"');
  if (path.length > 1000) throw bad('it is longer than 1000 characters');
  if (/[\s\u0000-\u001f\u007f]/.test(path)) throw bad('it contains whitespace or a control character');
  if (path.split('/').some((s) => s === '..' || s === '.')) throw bad('it has a "." or ".." segment');
  for (const seg of path.split('/')) {
    if (!/^(?:[^{}]|\{[^{}/]+\})*$/.test(seg)) throw bad('its braces do not pair up as {name}');
  }
  return path;
}

export function parseOpenApi(input: unknown): { doc: Record<string, unknown>; endpoints: OpenApiEndpoint[] } {
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > OPENAPI_LIMITS.bytes) throw new VamcoError('PAYLOAD_TOO_LARGE', `The OpenAPI document is larger than ${OPENAPI_LIMITS.bytes} bytes`);
    try {
      doc = JSON.parse(input);
    } catch {
      throw new VamcoError('VALIDATION_FAILED', 'The OpenAPI document is not valid JSON');
    }
  }
  // Before anything walks it recursively (JSON.stringify, schema validation): a deep document
  // would overflow the stack.
  if (nestsDeeper(doc, OPENAPI_LIMITS.depth)) throw new VamcoError('VALIDATION_FAILED', `The OpenAPI document nests deeper than ${OPENAPI_LIMITS.depth} levels`);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new VamcoError('VALIDATION_FAILED', 'The OpenAPI document must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (typeof d.openapi !== 'string' || !d.openapi.startsWith('3.')) {
    throw new VamcoError('VALIDATION_FAILED', 'Only OpenAPI 3.x documents are supported (field "openapi": "3.x")');
  }
  const paths = d.paths;
  if (!paths || typeof paths !== 'object') throw new VamcoError('VALIDATION_FAILED', 'The OpenAPI document has no "paths" object');
  const entries = Object.entries(paths as Record<string, unknown>);
  if (entries.length > OPENAPI_LIMITS.paths) {
    throw new VamcoError('VALIDATION_FAILED', `The OpenAPI document has ${entries.length} paths; at most ${OPENAPI_LIMITS.paths} are accepted (split the API into several services)`);
  }
  if (Buffer.byteLength(JSON.stringify(d)) > OPENAPI_LIMITS.bytes) throw new VamcoError('PAYLOAD_TOO_LARGE', `The OpenAPI document is larger than ${OPENAPI_LIMITS.bytes} bytes`);
  const endpoints: OpenApiEndpoint[] = [];
  for (const [p, item] of entries) {
    try {
      checkEndpointPath(p);
    } catch (e) {
      throw new VamcoError('VALIDATION_FAILED', `OpenAPI path ${(e as Error).message}`);
    }
    if (!item || typeof item !== 'object') continue;
    for (const m of METHODS) {
      const op = (item as Record<string, unknown>)[m] as Record<string, unknown> | undefined;
      if (op && typeof op === 'object') {
        endpoints.push({ method: m.toUpperCase(), path: p, operationId: typeof op.operationId === 'string' ? op.operationId : null });
      }
    }
  }
  if (endpoints.length > OPENAPI_LIMITS.endpoints) {
    throw new VamcoError('VALIDATION_FAILED', `The OpenAPI document has ${endpoints.length} operations; at most ${OPENAPI_LIMITS.endpoints} are accepted`);
  }
  return { doc: d, endpoints };
}

/**
 * Compiles an endpoint path pattern: OpenAPI "{param}" and "*" match one segment, a trailing
 * "/**" or "*" at the end matches the rest.
 */
export function compilePathPattern(pattern: string): RegExp {
  const segs = pattern.split('/').map((s, i, all) => {
    if (s === '**' || (s === '*' && i === all.length - 1)) return '.*';
    return s.split(/(\{[^}]*\}|\*)/).map((part) => {
      if (part === '*' || /^\{[^}]*\}$/.test(part)) return '[^/]+';
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }).join('');
  });
  return new RegExp('^' + segs.join('/') + '$');
}

export function normaliseMethod(m: string): string {
  const up = String(m ?? '').toUpperCase();
  if (up !== '*' && !METHODS.includes(up.toLowerCase())) throw new VamcoError('VALIDATION_FAILED', `"${m}" is not an HTTP method`);
  return up;
}

/** A server URL with its scheme and authority (the backend's address) taken away: the path only. */
function pathOnly(url: string): string {
  const rest = url.replace(/^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/[^/?#]*/, '').replace(/[?#].*$/s, '');
  return rest || '/';
}

/**
 * The OpenAPI document as getOpenAPI hands it out: every `servers[].url` (top level, per path,
 * per operation) keeps only its path, and server variables no longer used in it are dropped,
 * so the backend's host never reaches a client (getOpenAPI, and the admin API for those who may
 * not see the backend). X-Road does this for URLs without variables
 * (PR-MREST §4); Vamco also for those with variables, whose defaults can name a host.
 */
export function anonymiseOpenApi(doc: Record<string, unknown>): Record<string, unknown> {
  const fix = (servers: unknown): void => {
    if (!Array.isArray(servers)) return;
    for (const s of servers) {
      if (!s || typeof s !== 'object' || typeof (s as { url?: unknown }).url !== 'string') continue;
      const server = s as { url: string; variables?: Record<string, unknown> };
      server.url = pathOnly(server.url);
      if (server.variables && typeof server.variables === 'object') {
        for (const name of Object.keys(server.variables)) if (!server.url.includes(`{${name}}`)) delete server.variables[name];
        if (!Object.keys(server.variables).length) delete server.variables;
      }
    }
  };
  fix(doc.servers);
  if (doc.paths && typeof doc.paths === 'object') {
    for (const item of Object.values(doc.paths as Record<string, unknown>)) {
      if (!item || typeof item !== 'object') continue;
      fix((item as Record<string, unknown>).servers);
      for (const op of Object.values(item as Record<string, unknown>)) {
        if (op && typeof op === 'object' && !Array.isArray(op)) fix((op as Record<string, unknown>).servers);
      }
    }
  }
  return doc;
}
