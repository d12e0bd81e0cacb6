// JSON ↔ XML by the WSDL's schema, for agency systems that speak only JSON. The schema decides
// element order, namespaces, lists (maxOccurs > 1) and the few JSON types: xs:boolean is a
// JSON boolean, the integer and float types are JSON numbers. Everything else — strings, codes,
// dates, xs:decimal (its exact digits) — stays a string, so "01" is never 1.
// Attributes are "@name" keys; the text of an element with simple content is "#text".
import { VamcoError } from '../core/errors.js';
import { escapeAttr, escapeText, XSI, type XNode } from './xml.js';
import type { XsdElement, XsdType } from './schema.js';

const INTEGER_TYPES = new Set(['int', 'short', 'byte', 'long', 'integer', 'nonNegativeInteger', 'positiveInteger', 'negativeInteger',
  'nonPositiveInteger', 'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte']);
const FLOAT_TYPES = new Set(['float', 'double']);
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const FLOAT = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|-?INF|NaN)$/;

const invalid = (path: string, detail: string) => new VamcoError('VALIDATION_FAILED', `${path || 'The body'}: ${detail}`);

// ---------- JSON → XML ----------

class Writer {
  private prefixes = new Map<string, string>();
  prefix(ns: string): string {
    let p = this.prefixes.get(ns);
    if (!p) {
      p = ns === XSI ? 'xsi' : `ns${this.prefixes.size}`;
      this.prefixes.set(ns, p);
    }
    return p;
  }
  declarations(): string {
    return [...this.prefixes].map(([ns, p]) => ` xmlns:${p}="${escapeAttr(ns)}"`).join('');
  }
}

/** The request element for a JSON body: `value` is the element's content (its child elements by name). */
export function jsonToXml(el: XsdElement, value: unknown): string {
  const w = new Writer();
  const inner = element(w, el, value, '', true);
  // Declarations go on the outermost element, once for every namespace used below it.
  return inner.replace(/^<([^\s/>]+)/, (m) => m + w.declarations());
}

function tagName(w: Writer, el: XsdElement): string {
  return el.ns ? `${w.prefix(el.ns)}:${el.name}` : el.name;
}

function element(w: Writer, el: XsdElement, v: unknown, path: string, root = false): string {
  const tag = tagName(w, el);
  if (v === null) {
    if (!el.nillable && !root) throw invalid(path, 'may not be null');
    return `<${tag} ${w.prefix(XSI)}:nil="true"/>`;
  }
  const t = el.type;
  if (t.kind === 'simple') return `<${tag}>${escapeText(lexical(t.base, v, path))}</${tag}>`;
  if (typeof v !== 'object' || Array.isArray(v)) {
    if (t.any && t.children.length === 0 && typeof v === 'string') return `<${tag}>${escapeText(v)}</${tag}>`;
    throw invalid(path, 'must be an object');
  }
  const o = v as Record<string, unknown>;
  let attrs = '';
  for (const a of t.attributes) {
    const av = o['@' + a.name];
    if (av !== undefined && av !== null) attrs += ` ${a.name}="${escapeAttr(lexical(a.base, av, `${path}.@${a.name}`))}"`;
  }
  let body = '';
  if (t.text && o['#text'] !== undefined && o['#text'] !== null) body += escapeText(lexical(t.text, o['#text'], `${path}.#text`));
  const known = new Set<string>(t.attributes.map((a) => '@' + a.name));
  if (t.text) known.add('#text');
  for (const c of t.children) {
    known.add(c.name);
    const cv = o[c.name];
    const cp = path ? `${path}.${c.name}` : c.name;
    if (cv === undefined || (cv === null && !c.nillable)) {
      if (c.min > 0) throw invalid(cp, 'is required');
      continue;
    }
    if (c.max > 1) {
      const list = Array.isArray(cv) ? cv : [cv];
      if (list.length < c.min) throw invalid(cp, `needs at least ${c.min} items`);
      if (list.length > c.max) throw invalid(cp, `takes at most ${c.max} items`);
      list.forEach((item, i) => { body += element(w, c, item, `${cp}[${i}]`); });
    } else {
      if (Array.isArray(cv)) throw invalid(cp, 'is a single value, not a list');
      body += element(w, c, cv, cp);
    }
  }
  for (const k of Object.keys(o)) {
    if (known.has(k)) continue;
    if (!t.any) {
      const allowed = t.children.map((c) => c.name).join(', ');
      throw invalid(path ? `${path}.${k}` : k, `is not part of this element${allowed ? ` (expected: ${allowed})` : ''}`);
    }
    body += generic(k, o[k], path ? `${path}.${k}` : k);
  }
  return body ? `<${tag}${attrs}>${body}</${tag}>` : `<${tag}${attrs}/>`;
}

/** Content of an element the schema leaves open (xs:any): unqualified elements as given. */
function generic(name: string, v: unknown, path: string): string {
  if (!/^[A-Za-z_][\w.-]*$/.test(name)) throw invalid(path, 'is not a valid element name');
  if (Array.isArray(v)) return v.map((x, i) => generic(name, x, `${path}[${i}]`)).join('');
  if (v === null || v === undefined) return `<${name}/>`;
  if (typeof v === 'object') return `<${name}>${Object.entries(v as Record<string, unknown>).map(([k, x]) => generic(k, x, `${path}.${k}`)).join('')}</${name}>`;
  return `<${name}>${escapeText(String(v))}</${name}>`;
}

function lexical(base: string, v: unknown, path: string): string {
  if (base === 'boolean') {
    if (typeof v === 'boolean') return String(v);
    if (v === 'true' || v === 'false' || v === '1' || v === '0') return v;
    throw invalid(path, 'must be true or false');
  }
  if (INTEGER_TYPES.has(base)) {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
    if (typeof v === 'string' && INTEGER.test(v)) return v;
    throw invalid(path, `must be an integer (xs:${base})`);
  }
  if (base === 'decimal') {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'string' && DECIMAL.test(v)) return v;
    throw invalid(path, 'must be a decimal number (a string keeps its exact digits)');
  }
  if (FLOAT_TYPES.has(base)) {
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'string' && FLOAT.test(v)) return v;
    throw invalid(path, `must be a number (xs:${base})`);
  }
  // Strings, codes, dates: a JSON string, so a code keeps its leading zeros.
  if (typeof v !== 'string') throw invalid(path, `must be a string (xs:${base}); codes such as "01" are sent as strings`);
  return v;
}

// ---------- XML → JSON ----------

function isNil(n: XNode): boolean {
  for (const [k, v] of Object.entries(n.attrs)) {
    const colon = k.indexOf(':');
    if (colon !== -1 && k.slice(colon + 1) === 'nil' && n.scope[k.slice(0, colon)] === XSI) return v === 'true' || v === '1';
  }
  return false;
}

function typed(base: string, text: string): unknown {
  if (base === 'boolean') return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
  if (INTEGER_TYPES.has(base)) {
    const t = text.trim();
    return INTEGER.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : text;
  }
  if (FLOAT_TYPES.has(base)) {
    const t = text.trim();
    return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : text;
  }
  return text;
}

const localName = (raw: string) => raw.slice(raw.indexOf(':') + 1);

/** The JSON for an element's content as its type describes it; undescribed parts map generically. */
export function xmlToJson(type: XsdType | null, n: XNode): unknown {
  if (isNil(n)) return null;
  if (!type) return genericJson(n);
  if (type.kind === 'simple') return typed(type.base, n.text);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n.attrs)) {
    if (k.includes(':') && n.scope[k.slice(0, k.indexOf(':'))] === XSI) continue;
    const a = type.attributes.find((x) => x.name === localName(k));
    out['@' + localName(k)] = a ? typed(a.base, v) : v;
  }
  if (type.text) return Object.keys(out).length ? { ...out, '#text': typed(type.text, n.text) } : typed(type.text, n.text);
  const used = new Set<XNode>();
  for (const c of type.children) {
    // Matched by local name: a backend that qualifies differently from its schema still maps.
    const matches = n.children.filter((x) => x.local === c.name && !used.has(x));
    matches.forEach((m) => used.add(m));
    if (c.max > 1) out[c.name] = matches.map((m) => xmlToJson(c.type, m));
    else if (matches.length === 1) out[c.name] = xmlToJson(c.type, matches[0]);
    else if (matches.length > 1) out[c.name] = matches.map((m) => xmlToJson(c.type, m));
  }
  for (const x of n.children) {
    if (used.has(x)) continue;
    addGeneric(out, x);
  }
  return out;
}

function addGeneric(out: Record<string, unknown>, x: XNode): void {
  const v = genericJson(x);
  const have = out[x.local];
  if (have === undefined) out[x.local] = v;
  else if (Array.isArray(have)) have.push(v);
  else out[x.local] = [have, v];
}

/** No schema: text stays text, repeated names become lists. Nothing is coerced. */
export function genericJson(n: XNode): unknown {
  if (isNil(n)) return null;
  const attrs = Object.entries(n.attrs).filter(([k]) => !(k.includes(':') && n.scope[k.slice(0, k.indexOf(':'))] === XSI));
  if (!n.children.length && !attrs.length) return n.text;
  const out: Record<string, unknown> = {};
  for (const [k, v] of attrs) out['@' + localName(k)] = v;
  for (const c of n.children) addGeneric(out, c);
  if (n.text.trim()) out['#text'] = n.text;
  return out;
}
