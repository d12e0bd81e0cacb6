// Files that hold secrets: written whole or not at all (temporary file, fsync, then linked into
// place, then the directory synced), never readable by anyone but the owner.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VamcoError } from '../core/errors.js';

export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;

function syncDir(dir: string): void {
  // A rename or link is durable only once the directory entry is; some file systems refuse
  // fsync on a directory, and then there is nothing more we can do.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch { /* not supported here */ } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeTemp(file: string, data: string | Buffer): string {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', SECRET_FILE_MODE);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  return tmp;
}

/**
 * Creates `file` with `data` unless it exists. Returns false when another process created it
 * first (the caller reads theirs); any other failure throws: a half-written secret is never
 * left behind, and a failed write is never mistaken for someone else's success.
 */
export function createSecretFile(file: string, data: string | Buffer): boolean {
  const tmp = writeTemp(file, data);
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new VamcoError('CONFIG_ERROR', `Cannot create ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  syncDir(path.dirname(file));
  return true;
}

/** Replaces `file` atomically: readers see the old content or the new, never a mix. */
export function replaceSecretFile(file: string, data: string | Buffer): void {
  const tmp = writeTemp(file, data);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new VamcoError('CONFIG_ERROR', `Cannot write ${file}: ${(e as Error).message}`, { cause: e });
  }
  syncDir(path.dirname(file));
}

/**
 * Reads a secret file, refusing one that others may read or write. A file outside the data
 * dir (VAMCO_SECRET_KEY_FILE) may be readable by its group, the usual way configuration
 * management hands a secret to a service account.
 */
export function readSecretFile(file: string, opts: { allowGroupRead?: boolean } = {}): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new VamcoError('CONFIG_ERROR', `Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (!st.isFile()) throw new VamcoError('CONFIG_ERROR', `${file} is not a regular file`);
  if (st.mode & (opts.allowGroupRead ? 0o037 : 0o077)) {
    throw new VamcoError('CONFIG_ERROR', `${file} may be read by other users (mode ${(st.mode & 0o777).toString(8)}): run "chmod 600 ${file}"`);
  }
  return fs.readFileSync(file, 'utf8');
}
