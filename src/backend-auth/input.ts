// From what an operator types (admin API body, CLI options) to a stored spec: secrets go to
// files under the data dir, the spec keeps their references. Leaving a secret out of an update
// keeps the one already stored for the same scheme, so the console can change a scope or a
// budget without asking for the secret again.
import {
  checkHeaderName, checkTemplate, fail, HEADER_SAFE, normaliseBudget, secretRefs, SCHEMES,
  type BackendAuthSpec, type SignedTemplate,
} from './spec.js';
import { removeSecrets, storeSecret } from './secret-files.js';

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
  dataDir: string;
  /** Names the secret files, e.g. "svc-GOV_LGSP_ndxp_dkdn". */
  label: string;
  /** The spec stored now, whose secrets an update may keep. */
  previous: BackendAuthSpec | null;
  /** Applies the backend URL policy to a token endpoint (the same as to a service URL). */
  checkUrl(url: string): Promise<URL>;
}

export interface Normalised {
  spec: BackendAuthSpec | null;
  /** Secret files written for this change: remove them if the change does not commit. */
  written: string[];
  /** Secret files the change makes unused: remove them once it committed. */
  unused: string[];
}

const text = (v: unknown, field: string, max = 2048): string => {
  if (typeof v !== 'string' || !v.trim()) fail(`${field} is required`);
  if (v.length > max || !HEADER_SAFE.test(v)) fail(`${field} must be printable text up to ${max} characters`);
  return v.trim();
};

export async function normaliseBackendAuth(input: BackendAuthInput | LegacyHeaderInput | null, o: NormaliseOptions): Promise<Normalised> {
  const written: string[] = [];
  const keep = (scheme: string) => (o.previous?.scheme === scheme ? o.previous : null);
  const secret = (value: unknown, field: string, kept: string | undefined): string => {
    if (value === undefined || value === null || value === '') {
      if (kept) return kept;
      fail(`${field} is required`);
    }
    if (typeof value !== 'string' || !HEADER_SAFE.test(value)) fail(`${field} must be printable text (no line breaks)`);
    const ref = storeSecret(o.dataDir, `${o.label}-${field.replace(/[^A-Za-z]+/g, '-').toLowerCase()}`, value);
    written.push(ref);
    return ref;
  };
  try {
    const spec = await build();
    const still = new Set(secretRefs(spec));
    return { spec, written, unused: secretRefs(o.previous).filter((r) => !still.has(r)) };
  } catch (e) {
    removeSecrets(o.dataDir, written);
    throw e;
  }

  async function build(): Promise<BackendAuthSpec | null> {
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
          const kept = prev?.scheme === 'static' ? prev.headers.find((p) => p.name.toLowerCase() === name.toLowerCase())?.secretRef : undefined;
          return { name, secretRef: secret(h.value, `header ${name}`, kept) };
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
          secretRef: secret(i.clientSecret, 'clientSecret', prev?.scheme === 'oauth2' ? prev.secretRef : undefined), budget,
        };
      }
      case 'signed': {
        const prev = keep('signed');
        const user = text(i.user, 'user', 500);
        if (user.includes(':')) fail('user must not contain ":" (it is joined to the signature with ":" in Basic credentials)');
        return {
          scheme: 'signed', user, template: checkTemplate(i.template),
          secretRef: secret(i.secret, 'secret', prev?.scheme === 'signed' ? prev.secretRef : undefined), budget,
        };
      }
    }
    return fail(`Unknown backend authentication scheme "${i.scheme}"`);
  }
}
