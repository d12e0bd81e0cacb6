// Package bytes in the data dir, addressed by their SHA-256: written once (temp file, fsync,
// rename, fsync of the directory) before the database row that names them, so an accepted
// package is never a row without its bytes. Identical packages share one file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';

/**
 * A pass-through that hashes and counts what flows to a temp file, and fails the stream once it
 * passes `maxBytes` (an upload, or a package pulled from the national axis): the package is
 * never held in memory, and a too-large one stops at the limit, not at its end.
 */
export function meteredCopy(maxBytes: number, tooLarge: () => Error): { through: () => Transform; result: () => { sha256: string; size: number } } {
  const hash = crypto.createHash('sha256');
  let size = 0;
  return {
    through: () => new Transform({
      transform(chunk: Buffer, _e, cb) {
        size += chunk.length;
        if (size > maxBytes) return cb(tooLarge());
        hash.update(chunk);
        cb(null, chunk);
      },
    }),
    result: () => ({ sha256: hash.digest('hex'), size }),
  };
}

export class BlobStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'edoc');
    fs.mkdirSync(path.join(this.root, 'tmp'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(this.root, 'blobs'), { recursive: true, mode: 0o700 });
  }

  /** A fresh temporary path in the same file system as the blobs (so a rename is atomic). */
  tmpPath(): string {
    return path.join(this.root, 'tmp', crypto.randomUUID());
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return path.join(this.root, 'blobs', sha256.slice(0, 2), `${sha256}.edxml`);
  }

  async put(bytes: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const final = this.pathOf(sha256);
    if (fs.existsSync(final)) return { sha256, size: bytes.length };
    const dir = path.dirname(final);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = this.tmpPath();
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, final);
    const d = await fsp.open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
    return { sha256, size: bytes.length };
  }

  /**
   * Stores the file `src` with `insert` spliced in at byte `at`, streamed (a large package is not
   * held in memory again), and returns the stored bytes' SHA-256.
   */
  async putSpliced(src: string, at: number, insert: Buffer): Promise<{ sha256: string; size: number }> {
    const tmp = this.tmpPath();
    const hash = crypto.createHash('sha256');
    let size = 0;
    const fh = await fsp.open(tmp, 'w', 0o600);
    try {
      const write = async (b: Buffer) => { hash.update(b); size += b.length; await fh.write(b); };
      for await (const chunk of fs.createReadStream(src, { end: at - 1, highWaterMark: 1 << 20 })) if (at > 0) await write(chunk as Buffer);
      await write(insert);
      for await (const chunk of fs.createReadStream(src, { start: at, highWaterMark: 1 << 20 })) await write(chunk as Buffer);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = hash.digest('hex');
    const final = this.pathOf(sha256);
    const dir = path.dirname(final);
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    await fsp.rename(tmp, final);
    const d = await fsp.open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
    return { sha256, size };
  }

  read(sha256: string): Promise<Buffer> {
    return fsp.readFile(this.pathOf(sha256));
  }

  stream(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }

  async remove(sha256: string): Promise<void> {
    await fsp.rm(this.pathOf(sha256), { force: true });
  }
}
