// Splits and normalises the request target once, before authorisation; the same
// normalised path is what the backend receives, so the path that was authorised is the
// path that is served.
import { VamcoError } from '../core/errors.js';

export interface ParsedTarget {
  /** Raw path segments after "/r1/" (still percent-encoded). */
  segments: string[];
  query: string; // including the leading "?" or ""
}

export function splitTarget(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q) };
}

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new VamcoError('INVALID_PATH', 'The request path has malformed percent-encoding');
  }
}

// The backend gets each segment with the consumer's own encoding (PR-REST 1.0.4 §4.1: the
// path is appended as sent): "%3B" stays "%3B", which to the backend is not the ";" of a path
// parameter. Authorisation decides on the decoded path, so "%7e", "~" and "%7E" are the same
// path to it. Only characters that may not appear raw in a path are escaped.
const NOT_PCHAR = /[^A-Za-z0-9\-._~!$&'()*+,;=:@%]/g;
const keepEncoding = (raw: string): string => raw.replace(NOT_PCHAR, (c) => encodeURIComponent(c));

export interface NormalisedPath {
  /** Decoded path used for endpoint matching, e.g. "/pets/1". */
  decoded: string;
  /** The path as the consumer encoded it, forwarded to the backend ("" when none). */
  encoded: string;
}

/**
 * Normalises the service-relative path. Rejects ".." and "." segments, encoded slashes and
 * backslashes, NUL, and empty segments in the middle (a "//" smuggles a different path past
 * prefix-matching backends).
 */
export function normaliseServicePath(rawSegments: string[]): NormalisedPath {
  if (rawSegments.length === 0) return { decoded: '/', encoded: '' };
  const decoded: string[] = [];
  const encoded: string[] = [];
  for (let i = 0; i < rawSegments.length; i++) {
    const raw = rawSegments[i];
    if (raw === '' && i < rawSegments.length - 1) throw new VamcoError('INVALID_PATH', 'The request path has an empty segment ("//")');
    if (/%2f|%5c/i.test(raw) || raw.includes('\\')) throw new VamcoError('INVALID_PATH', 'Encoded slashes and backslashes are not allowed in the path');
    const d = decode(raw);
    // "..;x" is a dot segment to Java servlet containers (path parameters), so check the part before ";".
    const bare = d.split(';')[0];
    if (bare === '.' || bare === '..') throw new VamcoError('INVALID_PATH', 'Dot segments ("." and "..") are not allowed in the path');
    if (d.includes('\u0000')) throw new VamcoError('INVALID_PATH', 'NUL is not allowed in the path');
    decoded.push(d);
    encoded.push(keepEncoding(raw));
  }
  return { decoded: '/' + decoded.join('/'), encoded: '/' + encoded.join('/') };
}

/** Decodes one identifier part of /r1/{instance}/{class}/{member}/{subsystem}/{service}. */
export function decodeIdPart(raw: string): string {
  if (/%2f/i.test(raw)) throw new VamcoError('INVALID_PATH', 'Encoded slashes are not allowed in identifiers');
  return decode(raw);
}

export function validateQuery(query: string): string {
  // The query goes through as it came; only reject control characters Node would not.
  if (/[\u0000-\u001f\u007f]/.test(query)) throw new VamcoError('INVALID_PATH', 'Control characters in the query string');
  return query;
}
