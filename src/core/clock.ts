// The time of "now" as ISO-8601 text (what Date#toISOString writes), made cheaply: every
// exchange stamps its arrival and both of its records validate that stamp, so on the gateway's
// main thread `new Date().toISOString()` (0.8 µs) and the record's parse-and-reformat
// (`isoTime`, 1.2 µs, twice) were ~3 µs per exchange (issue 15, measured alone).
// The text up to the second is made once per second and kept for the last RECENT seconds.

/** Seconds whose prefix is kept: an exchange's outcome record carries its arrival time. */
const RECENT = 128;

let second = -1;
let prefix = '';
const recent = new Set<string>();
const order: string[] = [];

/** `now` (ms since the epoch, as Date.now()) as toISOString writes it: 'YYYY-MM-DDTHH:MM:SS.mmmZ'. */
export function isoNow(now = Date.now()): string {
  const ms = now % 1000;
  const s = now - ms;
  if (s !== second) {
    const text = new Date(s).toISOString();
    // Only the form every time from 1970 to 9999 has (a six-digit year would break the fast check).
    if (ms < 0 || text.length !== 24) return new Date(now).toISOString();
    second = s;
    prefix = text.slice(0, 20);
    if (!recent.has(prefix)) {
      recent.add(prefix);
      order.push(prefix);
      if (order.length > RECENT) recent.delete(order.shift()!);
    }
  }
  return prefix + (ms < 10 ? '00' : ms < 100 ? '0' : '') + ms + 'Z';
}

const DIGIT0 = 48;
const isDigit = (c: number): boolean => c >= DIGIT0 && c <= DIGIT0 + 9;

/**
 * Is `v` a time isoNow made in the last RECENT seconds, exactly as written? Such a text is a
 * valid time in canonical form (its second came from toISOString), so parsing and writing it
 * again would give it back unchanged.
 */
export function isRecentIsoNow(v: string): boolean {
  return v.length === 24 && v.charCodeAt(23) === 90 /* Z */ && isDigit(v.charCodeAt(20)) && isDigit(v.charCodeAt(21))
    && isDigit(v.charCodeAt(22)) && recent.has(v.slice(0, 20));
}
