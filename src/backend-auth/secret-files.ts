// Backend secrets live in files under the data dir (secrets/backend/, directory 0700, files
// 0600), never in the database, the admin trail, an API answer or a log line. A spec names a
// file by a reference such as "backend/svc-ndxp-client-secret-3f9a…"; every node that serves
// the service needs the same file (docs/national-services.md).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VamcoError } from '../core/errors.js';

const REF = /^backend\/[A-Za-z0-9._-]{1,200}$/;
const MAX_SECRET_BYTES = 64 * 1024;

function secretsRoot(dataDir: string): string {
  return path.join(dataDir, 'secrets');
}

function fileOf(dataDir: string, ref: string): string {
  if (!REF.test(ref) || ref.includes('..')) throw new VamcoError('INTERNAL', `"${ref}" is not a backend secret reference`);
  return path.join(secretsRoot(dataDir), ref);
}

/** Writes a secret to a new file (atomically, 0600, synced) and returns its reference. */
export function storeSecret(dataDir: string, label: string, value: string | Buffer): string {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  if (bytes.length === 0) throw new VamcoError('VALIDATION_FAILED', `The ${label.replace(/-/g, ' ')} is empty`);
  if (bytes.length > MAX_SECRET_BYTES) throw new VamcoError('VALIDATION_FAILED', `The ${label.replace(/-/g, ' ')} is larger than ${MAX_SECRET_BYTES} bytes`);
  const slug = label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
  const ref = `backend/${slug}-${crypto.randomBytes(6).toString('hex')}`;
  const file = fileOf(dataDir, ref);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.chmodSync(secretsRoot(dataDir), 0o700);
  fs.chmodSync(path.dirname(file), 0o700);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return ref;
}

/**
 * Reads a secret. A secret file written by hand usually ends with a newline, which is no part
 * of the secret: trailing CR/LF are dropped (PEM files are unaffected by that).
 */
export function readSecret(dataDir: string, ref: string): string {
  const file = fileOf(dataDir, ref);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // Names the file, never its content.
    throw new VamcoError('UPSTREAM_AUTH_FAILED', `The backend secret file ${path.join('secrets', ref)} cannot be read on this node (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return text.replace(/[\r\n]+$/, '');
}

/** Removes secret files no spec refers to any more (after the registry change committed). */
export function removeSecrets(dataDir: string, refs: readonly string[]): void {
  for (const ref of refs) {
    try {
      fs.rmSync(fileOf(dataDir, ref), { force: true });
    } catch { /* best effort: an orphaned file is harmless */ }
  }
}

/** Reads a file the operator names on the command line (the CLI's --client-secret-file). */
export function readSecretFileArg(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!st.isFile() || st.size > MAX_SECRET_BYTES) throw new VamcoError('VALIDATION_FAILED', `${file} is not a secret file (a regular file up to ${MAX_SECRET_BYTES} bytes)`);
  return fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
}
