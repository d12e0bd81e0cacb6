// The streaming reader under edXML packages: what arrives in pieces reads as the whole would.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EDXML_NS, EdxmlReader, readFile, type ENode } from './reader.js';
import { EdocError } from './errors.js';

const doc = (encoded: string, subject = 'x') => `<edXML xmlns="${EDXML_NS}"><Subject>${subject}</Subject><AttachmentEncoded><Attachment>`
  + `<ContentTransferEncoded>${encoded}</ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>`;
const find = (n: ENode, local: string): ENode | undefined => (n.local === local ? n : n.children.map((c) => find(c, local)).find(Boolean));

/** Feeds `text` cut at the given offsets. */
function readCut(text: string, cuts: number[]): ENode {
  const r = new EdxmlReader();
  let at = 0;
  for (const c of [...cuts, text.length]) { r.write(text.slice(at, c)); at = c; }
  return r.end().root;
}
const digestOf = (encoded: string, cuts: number[] = []) => find(readCut(doc(encoded), cuts.map((c) => doc('').indexOf('</ContentTransferEncoded>') + c)), 'ContentTransferEncoded')!.digest;
const code = (f: () => unknown): string => {
  try { f(); } catch (e) { if (e instanceof EdocError) return e.code; throw e; }
  return 'accepted';
};

describe('edXML streaming reader (issue 9: packages streamed, attachments never held)', () => {
  it('decodes and hashes base64 cut anywhere, wrapped or not (QCVN 102:2016 Attachment/ContentTransferEncoded)', () => {
    const bytes = crypto.randomBytes(200_000);
    const want = { size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
    const b64 = bytes.toString('base64');
    // More than sax's 64 KiB text pieces, cut at offsets that split groups of four.
    expect(digestOf(b64, [1, 2, 70_001, 70_002, 140_003])).toEqual(want);
    expect(digestOf(b64.replace(/.{76}/g, '$&\r\n'), [77, 78, 1000])).toEqual(want);
    // The attachment's text is not kept in the tree.
    expect(find(readCut(doc(b64), []), 'ContentTransferEncoded')!.text).toBe('');
  });

  it('takes = padding only at the end, at most two, in whole groups of four', () => {
    expect(digestOf('QQ==')).toEqual({ size: 1, sha256: crypto.createHash('sha256').update('A').digest('hex') });
    expect(digestOf('QUI=')).toEqual({ size: 2, sha256: crypto.createHash('sha256').update('AB').digest('hex') });
    expect(digestOf('QQ', [])).toEqual({ invalid: true });
    expect(digestOf('QQ=')).toEqual({ invalid: true });
    expect(digestOf('Q===')).toEqual({ invalid: true });
    expect(digestOf('QQ==QQ==')).toEqual({ invalid: true });
    expect(digestOf('QQ=A')).toEqual({ invalid: true });
    expect(digestOf('QQ*=')).toEqual({ invalid: true });
    // Padding cut away from its group still counts as the end.
    expect(digestOf('QQ==', [3])).toEqual({ size: 1, sha256: crypto.createHash('sha256').update('A').digest('hex') });
    expect(digestOf('QQ==QQ==', [4])).toEqual({ invalid: true });
  });

  it('decodes the predefined entities even when a piece ends inside one, and refuses any other entity', () => {
    const text = doc('', 'A &amp; B &#7841;');
    const cut = text.indexOf('&amp;') + 2;
    expect(find(readCut(text, [cut]), 'Subject')!.text).toBe('A & B ạ');
    expect(code(() => readCut(doc('', 'A &nbsp; B'), []))).toBe('EDOC_XML_MALFORMED');
    expect(code(() => readCut(`<!DOCTYPE edXML><edXML xmlns="${EDXML_NS}"/>`, []))).toBe('EDOC_XML_DTD');
    expect(code(() => readCut(`<edXML xmlns="${EDXML_NS}"><a></edXML>`, []))).toBe('EDOC_XML_MALFORMED');
    expect(code(() => readCut(`<edXML xmlns="${EDXML_NS}"/><edXML xmlns="${EDXML_NS}"/>`, []))).toBe('EDOC_XML_MALFORMED');
    expect(code(() => readCut(`<p:edXML xmlns="${EDXML_NS}"/>`, []))).toBe('EDOC_XML_MALFORMED');
  });

  it('reads files: a UTF-8 BOM is skipped and counted, bytes that are not UTF-8 are refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-reader-'));
    try {
      const withBom = path.join(dir, 'bom.edxml');
      // A multi-byte character across the file's 64 KiB read boundary.
      const subject = 'ạ'.padStart(65_535, 'x');
      fs.writeFileSync(withBom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(doc('QQ==', subject))]));
      const r = await readFile(withBom);
      expect(r.bom).toBe(3);
      expect(find(r.root, 'Subject')!.text).toBe(subject);
      const bad = path.join(dir, 'latin1.edxml');
      fs.writeFileSync(bad, Buffer.from(doc('QQ==', 'Hu\xe9'), 'latin1'));
      await expect(readFile(bad)).rejects.toMatchObject({ code: 'EDOC_XML_MALFORMED', message: expect.stringMatching(/UTF-8/) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
