// Reads an edXML package in one streaming pass (issue 9: "streamed, never held whole in memory
// twice"). sax emits long text in pieces of at most 64 KiB, so an attachment's base64 is
// checked, decoded and hashed piece by piece and never kept: the tree that validation walks holds
// the header and manifest only. No DTD is accepted (the only place an entity could be declared)
// and only the predefined entities and character references are decoded, as src/soap/xml.ts does
// for whole documents.
import crypto from 'node:crypto';
import fs from 'node:fs';
import sax from 'sax';
import type { XNode } from '../soap/index.js';
import { EdocError } from './errors.js';

/** The edXML namespace of QCVN 102:2016. */
export const EDXML_NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';

/** An attachment's base64 as the reader saw it: its decoded size and SHA-256, or why it is not base64. */
export type Digest = { size: number; sha256: string } | { invalid: true };

/** A tree node; ContentTransferEncoded elements carry their digest instead of their text. */
export interface ENode extends XNode {
  children: ENode[];
  digest?: Digest;
}

/** Strict base64 (whitespace allowed anywhere, `=` padding only at the end), decoded as it arrives. */
class Base64Digest {
  private carry = '';
  private pad = 0;
  private bad = false;
  private size = 0;
  private readonly hash = crypto.createHash('sha256');

  push(piece: string): void {
    if (this.bad) return;
    const s = piece.replace(/\s+/g, '');
    if (!s) return;
    if (!/^[A-Za-z0-9+/]*=*$/.test(s) || (this.pad > 0 && /[^=]/.test(s))) { this.bad = true; return; }
    const eq = s.indexOf('=');
    if (eq !== -1) this.pad += s.length - eq;
    if (this.pad > 2) { this.bad = true; return; }
    const all = this.carry + s;
    const whole = all.length - (all.length % 4);
    if (whole > 0) {
      const bytes = Buffer.from(all.slice(0, whole), 'base64');
      this.size += bytes.length;
      this.hash.update(bytes);
    }
    this.carry = all.slice(whole);
  }

  done(): Digest {
    if (this.bad || this.carry !== '') return { invalid: true };
    return { size: this.size, sha256: this.hash.digest('hex') };
  }
}

export interface ReadResult {
  root: ENode;
  /**
   * The package's text from its start through the end of edXMLHeader (whole chunks, so it may run
   * a little further): where this hop's TraceHeader goes is found in it (build.ts traceInsertion).
   */
  head: string;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** A push parser: `write` text pieces in order, then `end`. `keepEncoded` keeps attachment text (tests, CLI). */
export class EdxmlReader {
  // Position tracking stays on: sax flushes long text in pieces only when it counts positions.
  // strictEntities: only XML's five predefined entities (not HTML's); @types/sax lacks the option.
  private readonly parser = sax.parser(true, { xmlns: true, strictEntities: true } as sax.SAXOptions);
  private readonly stack: ENode[] = [];
  private readonly b64: (Base64Digest | null)[] = [];
  private root: ENode | null = null;
  private headParts: string[] = [];
  private headDone = false;
  private failure: EdocError | null = null;

  constructor(private readonly keepEncoded = false) {
    const p = this.parser;
    p.ondoctype = () => {
      throw new EdocError('EDOC_XML_DTD', 'XML with a document type declaration (DTD) or entity declarations is refused: the platform never resolves external entities or DTDs');
    };
    p.onopentag = (t) => {
      const tag = t as sax.QualifiedTag;
      if (this.root && this.stack.length === 0) throw new EdocError('EDOC_XML_MALFORMED', 'The XML must have exactly one root element');
      const attrs: Record<string, string> = {};
      for (const a of Object.values(tag.attributes)) if (a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs[a.name] = a.value;
      const node: ENode = { ns: tag.uri, local: tag.local, attrs, children: [], text: '', scope: { xml: XML_NS, ...tag.ns } };
      const parent = this.stack[this.stack.length - 1];
      if (parent) parent.children.push(node);
      else this.root = node;
      this.stack.push(node);
      this.b64.push(!this.keepEncoded && tag.uri === EDXML_NS && tag.local === 'ContentTransferEncoded' ? new Base64Digest() : null);
    };
    p.onclosetag = () => {
      const node = this.stack.pop()!;
      const digest = this.b64.pop();
      if (digest) node.digest = digest.done();
      if (node.ns === EDXML_NS && node.local === 'edXMLHeader') this.headDone = true;
    };
    const text = (s: string) => {
      const node = this.stack[this.stack.length - 1];
      if (!node) {
        if (s.trim()) throw new EdocError('EDOC_XML_MALFORMED', 'The XML has text outside its root element');
        return;
      }
      const digest = this.b64[this.b64.length - 1];
      if (digest) digest.push(s);
      else node.text += s;
    };
    p.ontext = text;
    p.oncdata = text;
    p.onerror = (e) => {
      throw new EdocError('EDOC_XML_MALFORMED', `The XML is not well-formed: ${e.message.split('\n')[0]}`);
    };
  }

  write(piece: string): void {
    if (this.failure) throw this.failure;
    if (!this.headDone) this.headParts.push(piece);
    try {
      // In strict mode sax decodes only the predefined entities and character references and
      // fails on any other: with no DTD there is nothing else an entity could name.
      this.parser.write(piece);
    } catch (e) {
      this.failure = e instanceof EdocError ? e : new EdocError('EDOC_XML_MALFORMED', `The XML is not well-formed: ${(e as Error).message.split('\n')[0]}`);
      throw this.failure;
    }
  }

  end(): ReadResult {
    if (this.failure) throw this.failure;
    try {
      this.parser.close();
    } catch (e) {
      throw e instanceof EdocError ? e : new EdocError('EDOC_XML_MALFORMED', `The XML is not well-formed: ${(e as Error).message.split('\n')[0]}`);
    }
    if (!this.root) throw new EdocError('EDOC_XML_MALFORMED', 'The XML must have exactly one root element');
    return { root: this.root, head: this.headParts.join('') };
  }
}

export function readText(text: string, keepEncoded = false): ReadResult {
  const r = new EdxmlReader(keepEncoded);
  // Pieces, as from a file, so a test of this path is a test of the streamed one.
  for (let i = 0; i < text.length; i += 1 << 16) r.write(text.slice(i, i + (1 << 16)));
  return r.end();
}

/** Reads a package file (UTF-8, an optional BOM): the tree, the head, and the BOM's length in bytes. */
export async function readFile(file: string): Promise<ReadResult & { bom: number }> {
  const r = new EdxmlReader();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let bom = -1;
  const decode = (b?: Buffer) => {
    try {
      return b ? decoder.decode(b, { stream: true }) : decoder.decode();
    } catch {
      throw new EdocError('EDOC_XML_MALFORMED', 'The package is not UTF-8 text');
    }
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 16 })) {
    let b = chunk as Buffer;
    if (bom === -1) {
      bom = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
      b = b.subarray(bom);
    }
    const s = decode(b);
    if (s) r.write(s);
  }
  const rest = decode();
  if (rest) r.write(rest);
  return { ...r.end(), bom: Math.max(bom, 0) };
}
