// A WSDL 1.1 document as the platform uses it: its operations (each becomes an endpoint
// "POST /{operation}" that access rights can name), how a request for each is recognised
// (its body element and SOAPAction), and the schema of its request and answer elements for the
// JSON mediation. Nothing it imports from elsewhere is fetched.
import { VamcoError } from '../core/errors.js';
import { SchemaSet, schemasOf, type XsdElement } from './schema.js';
import { childrenNamed, firstChild, parseXml, qkey, resolveQName, type QName, type XNode } from './xml.js';
import type { EnvelopeHead, SoapVersion } from './envelope.js';

export const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const WSDL_SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const WSDL_SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';
const MAX_WSDL_BYTES = 5 * 1024 * 1024;
const MAX_OPERATIONS = 2000;

export interface WsdlOperation {
  name: string;
  /** The binding's soapAction ('' when it names none). */
  soapAction: string;
  style: 'document' | 'rpc';
  /** The request's body element; null when the operation's input has no element to recognise it by. */
  input: QName | null;
  output: QName | null;
  /** Schema of the request and answer elements, for the JSON mediation. */
  request: XsdElement | null;
  response: XsdElement | null;
  /** Why the operation has no JSON endpoint (null: it has one). */
  noMediation: string | null;
}

export interface WsdlModel {
  targetNamespace: string;
  /** The SOAP version of the binding used (the first SOAP port of the first service). */
  version: SoapVersion;
  operations: WsdlOperation[];
  /** The first SOAP port's address: the default backend URL. */
  address: string | null;
}

const invalid = (d: string) => new VamcoError('VALIDATION_FAILED', `WSDL: ${d}`);

export function parseWsdl(text: string): WsdlModel {
  if (Buffer.byteLength(text, 'utf8') > MAX_WSDL_BYTES) throw invalid(`larger than ${MAX_WSDL_BYTES} bytes`);
  const root = parseXml(text, 'document');
  if (root.ns !== WSDL_NS || root.local !== 'definitions') {
    throw invalid(root.local === 'description' ? 'WSDL 2.0 is not supported; give the WSDL 1.1 description of the service' : `not a WSDL 1.1 document (root {${root.ns}}${root.local})`);
  }
  const tns = root.attrs.targetNamespace ?? '';
  const schemas = new SchemaSet(schemasOf(firstChild(root, WSDL_NS, 'types')));
  const name = (n: XNode) => ({ ns: tns, local: n.attrs.name ?? '' });

  const messages = new Map<string, XNode>();
  for (const m of childrenNamed(root, WSDL_NS, 'message')) messages.set(qkey(name(m)), m);
  const portTypes = new Map<string, XNode>();
  for (const p of childrenNamed(root, WSDL_NS, 'portType')) portTypes.set(qkey(name(p)), p);
  const bindings = new Map<string, { node: XNode; soap: XNode; version: SoapVersion }>();
  for (const b of childrenNamed(root, WSDL_NS, 'binding')) {
    const s11 = firstChild(b, WSDL_SOAP11, 'binding');
    const s12 = firstChild(b, WSDL_SOAP12, 'binding');
    if (s11 || s12) bindings.set(qkey(name(b)), { node: b, soap: (s11 ?? s12)!, version: s11 ? '1.1' : '1.2' });
  }
  if (!bindings.size) throw invalid('no SOAP 1.1 or 1.2 binding');

  // The binding of the first SOAP port of the first service, and its address.
  let chosen: { node: XNode; soap: XNode; version: SoapVersion } | undefined;
  let address: string | null = null;
  for (const svc of childrenNamed(root, WSDL_NS, 'service')) {
    for (const port of childrenNamed(svc, WSDL_NS, 'port')) {
      const b = port.attrs.binding ? bindings.get(qkey(resolveQName(port, port.attrs.binding))) : undefined;
      if (!b || chosen) continue;
      chosen = b;
      const addr = firstChild(port, b.version === '1.1' ? WSDL_SOAP11 : WSDL_SOAP12, 'address');
      address = addr?.attrs.location ?? null;
    }
  }
  chosen ??= [...bindings.values()][0];
  const pt = chosen.node.attrs.type ? portTypes.get(qkey(resolveQName(chosen.node, chosen.node.attrs.type))) : undefined;
  if (!pt) throw invalid(`the port type of binding ${chosen.node.attrs.name} is not defined`);
  const soapNs = chosen.version === '1.1' ? WSDL_SOAP11 : WSDL_SOAP12;
  const bindingStyle = chosen.soap.attrs.style === 'rpc' ? 'rpc' : 'document';

  const operations: WsdlOperation[] = [];
  const seen = new Set<string>();
  for (const bop of childrenNamed(chosen.node, WSDL_NS, 'operation')) {
    const opName = bop.attrs.name;
    if (!opName || !/^[A-Za-z_][A-Za-z0-9._-]*$/.test(opName)) throw invalid(`operation name "${opName ?? ''}" is not an NCName`);
    if (seen.has(opName)) throw invalid(`operation ${opName} is overloaded; each operation needs its own name`);
    seen.add(opName);
    const soapOp = firstChild(bop, soapNs, 'operation');
    const style: 'document' | 'rpc' = soapOp?.attrs.style === 'rpc' ? 'rpc' : soapOp?.attrs.style === 'document' ? 'document' : bindingStyle;
    const ptOp = childrenNamed(pt, WSDL_NS, 'operation').find((o) => o.attrs.name === opName);
    if (!ptOp) throw invalid(`operation ${opName} of the binding is not in its port type`);
    const body = (dir: 'input' | 'output') => {
      const b = firstChild(bop, WSDL_NS, dir);
      return b ? firstChild(b, soapNs, 'body') : undefined;
    };
    const part = (dir: 'input' | 'output'): QName | null => {
      const io = firstChild(ptOp, WSDL_NS, dir);
      if (!io?.attrs.message) return null;
      const msg = messages.get(qkey(resolveQName(io, io.attrs.message)));
      if (!msg) throw invalid(`message ${io.attrs.message} of operation ${opName} is not defined`);
      if (style === 'rpc') {
        const ns = body(dir)?.attrs.namespace ?? tns;
        return { ns, local: dir === 'input' ? opName : `${opName}Response` };
      }
      const parts = childrenNamed(msg, WSDL_NS, 'part');
      const el = parts.find((p) => p.attrs.element);
      return el ? resolveQName(el, el.attrs.element) : null;
    };
    const input = part('input');
    const output = part('output');
    let noMediation: string | null = null;
    let request: XsdElement | null = null;
    let response: XsdElement | null = null;
    if (style === 'rpc') noMediation = 'rpc style: pass-through only';
    else if (body('input')?.attrs.use === 'encoded') noMediation = 'SOAP encoding: pass-through only';
    else if (!input) noMediation = 'its input names no schema element';
    else {
      const r = schemas.element(input);
      if ('unavailable' in r) noMediation = r.unavailable;
      else request = r.element;
      if (output && !noMediation) {
        const o = schemas.element(output);
        // Without an answer schema the answer still maps, generically (strings stay strings).
        if ('element' in o) response = o.element;
      }
    }
    operations.push({ name: opName, soapAction: soapOp?.attrs.soapAction ?? '', style, input, output, request, response, noMediation });
    if (operations.length > MAX_OPERATIONS) throw invalid(`more than ${MAX_OPERATIONS} operations`);
  }
  if (!operations.length) throw invalid('the binding has no operations');
  return { targetNamespace: tns, version: chosen.version, operations, address };
}

/**
 * The operation a passing request is for: the one whose input is the body's element. A
 * SOAPAction that names another operation is refused, so a backend that dispatches on
 * SOAPAction cannot be made to run an operation the client was not granted.
 */
export function findOperation(model: WsdlModel, head: EnvelopeHead, action: string | null, service: string): WsdlOperation {
  const key = qkey(head.body);
  const byBody = model.operations.filter((o) => o.input && qkey(o.input) === key);
  const byAction = action ? model.operations.filter((o) => o.soapAction === action) : [];
  if (!byBody.length) {
    throw new VamcoError('BAD_REQUEST', `The SOAP body element {${head.body.ns}}${head.body.local} is not the input of any operation of ${service}`);
  }
  if (byAction.length && !byAction.some((o) => byBody.includes(o))) {
    throw new VamcoError('BAD_REQUEST', `SOAPAction "${action}" names operation ${byAction[0].name}, but the body is the input of ${byBody.map((o) => o.name).join(', ')}`);
  }
  const both = byAction.length ? byBody.filter((o) => byAction.includes(o)) : byBody;
  if (both.length > 1) throw new VamcoError('BAD_REQUEST', `Operations ${both.map((o) => o.name).join(', ')} share this body element; send the SOAPAction of the one you call`);
  return both[0];
}
