// The secret key file and what it does: seals values kept in the database (AES-256-GCM, bound
// to the table, column and row they belong to) and derives the platform's keyed secrets
// (HKDF-SHA256), so the database alone holds nothing that opens or signs.
//
// File format (text, one key per line, '#' comments):
//   vamco-key-v1 <kid> <32 bytes, base64url>
// The first key is the current one: it seals and derives. Every key listed opens what it sealed.
// A kid is derived from its key, so a line cannot name another key's id.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { VamcoError } from '../core/errors.js';
import { readSecretFile } from './files.js';

export const SEALED_PREFIX = 'vs1.';
const KEY_LINE = 'vamco-key-v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

export interface SecretKey { kid: string; key: Buffer }

export const kidOf = (key: Buffer): string =>
  'k' + crypto.createHash('sha256').update('vamco-kid\n').update(key).digest('hex').slice(0, 12);

export function newSecretKey(): SecretKey {
  const key = crypto.randomBytes(KEY_BYTES);
  return { kid: kidOf(key), key };
}

export function formatKeyFile(keys: readonly SecretKey[]): string {
  return [
    '# Vamco secret key file. The first key seals new values; every key listed opens what it sealed.',
    '# Every node of one platform needs the same file. Keep a copy offline: without it the sealed',
    '# values in the database (second factors, backend credentials, dossier personal data) are lost.',
    ...keys.map((k) => `${KEY_LINE} ${k.kid} ${k.key.toString('base64url')}`),
    '',
  ].join('\n');
}

export function parseKeyFile(text: string, file: string): SecretKey[] {
  const keys: SecretKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [tag, kid, b64, ...rest] = line.split(/\s+/);
    const key = b64 && /^[A-Za-z0-9_-]+$/.test(b64) ? Buffer.from(b64, 'base64url') : Buffer.alloc(0);
    if (tag !== KEY_LINE || rest.length || key.length !== KEY_BYTES || kidOf(key) !== kid) {
      throw new VamcoError('CONFIG_ERROR', `${file} line ${i + 1} is not a key line ("${KEY_LINE} <kid> <32 bytes base64url>", kid matching the key)`);
    }
    keys.push({ kid, key });
  });
  if (!keys.length) throw new VamcoError('CONFIG_ERROR', `${file} holds no key`);
  return keys;
}

export function isSealed(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith(SEALED_PREFIX);
}

/** The kid a sealed value was sealed with, or null when it is not a sealed value. */
export function sealedKid(v: string): string | null {
  if (!isSealed(v)) return null;
  return v.slice(SEALED_PREFIX.length).split('.')[0] ?? null;
}

export class Keyring {
  private keys: Map<string, Buffer>;
  private currentKey: SecretKey;
  private derived = new Map<string, Buffer>();

  constructor(keys: readonly SecretKey[], readonly source: string, private readonly reread?: () => SecretKey[]) {
    this.currentKey = keys[0];
    this.keys = new Map(keys.map((k) => [k.kid, k.key]));
  }

  get currentKid(): string { return this.currentKey.kid; }
  get kids(): string[] { return [...this.keys.keys()]; }
  has(kid: string): boolean { return this.keys.has(kid); }

  /** Seals `plain` for one place (`context`, e.g. "users.totp_secret:12"): it opens nowhere else. */
  seal(plain: string, context: string): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const c = crypto.createCipheriv('aes-256-gcm', this.currentKey.key, iv);
    c.setAAD(Buffer.from('vamco-seal-v1|' + context, 'utf8'));
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return `${SEALED_PREFIX}${this.currentKey.kid}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const [kid, ivText, bodyText, ...rest] = isSealed(sealed) ? sealed.slice(SEALED_PREFIX.length).split('.') : [];
    if (!kid || !ivText || !bodyText || rest.length) throw new VamcoError('INTERNAL', `The value of ${context} is not a sealed value`);
    let key = this.keys.get(kid);
    if (!key && this.reread) {
      // The file may have been rotated by `vamco secrets rotate` while this process ran.
      const fresh = this.reread();
      if (fresh.length) this.replace(fresh);
      key = this.keys.get(kid);
    }
    if (!key) {
      throw new VamcoError('CONFIG_ERROR', `The value of ${context} is sealed with key ${kid}, which ${this.source} does not hold: copy the key file from a node that has it`);
    }
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    try {
      const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(Buffer.from('vamco-seal-v1|' + context, 'utf8'));
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString('utf8');
    } catch (e) {
      throw new VamcoError('INTERNAL', `The sealed value of ${context} does not open: it was altered or moved from another row`, { cause: e });
    }
  }

  /**
   * A 32-byte key for one purpose (HKDF-SHA256 of a ring key; `label` names the purpose).
   * Without `kid`, from the current key.
   */
  derive(label: string, kid = this.currentKey.kid): Buffer {
    const id = `${kid}\u0000${label}`;
    let k = this.derived.get(id);
    if (!k) {
      const key = this.keys.get(kid);
      if (!key) throw new VamcoError('CONFIG_ERROR', `Key ${kid} is not in ${this.source}`);
      k = Buffer.from(crypto.hkdfSync('sha256', key, Buffer.from('vamco'), Buffer.from(label, 'utf8'), 32));
      this.derived.set(id, k);
    }
    return k;
  }

  private replace(keys: SecretKey[]): void {
    this.currentKey = keys[0];
    this.keys = new Map(keys.map((k) => [k.kid, k.key]));
    this.derived.clear();
  }
}

/** Reads a key file. `external`: a file outside the data dir (its group may read it). */
export function loadKeyring(file: string, opts: { external?: boolean } = {}): Keyring {
  const read = () => parseKeyFile(readSecretFile(file, { allowGroupRead: opts.external }), file);
  return new Keyring(read(), file, () => {
    try {
      return fs.existsSync(file) ? read() : [];
    } catch {
      return [];
    }
  });
}
