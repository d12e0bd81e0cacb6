// From what an operator types (admin API body, CLI options) to a stored spec (sealed in the
// database with its secrets). Leaving a secret out of an update keeps the one already stored
// for the same scheme, so the console can change a scope or a budget without asking for the
// secret again.
import {
  checkHeaderName, checkTemplate, fail, HEADER_SAFE, normaliseBudget, SCHEMES,
  type BackendAuthSpec, type SignedTemplate,
} from './spec.js';

export interface BackendAuthInput {
  /** none | static | oauth2 | signed, or "inherit" (a service: use its provider subsystem's). */
  scheme: string;
  budget?: string | null;
  /** static */
  headers?: { name: string; value?: string }[];
  /** oauth2 */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string | null;
  clientAuth?: 'basic' | 'body';
  /** signed */
  user?: string;
  secret?: string;
  template?: SignedTemplate | Record<string, unknown>;
}

/** The older shape, kept for the platform's own wings: one header with an inline value. */
export interface LegacyHeaderInput { header: string; value: string }

export interface NormaliseOptions {
  /** The spec stored now, whose secrets an update may keep. */
  previous: BackendAuthSpec | null;
  /** Applies the backend URL policy to a token endpoint (the same as to a service URL). */
  checkUrl(url: string): Promise<URL>;
}

const MAX_SECRET = 8192;

const text = (v: unknown, field: string, max = 2048): string => {
  if (typeof v !== 'string' || !v.trim()) fail(`${field} is required`);
  if (v.length > max || !HEADER_SAFE.test(v)) fail(`${field} must be printable text up to ${max} characters`);
  return v.trim();
};

/** The spec to store (null: none of its own; "inherit" and null both clear it). */
export async function normaliseBackendAuth(input: BackendAuthInput | LegacyHeaderInput | null, o: NormaliseOptions): Promise<BackendAuthSpec | null> {
  const keep = (scheme: string) => (o.previous?.scheme === scheme ? o.previous : null);
  const secret = (value: unknown, field: string, kept: string | undefined): string => {
    if (value === undefined || value === null || value === '') {
      if (kept) return kept;
      fail(`${field} is required`);
    }
    if (typeof value !== 'string' || !HEADER_SAFE.test(value) || value.length > MAX_SECRET) fail(`${field} must be printable text (no line breaks) up to ${MAX_SECRET} characters`);
    return value;
  };
  if (input === null) return null;
  if (typeof input !== 'object') fail('backendAuth must be an object');
  if (!('scheme' in input)) {
    const l = input as LegacyHeaderInput;
    if (typeof l.value !== 'string' || !l.value || !HEADER_SAFE.test(l.value)) fail('backendAuth needs a header name and a printable value');
    return { scheme: 'static', headers: [{ name: checkHeaderName(l.header), value: l.value }], budget: null };
  }
  const i = input as BackendAuthInput;
  if (i.scheme === 'inherit') return null;
  if (!(SCHEMES as readonly string[]).includes(i.scheme)) fail(`Unknown backend authentication scheme "${i.scheme}" (known: ${SCHEMES.join(', ')}, inherit)`);
  const budget = normaliseBudget(i.budget);
  switch (i.scheme) {
    case 'none':
      return { scheme: 'none', budget };
    case 'static': {
      if (!Array.isArray(i.headers) || !i.headers.length || i.headers.length > 10) fail('The static scheme needs 1 to 10 headers, each {name, value}');
      const prev = keep('static');
      const seen = new Set<string>();
      const headers = i.headers.map((h) => {
        const name = checkHeaderName(h?.name);
        if (seen.has(name.toLowerCase())) fail(`Header ${name} is given twice`);
        seen.add(name.toLowerCase());
        const kept = prev?.scheme === 'static' ? prev.headers.find((p) => p.name.toLowerCase() === name.toLowerCase())?.value : undefined;
        return { name, value: secret(h.value, `header ${name}`, kept) };
      });
      return { scheme: 'static', headers, budget };
    }
    case 'oauth2': {
      const prev = keep('oauth2');
      const tokenUrl = (await o.checkUrl(text(i.tokenUrl, 'tokenUrl'))).toString();
      const clientAuth = i.clientAuth ?? 'basic';
      if (clientAuth !== 'basic' && clientAuth !== 'body') fail('clientAuth must be basic (HTTP Basic, RFC 6749 2.3.1) or body (form fields)');
      const scope = i.scope === undefined || i.scope === null || i.scope === '' ? null : text(i.scope, 'scope', 1000);
      return {
        scheme: 'oauth2', tokenUrl, clientId: text(i.clientId, 'clientId', 500), scope, clientAuth,
        secret: secret(i.clientSecret, 'clientSecret', prev?.scheme === 'oauth2' ? prev.secret : undefined), budget,
      };
    }
    case 'signed': {
      const prev = keep('signed');
      const user = text(i.user, 'user', 500);
      if (user.includes(':')) fail('user must not contain ":" (it is joined to the signature with ":" in Basic credentials)');
      return {
        scheme: 'signed', user, template: checkTemplate(i.template),
        secret: secret(i.secret, 'secret', prev?.scheme === 'signed' ? prev.secret : undefined), budget,
      };
    }
  }
  return fail(`Unknown backend authentication scheme "${i.scheme}"`);
}
