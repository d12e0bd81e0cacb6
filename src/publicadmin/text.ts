// Vietnamese text handling for matching. Sources disagree on Unicode form (NFC vs NFD) and on
// where the tone mark sits (old style "Hoà" vs new style "Hòa"); both must match each other.

const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/g; // huyền, sắc, ngã, hỏi, nặng

/** NFC, trimmed, inner whitespace collapsed: the form every stored name is kept in. */
export function nfc(s: string): string {
  return s.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * A key that ignores where the tone mark is placed but keeps everything else: each word's
 * tone mark is taken out and appended to the word, so "Hoà" and "Hòa" give the same key.
 */
export function toneKey(s: string): string {
  return nfc(s).split(' ').map((word) => {
    const d = word.normalize('NFD');
    const tones = d.match(TONE_MARKS)?.join('') ?? '';
    return (d.replace(TONE_MARKS, '') + tones).normalize('NFC');
  }).join(' ');
}

/** Search key: lower case, no diacritics at all, đ→d — "Phường Tân An" → "phuong tan an". */
export function foldKey(s: string): string {
  return nfc(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd')
    .toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** True when two names are the same up to Unicode form and tone-mark placement. */
export function sameName(a: string, b: string): boolean {
  return toneKey(a) === toneKey(b);
}

/**
 * `f` remembering its answers, for one pass over a data set whose names repeat (the same
 * district and province names on thousands of rows): loading the units on a first start
 * normalised the same few hundred names tens of thousands of times (issue 15).
 */
export function remembering(f: (s: string) => string): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    let v = seen.get(s);
    if (v === undefined) seen.set(s, (v = f(s)));
    return v;
  };
}
