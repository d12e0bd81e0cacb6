// parse: the message id, the optional X-Road headers and the service named by the path.
// Nothing here trusts the client yet; it only refuses what cannot be logged or routed.
import crypto from 'node:crypto';
import { VamcoError } from '../../core/errors.js';
import { isValidPart } from '../../core/ids.js';
import { splitTarget, decodeIdPart } from '../path.js';
import { optionalHeader } from '../headers.js';
import type { Exchange, StageFactory } from './context.js';

const MESSAGE_ID = /^[\x21-\x7e]{1,255}$/;

// uuidV7's time fields, for the millisecond they were written for.
let v7Ms = -1;
let v7Time = '';

/**
 * A UUID version 7 (RFC 9562 §5.7): the first 48 bits are the Unix time in milliseconds, the
 * rest random. Hand-written because Node 20 has no v7: the random part is a v4 UUID's (whose
 * variant bits are already right) with its time fields and version replaced. Why not v4: every
 * record's message id goes into the store's message_log_message_id index, and random ids land
 * anywhere in that b-tree — measured alone on the store's writer thread, a record's insert cost
 * 18 µs with random ids and 12 µs with time-ordered ones (issue 15; more once the index no
 * longer fits the page cache), while ids that grow with time are added at its right edge.
 */
export function uuidV7(now = Date.now()): string {
  // The time fields are written once per millisecond (they were most of this function's cost).
  if (now !== v7Ms) {
    const t = now.toString(16).padStart(12, '0');
    v7Ms = now;
    v7Time = `${t.slice(0, 8)}-${t.slice(8)}-7`;
  }
  return v7Time + crypto.randomUUID().slice(15);
}

export const parse: StageFactory = (deps) => ({
  name: 'parse',
  run(x: Exchange): void {
    const givenId = x.req.headers['x-road-id'];
    if (givenId !== undefined) {
      if (typeof givenId !== 'string' || !MESSAGE_ID.test(givenId)) throw new VamcoError('BAD_REQUEST', 'X-Road-Id must be 1-255 printable ASCII characters');
      x.messageId = givenId;
    } else {
      // Generated as X-Road's client proxy does: {instance}-{uuid}, distinct from X-Road-Request-Id;
      // the UUID is time-ordered (uuidV7 below) where X-Road's is random.
      x.messageId = `${deps.config.instance}-${uuidV7()}`;
      x.messageIdGenerated = true;
    }
    x.userId = optionalHeader(x.req.headers, 'x-road-userid', 'X-Road-UserId') ?? null;
    x.issue = optionalHeader(x.req.headers, 'x-road-issue', 'X-Road-Issue', 1024) ?? null;
    const party = optionalHeader(x.req.headers, 'x-road-represented-party', 'X-Road-Represented-Party');
    if (party !== undefined) checkIdParts(party, [1, 2], 'X-Road-Represented-Party', '[CLASS/]CODE');
    // PR-REST §4.3: the security server the client wants the request to go through. Its form
    // is checked here; resolve decides whether it names this platform.
    const server = optionalHeader(x.req.headers, 'x-road-security-server', 'X-Road-Security-Server');
    if (server !== undefined) x.securityServer = checkIdParts(server, [4], 'X-Road-Security-Server', 'INSTANCE/CLASS/MEMBER/SERVERCODE').join('/');
    const { path, query } = splitTarget(x.target);
    x.path = path;
    x.query = query;
    x.segments = path.split('/');
    if (x.segments.length < 7) throw new VamcoError('INVALID_PATH', 'Expected /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path]');
    const [instance, memberClass, memberCode, subsystemCode, serviceCode] = x.segments.slice(2, 7).map(decodeIdPart);
    // Checked before any of them reaches a header or the log: a CR/LF or non-Latin-1
    // character would make writing the response throw.
    if (![instance, memberClass, memberCode, subsystemCode, serviceCode].every(isValidPart)) {
      throw new VamcoError('INVALID_PATH', 'Identifier parts use only A-Z a-z 0-9 \' ( ) + , - . = ?');
    }
    const providerKey = `${memberClass}/${memberCode}/${subsystemCode}`;
    x.ref = { instance, memberClass, memberCode, subsystemCode, serviceCode, providerKey };
    x.service = `${instance}/${providerKey}/${serviceCode}`;
  },
});

/** An identifier header: parts percent-encoded on their own (PR-REST §4.2, §4.3), each of X-Road's characters (§4.8). */
export function checkIdParts(value: string, counts: number[], label: string, form: string): string[] {
  const raw = value.split('/');
  let parts: string[];
  try {
    parts = raw.map((s) => decodeURIComponent(s));
  } catch {
    throw new VamcoError('BAD_REQUEST', `${label} has malformed percent-encoding`);
  }
  if (!counts.includes(parts.length) || !parts.every(isValidPart)) throw new VamcoError('BAD_REQUEST', `${label} must be ${form}, each part of A-Z a-z 0-9 ' ( ) + , - . = ?`);
  return parts;
}
