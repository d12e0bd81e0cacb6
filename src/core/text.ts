// Names people give things (members, subsystems, users, labels): shown in the console, the
// CLI and the admin trail, so they must read as what they are. Refused: control characters
// (a newline forges a line in a listing), bidirectional overrides and isolates (U+202E turns
// "txt.exe" into "exe.txt"), invisible characters, lone surrogates, and sizes no name has.
import { VamcoError } from './errors.js';

// C0 and C1 controls, DEL; bidi marks, embeddings, overrides and isolates; zero-width and
// word-joiner characters; the line and paragraph separators; the byte-order mark.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

export const NAME_MAX = 200;

/** NFC, trimmed; throws VALIDATION_FAILED naming `what` when the text is not a usable name. */
export function checkName(value: unknown, what: string, opts: { max?: number; required?: boolean } = {}): string {
  const max = opts.max ?? NAME_MAX;
  if (typeof value !== 'string') throw new VamcoError('VALIDATION_FAILED', `${what} must be text`);
  const text = value.normalize('NFC').trim();
  if (!text && opts.required !== false) throw new VamcoError('VALIDATION_FAILED', `${what} must not be empty`);
  if ([...text].length > max) throw new VamcoError('VALIDATION_FAILED', `${what} may have at most ${max} characters`);
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new VamcoError('VALIDATION_FAILED', `${what} contains U+${cp}, a control, direction-changing or invisible character`);
  }
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed?.() === false) throw new VamcoError('VALIDATION_FAILED', `${what} contains a lone surrogate`);
  return text;
}

/** As checkName, but null/undefined/empty mean "no name". */
export function optionalName(value: unknown, what: string, max?: number): string | null {
  if (value === null || value === undefined) return null;
  const t = checkName(value, what, { max, required: false });
  return t || null;
}
