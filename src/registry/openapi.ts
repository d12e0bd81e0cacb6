// Reads the operations of an OpenAPI 3 document: each becomes an endpoint (method + path).
import { VamcoError } from '../core/errors.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export interface OpenApiEndpoint { method: string; path: string; operationId: string | null }

export function parseOpenApi(input: unknown): { doc: Record<string, unknown>; endpoints: OpenApiEndpoint[] } {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      throw new VamcoError('VALIDATION_FAILED', 'The OpenAPI document is not valid JSON');
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new VamcoError('VALIDATION_FAILED', 'The OpenAPI document must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (typeof d.openapi !== 'string' || !d.openapi.startsWith('3.')) {
    throw new VamcoError('VALIDATION_FAILED', 'Only OpenAPI 3.x documents are supported (field "openapi": "3.x")');
  }
  const paths = d.paths;
  if (!paths || typeof paths !== 'object') throw new VamcoError('VALIDATION_FAILED', 'The OpenAPI document has no "paths" object');
  const endpoints: OpenApiEndpoint[] = [];
  for (const [p, item] of Object.entries(paths as Record<string, unknown>)) {
    if (!p.startsWith('/')) throw new VamcoError('VALIDATION_FAILED', `OpenAPI path "${p}" must start with "/"`);
    if (!item || typeof item !== 'object') continue;
    for (const m of METHODS) {
      const op = (item as Record<string, unknown>)[m] as Record<string, unknown> | undefined;
      if (op && typeof op === 'object') {
        endpoints.push({ method: m.toUpperCase(), path: p, operationId: typeof op.operationId === 'string' ? op.operationId : null });
      }
    }
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
