// XML as the platform reads it: never a DTD, never an entity it did not define itself. Any
// document type declaration (the only place entities, external or not, can be declared) is
// refused before a parser sees the text; the tree is built by fast-xml-parser without entity
// processing, and the five predefined entities and character references are decoded here.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { VamcoError } from '../core/errors.js';

export interface QName { ns: string; local: string }

/** An element with its namespace resolved. `text` joins its own text and CDATA. */
export interface XNode {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
  /** Prefix → namespace in scope here ('' is the default namespace). */
  scope: Readonly<Record<string, string>>;
}

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

function refused(detail: string, where: 'request' | 'document'): VamcoError {
  return new VamcoError(where === 'request' ? 'INVALID_XML' : 'VALIDATION_FAILED', detail);
}

/**
 * Refuses any markup declaration (<!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST, <!NOTATION)
 * outside comments and CDATA. A declaration is the only way to name an external entity or
 * pull in a DTD, so without one nothing is ever resolved or fetched.
 */
export function assertNoDtd(text: string, where: 'request' | 'document' = 'request'): void {
  let i = text.indexOf('<!');
  while (i !== -1) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return; // unterminated: the well-formedness check refuses it
      i = text.indexOf('<!', end + 3);
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) return;
      i = text.indexOf('<!', end + 3);
    } else {
      throw refused('XML with a document type declaration (DTD) or entity declarations is refused: the platform never resolves external entities or DTDs', where);
    }
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the predefined entities and character references; any other entity is an error. */
export function decodeEntities(s: string, where: 'request' | 'document' = 'request'): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]{0,32});/g, (m, name: string) => {
    if (name in PREDEFINED) return PREDEFINED[name];
    const num = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(name);
    if (num) {
      const cp = num[1][0] === 'x' ? parseInt(num[1].slice(1), 16) : parseInt(num[1], 10);
      if (cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return String.fromCodePoint(cp);
    }
    throw refused(`XML uses an undefined entity ${m}`, where);
  });
}

export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttr(s: string): string {
  return s.replace(/[&<>"\r\n\t]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' })[c]!);
}

const parser = new XMLParser({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', allowBooleanAttributes: false,
  parseTagValue: false, parseAttributeValue: false, trimValues: false, processEntities: false, htmlEntities: false,
  cdataPropName: '#cdata', commentPropName: false, ignoreDeclaration: true, ignorePiTags: true,
});

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses a whole document into a namespace-resolved tree (its root element). */
export function parseXml(text: string, where: 'request' | 'document' = 'request'): XNode {
  assertNoDtd(text, where);
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw refused(`The XML is not well-formed: ${valid.err.msg} (line ${valid.err.line})`, where);
  const top = parser.parse(text) as Ordered[];
  const roots = top.filter((n) => !('#text' in n) || String(n['#text']).trim() !== '');
  if (roots.length !== 1 || '#text' in roots[0]) throw refused('The XML must have exactly one root element', where);
  return build(roots[0], { xml: XML_NS }, where);
}

function build(n: Ordered, parentScope: Readonly<Record<string, string>>, where: 'request' | 'document'): XNode {
  const tag = Object.keys(n).find((k) => k !== ':@')!;
  const rawAttrs = n[':@'] ?? {};
  let scope = parentScope;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    const value = decodeEntities(String(v), where);
    if (k === 'xmlns') scope = { ...scope, '': value };
    else if (k.startsWith('xmlns:')) scope = { ...scope, [k.slice(6)]: value };
    else attrs[k] = value;
  }
  const colon = tag.indexOf(':');
  const prefix = colon === -1 ? '' : tag.slice(0, colon);
  const ns = scope[prefix];
  if (prefix && ns === undefined) throw refused(`The XML uses the undeclared namespace prefix "${prefix}"`, where);
  const node: XNode = { ns: ns ?? '', local: colon === -1 ? tag : tag.slice(colon + 1), attrs, children: [], text: '', scope };
  for (const c of (n[tag] as Ordered[]) ?? []) {
    if ('#text' in c) node.text += decodeEntities(String(c['#text']), where);
    else if ('#cdata' in c) node.text += ((c['#cdata'] as Ordered[]) ?? []).map((t) => String(t['#text'] ?? '')).join('');
    else node.children.push(build(c, scope, where));
  }
  return node;
}

/** Resolves a QName written in an attribute value (type="xs:string") in the scope of `at`. */
export function resolveQName(at: XNode, value: string): QName {
  const v = value.trim();
  const colon = v.indexOf(':');
  const prefix = colon === -1 ? '' : v.slice(0, colon);
  const ns = at.scope[prefix];
  if (prefix && ns === undefined) throw new VamcoError('VALIDATION_FAILED', `The prefix "${prefix}" of ${v} is not declared`);
  return { ns: ns ?? '', local: colon === -1 ? v : v.slice(colon + 1) };
}

export const qkey = (q: QName): string => `{${q.ns}}${q.local}`;
export const childrenNamed = (n: XNode, ns: string, local: string): XNode[] => n.children.filter((c) => c.ns === ns && c.local === local);
export const firstChild = (n: XNode, ns: string, local: string): XNode | undefined => n.children.find((c) => c.ns === ns && c.local === local);
