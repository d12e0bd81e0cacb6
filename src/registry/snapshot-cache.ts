// The last registry snapshot a node loaded, on disk in its data dir, so the node can start and
// serve while the central database is unreachable (issue 13, item 1). The file holds the
// registry's rows as read (sealed values still sealed, API keys as digests: no secret in
// clear), written atomically (temp file, fsync, rename, fsync of the directory) with mode
// 0600. A SHA-256 of the body guards it: a torn or altered file is refused, never half-used.
//
// Format: one header line `vamco-registry-snapshot 1 <sha256 hex> <body bytes> <saved at ms>\n`,
// then the body (the rows as JSON).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RegistryRows } from './snapshot.js';

export const SNAPSHOT_CACHE_FILE = 'registry-snapshot.json';
const MAGIC = 'vamco-registry-snapshot';
const FORMAT = 1;

export interface CachedSnapshot { rows: RegistryRows; savedAt: number }

/** The file's bytes for `rows`. */
export function encodeSnapshotCache(rows: RegistryRows, savedAt = Date.now()): Buffer {
  const body = Buffer.from(JSON.stringify(rows), 'utf8');
  const digest = crypto.createHash('sha256').update(body).digest('hex');
  return Buffer.concat([Buffer.from(`${MAGIC} ${FORMAT} ${digest} ${body.length} ${savedAt}\n`, 'utf8'), body]);
}

/** The rows in `buf`, or why they cannot be used (a torn, altered or foreign file). */
export function decodeSnapshotCache(buf: Buffer): CachedSnapshot | { error: string } {
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || nl > 200) return { error: 'no header line (not a snapshot file, or cut short)' };
  const [magic, format, digest, bytes, savedAt] = buf.subarray(0, nl).toString('utf8').split(' ');
  if (magic !== MAGIC || format !== String(FORMAT)) return { error: `not a format-${FORMAT} registry snapshot file` };
  const body = buf.subarray(nl + 1);
  if (body.length !== Number(bytes)) return { error: `its body has ${body.length} bytes, its header says ${bytes} (a torn write?)` };
  if (crypto.createHash('sha256').update(body).digest('hex') !== digest) return { error: 'its checksum does not match its body (altered or damaged)' };
  try {
    return { rows: JSON.parse(body.toString('utf8')) as RegistryRows, savedAt: Number(savedAt) };
  } catch (e) {
    return { error: `its body is not JSON: ${(e as Error).message}` };
  }
}

/** Replaces the file with `rows`: the old file stays whole until the new one is durable. */
export async function writeSnapshotCache(file: string, rows: RegistryRows, savedAt = Date.now()): Promise<void> {
  const data = encodeSnapshotCache(rows, savedAt);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fs.promises.open(tmp, 'w', 0o600);
  try {
    // 'w' keeps the mode of a temp file a crash left behind: the mode is set, not assumed.
    await fh.chmod(0o600);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.promises.rename(tmp, file);
  // The rename itself durable: a power cut after it must not bring the old name back.
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try { await dir.sync(); } finally { await dir.close(); }
}

/** The cached rows, or why there are none usable (missing, torn, altered). */
export function readSnapshotCache(file: string): CachedSnapshot | { error: string } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code === 'ENOENT' ? `there is no ${file}` : `${file} cannot be read: ${(e as Error).message}` };
  }
  const r = decodeSnapshotCache(buf);
  return 'error' in r ? { error: `${file} is unusable: ${r.error}` } : r;
}
