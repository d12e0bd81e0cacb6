// The part of XML Schema the JSON mediation needs: elements, their order, how often they may
// occur and their simple types. Read from a WSDL's inline schemas only; a schema pulled in from
// elsewhere (xs:import/xs:include with a schemaLocation) is never fetched.
import { childrenNamed, qkey, resolveQName, type QName, type XNode } from './xml.js';

export const XS = 'http://www.w3.org/2001/XMLSchema';

export interface XsdElement {
  name: string;
  /** The element's namespace ('' when unqualified). */
  ns: string;
  min: number;
  /** Infinity for unbounded. */
  max: number;
  nillable: boolean;
  type: XsdType;
}

export type XsdType =
  | { kind: 'simple'; base: string }
  /** `any`: the content is not described (xs:any or anyType): mapped generically. */
  | { kind: 'complex'; children: XsdElement[]; attributes: { name: string; base: string }[]; text: string | null; any: boolean };

interface SchemaDoc { node: XNode; tns: string; qualified: boolean; attrQualified: boolean }

class Unavailable extends Error {}

/** All inline schemas of a WSDL, resolved lazily; recursive types are shared objects. */
export class SchemaSet {
  private elements = new Map<string, { node: XNode; doc: SchemaDoc }>();
  private types = new Map<string, { node: XNode; doc: SchemaDoc }>();
  private built = new Map<string, XsdType>();
  private external: string[] = [];

  constructor(schemas: XNode[]) {
    for (const s of schemas) {
      const doc: SchemaDoc = {
        node: s, tns: s.attrs.targetNamespace ?? '',
        qualified: s.attrs.elementFormDefault === 'qualified', attrQualified: s.attrs.attributeFormDefault === 'qualified',
      };
      for (const c of s.children) {
        if (c.ns !== XS) continue;
        if (c.local === 'element' && c.attrs.name) this.elements.set(qkey({ ns: doc.tns, local: c.attrs.name }), { node: c, doc });
        else if ((c.local === 'complexType' || c.local === 'simpleType') && c.attrs.name) this.types.set(qkey({ ns: doc.tns, local: c.attrs.name }), { node: c, doc });
        else if ((c.local === 'import' || c.local === 'include' || c.local === 'redefine') && c.attrs.schemaLocation) this.external.push(c.attrs.schemaLocation);
      }
    }
  }

  /** A global element's description, or why it cannot be had. */
  element(q: QName): { element: XsdElement } | { unavailable: string } {
    try {
      const g = this.elements.get(qkey(q));
      if (!g) throw new Unavailable(`element {${q.ns}}${q.local} is not in the WSDL's inline schemas${this.external.length ? ` (external schemas are never fetched: ${this.external.join(', ')})` : ''}`);
      return { element: this.elementOf(g.node, g.doc, true) };
    } catch (e) {
      if (e instanceof Unavailable) return { unavailable: e.message };
      throw e;
    }
  }

  private elementOf(n: XNode, doc: SchemaDoc, global: boolean): XsdElement {
    const occurs = { min: n.attrs.minOccurs === undefined ? 1 : Number(n.attrs.minOccurs), max: n.attrs.maxOccurs === undefined ? 1 : n.attrs.maxOccurs === 'unbounded' ? Infinity : Number(n.attrs.maxOccurs) };
    if (n.attrs.ref) {
      const q = resolveQName(n, n.attrs.ref);
      const g = this.elements.get(qkey(q));
      if (!g) throw new Unavailable(`element {${q.ns}}${q.local} is not defined inline`);
      return { ...this.elementOf(g.node, g.doc, true), ...occurs };
    }
    const name = n.attrs.name;
    if (!name) throw new Unavailable('an element without a name');
    const qualified = global || (n.attrs.form ? n.attrs.form === 'qualified' : doc.qualified);
    return { name, ns: qualified ? doc.tns : '', ...occurs, nillable: n.attrs.nillable === 'true', type: this.typeOfElement(n, doc) };
  }

  private typeOfElement(n: XNode, doc: SchemaDoc): XsdType {
    if (n.attrs.type) return this.named(resolveQName(n, n.attrs.type));
    const inline = n.children.find((c) => c.ns === XS && (c.local === 'complexType' || c.local === 'simpleType'));
    if (inline) return inline.local === 'simpleType' ? this.simple(inline) : this.complex(inline, doc);
    return { kind: 'complex', children: [], attributes: [], text: null, any: true }; // xs:anyType
  }

  private named(q: QName): XsdType {
    if (q.ns === XS) return q.local === 'anyType' ? { kind: 'complex', children: [], attributes: [], text: null, any: true } : { kind: 'simple', base: q.local };
    const key = qkey(q);
    const have = this.built.get(key);
    if (have) return have;
    const t = this.types.get(key);
    if (!t) throw new Unavailable(`type {${q.ns}}${q.local} is not defined inline${this.external.length ? ' (external schemas are never fetched)' : ''}`);
    if (t.node.local === 'simpleType') {
      const s = this.simple(t.node);
      this.built.set(key, s);
      return s;
    }
    // Registered before its content is read, so a type that contains itself resolves.
    const c: XsdType = { kind: 'complex', children: [], attributes: [], text: null, any: false };
    this.built.set(key, c);
    Object.assign(c, this.complex(t.node, t.doc));
    return c;
  }

  private simple(n: XNode): XsdType {
    const r = n.children.find((c) => c.ns === XS && c.local === 'restriction');
    if (r?.attrs.base) {
      const base = this.named(resolveQName(r, r.attrs.base));
      return base.kind === 'simple' ? base : { kind: 'simple', base: 'string' };
    }
    return { kind: 'simple', base: 'string' }; // list, union: text as written
  }

  private complex(n: XNode, doc: SchemaDoc): Extract<XsdType, { kind: 'complex' }> {
    const out: Extract<XsdType, { kind: 'complex' }> = { kind: 'complex', children: [], attributes: [], text: null, any: false };
    const content = (holder: XNode) => {
      for (const c of holder.children) {
        if (c.ns !== XS) continue;
        if (c.local === 'sequence' || c.local === 'all' || c.local === 'choice') this.particles(c, doc, out, c.local === 'choice', c.attrs.maxOccurs);
        else if (c.local === 'attribute' && c.attrs.name) out.attributes.push({ name: c.attrs.name, base: c.attrs.type ? this.simpleBase(resolveQName(c, c.attrs.type)) : 'string' });
        else if (c.local === 'anyAttribute' || c.local === 'attributeGroup') { /* not mapped */ }
      }
    };
    for (const c of n.children) {
      if (c.ns !== XS) continue;
      if (c.local === 'complexContent' || c.local === 'simpleContent') {
        const ext = c.children.find((d) => d.ns === XS && (d.local === 'extension' || d.local === 'restriction'));
        if (!ext) continue;
        const base = ext.attrs.base ? this.named(resolveQName(ext, ext.attrs.base)) : null;
        if (c.local === 'simpleContent') out.text = base?.kind === 'simple' ? base.base : base?.kind === 'complex' ? base.text ?? 'string' : 'string';
        else if (ext.local === 'extension' && base?.kind === 'complex') {
          out.children.push(...base.children);
          out.attributes.push(...base.attributes);
          out.any ||= base.any;
        }
        content(ext);
      }
    }
    content(n);
    if (n.attrs.mixed === 'true') out.any = true;
    return out;
  }

  private particles(g: XNode, doc: SchemaDoc, out: Extract<XsdType, { kind: 'complex' }>, optional: boolean, groupMax: string | undefined): void {
    const repeated = groupMax !== undefined && groupMax !== '1';
    for (const c of g.children) {
      if (c.ns !== XS) continue;
      if (c.local === 'element') {
        const e = this.elementOf(c, doc, false);
        out.children.push({ ...e, min: optional ? 0 : e.min, max: repeated ? Infinity : e.max });
      } else if (c.local === 'sequence' || c.local === 'choice' || c.local === 'all') {
        this.particles(c, doc, out, optional || c.local === 'choice', repeated ? 'unbounded' : c.attrs.maxOccurs);
      } else if (c.local === 'any') out.any = true;
      else if (c.local === 'group') throw new Unavailable('model groups (xs:group) are not mapped');
    }
  }

  private simpleBase(q: QName): string {
    const t = this.named(q);
    return t.kind === 'simple' ? t.base : 'string';
  }
}

/** The inline schemas of a WSDL's types section. */
export function schemasOf(types: XNode | undefined): XNode[] {
  return types ? childrenNamed(types, XS, 'schema') : [];
}
