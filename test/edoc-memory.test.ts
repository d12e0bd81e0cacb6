// Issue 9, item 2: a package is "streamed, never held whole in memory twice". Proven with a heap
// too small to hold the package even once: the hub's reader (readPackage, what sendEdoc and the
// journey use) gets through a package several times the heap, and the same process reading the
// file whole, as the hub did before, runs out of memory on it.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEdoc, vnDate } from '../src/edoc/index.js';

const HEAP_MB = 32;
const ATTACHMENT_BYTES = 3 * 18_000_000; // 54 MB decoded, 73 MB of base64
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-edoc-mem-'));
const entry = path.resolve('dist/src/edoc/index.js');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a package with one large attachment piece by piece; returns its file and the attachment's SHA-256. */
function writeLargePackage(): { file: string; sha256: string } {
  const marker = Buffer.from('MARKER');
  const xml = buildEdoc({
    from: { organId: '000.00.00.H59' }, to: [{ organId: '000.00.13.H59' }], codeNumber: '9', codeNotation: 'UBND-VP',
    promulgationDate: vnDate(), subject: 'Hồ sơ lớn', attachments: [{ name: 'big.pdf', contentType: 'application/pdf', bytes: marker }],
  });
  const at = xml.indexOf(marker.toString('base64'));
  const file = path.join(dir, 'big.edxml');
  const fd = fs.openSync(file, 'w');
  const hash = crypto.createHash('sha256');
  try {
    fs.writeSync(fd, xml.slice(0, at));
    const piece = 3 * 349_525; // a multiple of 3: each piece's base64 stands alone
    for (let left = ATTACHMENT_BYTES; left > 0; left -= piece) {
      const bytes = crypto.randomBytes(Math.min(piece, left));
      hash.update(bytes);
      fs.writeSync(fd, bytes.toString('base64').replace(/.{76}/g, '$&\n'));
    }
    fs.writeSync(fd, xml.slice(at + marker.toString('base64').length));
  } finally {
    fs.closeSync(fd);
  }
  return { file, sha256: hash.digest('hex') };
}

function run(script: string, file: string) {
  return spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--input-type=module', '-e', script, entry, file], { encoding: 'utf8', timeout: 600_000 });
}

describe('edXML packages larger than the heap (issue 9: streamed, never whole in memory twice)', () => {
  it(`reads a package of ~73 MB in a ${HEAP_MB} MB heap, and the whole-text way does not`, () => {
    const { file, sha256 } = writeLargePackage();
    expect(fs.statSync(file).size).toBeGreaterThan(2 * HEAP_MB * 1024 * 1024);

    const streamed = run(`const m = await import(process.argv[1]); const { pkg } = await m.readPackage(process.argv[2], { now: new Date(Date.now() + 86400000) });
      console.log(JSON.stringify(pkg.attachments));`, file);
    expect(streamed.stderr).toBe('');
    expect(streamed.status).toBe(0);
    expect(JSON.parse(streamed.stdout)).toEqual([expect.objectContaining({ contentId: '1.big.pdf', size: ATTACHMENT_BYTES, sha256 })]);

    // The control: the same heap cannot hold the package as one text, so the test above would
    // fail if readPackage read the file whole (or kept the attachment's text in the tree).
    const whole = run(`const m = await import(process.argv[1]); const fs = await import('node:fs');
      m.parsePackage(fs.readFileSync(process.argv[2], 'utf8'), { now: new Date(Date.now() + 86400000) }); console.log('parsed');`, file);
    expect(whole.status).not.toBe(0);
    expect(whole.stdout).not.toContain('parsed');
    expect(whole.stderr).toMatch(/heap/i);
  }, 900_000);
});
