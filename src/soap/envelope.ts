// SOAP envelopes: what the gateway needs to know of a passing message without holding it
// whole (its version and the first element of its body, which names the operation), faults,
// and the envelopes the JSON mediation builds.
import { VamcoError } from '../core/errors.js';
import { decodeEntities, escapeAttr, firstChild, type QName, type XNode } from './xml.js';

export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export type SoapVersion = '1.1' | '1.2';

export interface EnvelopeHead { version: SoapVersion; body: QName }

const bad = (detail: string) => new VamcoError('INVALID_XML', detail);
const NAME = /[^\s/>=]+/y;
const ATTR = /\s*([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/**
 * Reads the start of a SOAP message up to the first element inside its Body. Returns null when
 * `text` ends before that point and more may come (`complete` false). Refuses a DTD or entity
 * declaration (only the prolog may hold one, and the prolog is read here), anything that is not
 * a SOAP 1.1 or 1.2 envelope, and an empty Body.
 */
export function scanEnvelopeHead(text: string, complete: boolean): EnvelopeHead | null {
  const more = (): null => {
    if (complete) throw bad('The SOAP message ends before its Body names an operation');
    return null;
  };
  const scopes: Record<string, string>[] = [{}];
  let depth = 0;
  let version: SoapVersion | null = null;
  let envNs = '';
  let inBody = false;
  let skipUntilDepth = -1; // inside the Header: skip to its end
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt === -1) return more();
    if (depth === 0 && text.slice(i, lt).trim() !== '') throw bad('Text before the SOAP envelope');
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) return more();
      i = end + 2;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) return more();
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) return more();
      i = end + 3;
      continue;
    }
    if (text.startsWith('<!', lt)) {
      if (text.length - lt < 2) return more();
      throw bad('XML with a document type declaration (DTD) or entity declarations is refused: the platform never resolves external entities or DTDs');
    }
    if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end === -1) return more();
      depth--;
      scopes.pop();
      if (skipUntilDepth === depth) skipUntilDepth = -1;
      if (inBody && depth === 1) throw bad('The SOAP Body is empty: it names no operation');
      if (depth <= 0) throw bad('The SOAP envelope has no Body');
      i = end + 1;
      continue;
    }
    // A start tag.
    NAME.lastIndex = lt + 1;
    const nm = NAME.exec(text);
    if (!nm) {
      if (lt + 1 >= text.length) return more();
      throw bad('The XML is not well-formed');
    }
    let p = NAME.lastIndex;
    const attrs: Record<string, string> = {};
    for (;;) {
      ATTR.lastIndex = p;
      const a = ATTR.exec(text);
      if (!a) break;
      attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
      p = ATTR.lastIndex;
    }
    const rest = /^\s*(\/?)>/.exec(text.slice(p, p + 64));
    if (!rest) {
      if (text.indexOf('>', p) === -1) return more();
      throw bad(`The start tag <${nm[0]}> is not well-formed`);
    }
    i = p + rest[0].length;
    const selfClosing = rest[1] === '/';
    const scope = { ...scopes[scopes.length - 1] };
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'xmlns') scope[''] = v;
      else if (k.startsWith('xmlns:')) scope[k.slice(6)] = v;
    }
    const tag = nm[0];
    const colon = tag.indexOf(':');
    const prefix = colon === -1 ? '' : tag.slice(0, colon);
    const ns = scope[prefix];
    if (prefix && ns === undefined) throw bad(`The XML uses the undeclared namespace prefix "${prefix}"`);
    const q: QName = { ns: ns ?? '', local: colon === -1 ? tag : tag.slice(colon + 1) };
    if (skipUntilDepth === -1) {
      if (depth === 0) {
        if (q.local !== 'Envelope' || (q.ns !== SOAP11 && q.ns !== SOAP12)) {
          throw bad(`Not a SOAP envelope: the root element is {${q.ns}}${q.local}, expected Envelope of SOAP 1.1 (${SOAP11}) or 1.2 (${SOAP12})`);
        }
        version = q.ns === SOAP11 ? '1.1' : '1.2';
        envNs = q.ns;
      } else if (depth === 1) {
        if (q.ns === envNs && q.local === 'Header' && !inBody) {
          if (!selfClosing) skipUntilDepth = depth;
        } else if (q.ns === envNs && q.local === 'Body') {
          if (selfClosing) throw bad('The SOAP Body is empty: it names no operation');
          inBody = true;
        } else throw bad(`Unexpected element {${q.ns}}${q.local} in the SOAP envelope (expected Header or Body)`);
      } else if (depth === 2 && inBody) {
        return { version: version!, body: q };
      }
    }
    if (!selfClosing) {
      depth++;
      scopes.push(scope);
    }
  }
}

/** The action a SOAP request names: SOAPAction (1.1) or the action parameter of its media type (1.2). */
export function requestAction(headers: Record<string, string | string[] | undefined>): string | null {
  const sa = headers['soapaction'];
  if (typeof sa === 'string') return sa.trim().replace(/^"(.*)"$/, '$1');
  const ct = headers['content-type'];
  if (typeof ct === 'string') {
    const m = /;\s*action\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(ct);
    if (m) return m[1] ?? m[2];
  }
  return null;
}

export function contentTypeFor(version: SoapVersion, action: string): string {
  return version === '1.1' ? 'text/xml; charset=utf-8' : `application/soap+xml; charset=utf-8${action ? `; action="${action.replace(/"/g, '')}"` : ''}`;
}

/** A request envelope around one body element (already serialised). */
export function envelope(version: SoapVersion, bodyXml: string): string {
  const ns = version === '1.1' ? SOAP11 : SOAP12;
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${escapeAttr(ns)}"><soap:Body>${bodyXml}</soap:Body></soap:Envelope>`;
}

export interface SoapFault { code: string; message: string; detail: XNode | null }

/** The Body's element of a parsed answer envelope, or its Fault. */
export function answerBody(root: XNode): { version: SoapVersion; element: XNode | null; fault: SoapFault | null } {
  if (root.local !== 'Envelope' || (root.ns !== SOAP11 && root.ns !== SOAP12)) {
    throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The backend did not answer a SOAP envelope (root {${root.ns}}${root.local})`);
  }
  const ns = root.ns;
  const version: SoapVersion = ns === SOAP11 ? '1.1' : '1.2';
  const body = firstChild(root, ns, 'Body');
  if (!body) throw new VamcoError('UPSTREAM_BAD_RESPONSE', 'The backend answered a SOAP envelope without a Body');
  const el = body.children[0] ?? null;
  if (el && el.ns === ns && el.local === 'Fault') return { version, element: null, fault: readFault(el, version) };
  return { version, element: el, fault: null };
}

function readFault(f: XNode, version: SoapVersion): SoapFault {
  const text = (n: XNode | undefined) => (n ? n.text.trim() : '');
  if (version === '1.1') {
    // SOAP 1.1 section 4.4: faultcode, faultstring, faultactor, detail are unqualified.
    return { code: text(firstChild(f, '', 'faultcode')), message: text(firstChild(f, '', 'faultstring')), detail: firstChild(f, '', 'detail') ?? null };
  }
  // SOAP 1.2 part 1, 5.4: Code/Value (with Subcode/Value), Reason/Text, Detail.
  const code = firstChild(f, SOAP12, 'Code');
  const values = [text(code && firstChild(code, SOAP12, 'Value'))];
  const sub = code && firstChild(code, SOAP12, 'Subcode');
  if (sub) values.push(text(firstChild(sub, SOAP12, 'Value')));
  const reason = firstChild(f, SOAP12, 'Reason');
  return { code: values.filter(Boolean).join(' / '), message: text(reason && firstChild(reason, SOAP12, 'Text')), detail: firstChild(f, SOAP12, 'Detail') ?? null };
}
