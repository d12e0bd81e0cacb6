// Counts and hashes a body as it streams, enforcing the size limit without holding it whole.
import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { VamcoError } from '../core/errors.js';

export const EMPTY_SHA256 = crypto.createHash('sha256').digest('hex');

export class Meter extends Transform {
  size = 0;
  tooLarge = false;
  done = false;
  private hash = crypto.createHash('sha256');
  /** SHA-512 for X-Road-Request-Hash (PR-REST §4.3), which X-Road computes with SHA-512. */
  private hash512 = crypto.createHash('sha512');
  private kept: Buffer[] | null;
  private keptSize = 0;

  constructor(private limit: number, keepUpTo = 0) {
    super();
    this.kept = keepUpTo > 0 ? [] : null;
    this.keepUpTo = keepUpTo;
  }
  private keepUpTo: number;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.tooLarge = true;
      cb(new VamcoError('PAYLOAD_TOO_LARGE', `The request body is larger than ${this.limit} bytes`));
      return;
    }
    this.hash.update(chunk);
    this.hash512.update(chunk);
    if (this.kept && this.keptSize + chunk.length <= this.keepUpTo) {
      this.kept.push(chunk);
      this.keptSize += chunk.length;
    } else this.kept = null; // too big to log whole: log none of it
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.done = true;
    cb();
  }

  private hex: string | null = null;

  /** The body's SHA-256 once it has all passed (asked for by both the record and the request hash). */
  digest(): string | null {
    if (!this.done) return null;
    return (this.hex ??= this.hash.digest('hex'));
  }

  private sha512: Buffer | null = null;

  /** The body's SHA-512 once it has all passed. */
  digest512(): Buffer | null {
    if (!this.done) return null;
    return (this.sha512 ??= this.hash512.digest());
  }

  keptBase64(): string | null {
    return this.done && this.kept ? Buffer.concat(this.kept).toString('base64') : null;
  }
}
