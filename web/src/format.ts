// Times are shown in Asia/Ho_Chi_Minh whatever the browser's zone; numbers in the UI language.
import i18n from './i18n';

const TZ = 'Asia/Ho_Chi_Minh';
const locale = () => (i18n.language === 'en' ? 'en-GB' : 'vi-VN');

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso));
}

/** dd/mm/yyyy HH:mm in Vietnam time in both languages (a key's expiry and last use, as `vamco key list` shows them). */
export function dateMinute(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = new Date(Date.parse(iso) + 7 * 3_600_000).toISOString();
  return `${s.slice(8, 10)}/${s.slice(5, 7)}/${s.slice(0, 4)} ${s.slice(11, 16)}`;
}

/** The day only, dd/mm/yyyy in both languages (validity dates of certificates). */
export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-GB', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

export function shortTime(iso: string, withDay: boolean): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TZ, ...(withDay ? { day: '2-digit', month: '2-digit' } : {}), hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
}

export const num = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(n);

export const pct = (r: number): string => new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(r);

/** "2026-03-01T15:30" in Vietnam time → ISO UTC, for the datetime-local inputs of the message log. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  return new Date(value + ':00+07:00').toISOString();
}

export function isoToLocalInput(iso: string): string {
  const d = new Date(Date.parse(iso) + 7 * 3_600_000);
  return d.toISOString().slice(0, 16);
}

export const nfc = (s: string): string => s.normalize('NFC').trim();

/** Folds case and Vietnamese tone marks: "so tu phap" finds "Sở Tư pháp". */
const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase();

/** Whether any of the fields contains the typed text (ignoring case and tone marks); empty text matches all. */
export function matches(query: string, ...fields: (string | null | undefined)[]): boolean {
  const q = fold(query.trim());
  return !q || fields.some((f) => f != null && fold(f).includes(q));
}
