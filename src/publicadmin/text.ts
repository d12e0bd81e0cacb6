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
