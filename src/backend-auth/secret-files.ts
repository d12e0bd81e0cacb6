// Secrets the operator hands the CLI as files (--client-secret-file, --secret-file), so they
// never appear in a shell history or a process list. Stored sealed in the database (spec.ts).
import fs from 'node:fs';
import { VamcoError } from '../core/errors.js';

const MAX_SECRET_BYTES = 64 * 1024;

/** Reads a secret file; a trailing newline (as editors write) is no part of the secret. */
export function readSecretFileArg(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!st.isFile() || st.size > MAX_SECRET_BYTES) throw new VamcoError('VALIDATION_FAILED', `${file} is not a secret file (a regular file up to ${MAX_SECRET_BYTES} bytes)`);
  const text = fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
  if (!text) throw new VamcoError('VALIDATION_FAILED', `${file} is empty`);
  return text;
}
