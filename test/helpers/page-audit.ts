// The page checks of the console's browser tests (issue 14, "done when"), run in Chromium: no
// horizontal overflow, no English words in the Vietnamese console (against the English catalogue,
// with an explicit allow-list of technical terms), no serious or critical axe-core violations,
// and whatever reacts to a click reachable by keyboard. Used by console-audit.browser.test.ts
// over every page and by the tests of single pages.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';

// Page-side code below runs in Chromium; the server's tsconfig has no DOM types, so they are declared loosely here.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Element = any; type HTMLElement = any; type HTMLButtonElement = any; type HTMLInputElement = any; type Document = any;
declare const document: any; declare const window: any; declare const NodeFilter: any; declare function getComputedStyle(e: unknown): any;

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Words that are the same in both consoles on purpose: protocol and product names, HTTP terms,
 * formats, units. Anything else of the English catalogue seen in the Vietnamese console fails.
 */
const ALLOWED = new Set([
  'vamco', 'api', 'apis', 'openapi', 'rest', 'soap', 'wsdl', 'json', 'jsonl', 'csv', 'url', 'http', 'https', 'tls', 'get', 'post', 'put', 'patch', 'delete', 'head', 'options',
  'x', 'road', 'xroad', 'id', 'ids', 'totp', 'oauth', 'edxml', 'docid', 'documentid', 'traceheader', 'backend', 'endpoint', 'endpoints', 'token', 'tokens', 'curl',
  'ms', 'kb', 'mb', 'b', 's', 'gov', 'com', 'org', 'ngo', 'edu', 'vi', 'en', 'ok', 'sha', 'hash', 'prometheus', 'bearer', 'authorization', 'key', 'userid', 'issue',
  'metadata', 'fragment', 'client', 'qr', 'ca', 'pki', 'rfc', 'yaml', 'email', 'online', 'qcvn',
  // The first account's username (data): the trail names its actor "Người dùng admin".
  'admin',
]);

/** English words of the console's catalogue that its Vietnamese catalogue never uses. */
async function englishOnlyWords(): Promise<Set<string>> {
  // Loaded by path: web/ is typechecked by its own tsconfig (DOM types), not the server's.
  const i18n = (await import(pathToFileURL(path.resolve('web/src/i18n.ts')).href)).default as { getResourceBundle(l: string, ns: string): Record<string, string> };
  const words = (dict: Record<string, string>) => new Set(Object.values(dict).join(' ').replace(/\{\{[^}]*\}\}/g, ' ').toLowerCase().split(/[^a-z]+/).filter((w) => w.length >= 2));
  const en = words(i18n.getResourceBundle('en', 'translation') as Record<string, string>);
  const vi = words(i18n.getResourceBundle('vi', 'translation') as Record<string, string>);
  // Common words a hard-coded English string would use, beyond the catalogue's own.
  for (const w of ['the', 'and', 'with', 'from', 'loading', 'submit', 'close', 'open', 'nothing', 'found', 'rows', 'page', 'previous', 'next', 'parameters', 'responses', 'response', 'required', 'schema', 'example', 'description', 'request', 'body', 'name', 'type', 'status']) en.add(w);
  // A word both catalogues use (a Vietnamese syllable spelt like an English word: "an", "to") is not evidence.
  return new Set([...en].filter((w) => !vi.has(w) && !ALLOWED.has(w)));
}
let ENGLISH = new Set<string>();

/** Loads the English-only words once (call before `checkPage` in Vietnamese). */
export async function loadEnglishWords(): Promise<Set<string>> {
  if (!ENGLISH.size) ENGLISH = await englishOnlyWords();
  return ENGLISH;
}

export interface PageReport { overflow: string[]; english: string[]; axe: string[]; keyboard: string[] }

/** Runs in the page: overflow, visible text and keyboard reachability. */
function inspect(): Omit<PageReport, 'axe'> & { text: string } {
  const doc = document;
  const vw = doc.documentElement.clientWidth;
  const overflow: string[] = [];
  const se = doc.scrollingElement!;
  if (se.scrollWidth > se.clientWidth) overflow.push(`document ${se.scrollWidth} > ${se.clientWidth}`);
  const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
  const visible = (el: Element) => {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && !el.closest('[aria-hidden="true"]');
  };
  const main = doc.querySelector('main') ?? doc.body;
  const mainRight = main.getBoundingClientRect().right;
  for (const el of main.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    // Wider than the viewport, or running past the main area's right edge (clipped by a scroll container or not).
    if (r.width > vw + 1 || r.right > mainRight + 1) {
      // Report the outermost offender only.
      const parent = el.parentElement;
      const pr = parent?.getBoundingClientRect();
      if (!parent || !pr || !(pr.width > vw + 1 || pr.right > mainRight + 1)) overflow.push(`${describe(el)} right=${Math.round(r.right)} width=${Math.round(r.width)} main right=${Math.round(mainRight)}`);
    }
  }
  // What a reader sees or hears: rendered text, accessible names, placeholders, titles.
  // Content marked translate="no" (usernames, identifiers, the OpenAPI renderer marked lang="en"),
  // its text and its attributes, is data, not the console's language.
  const parts = [doc.title];
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style, [translate="no"]') || !visible(el)) continue;
    parts.push(n.textContent ?? '');
  }
  for (const el of doc.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')) {
    if ((!visible(el) && el.tagName !== 'INPUT') || el.closest('[translate="no"]')) continue;
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) { const v = el.getAttribute(a); if (v) parts.push(v); }
  }
  // Keyboard: whatever reacts to a click must be reachable by Tab.
  const keyboard: string[] = [];
  const focusable = (el: Element) => (el as HTMLElement).tabIndex >= 0 && !(el as HTMLButtonElement).disabled;
  for (const a of doc.querySelectorAll('a')) if (visible(a) && !a.hasAttribute('href') && a.getAttribute('role') !== 'button' && !focusable(a)) keyboard.push(`link without target: ${describe(a)}`);
  for (const a of doc.querySelectorAll('a:not([href])')) if (visible(a) && a.getAttribute('role') !== 'button' && a.getAttribute('role') !== 'tab') keyboard.push(`link without href: ${describe(a)}`);
  for (const el of doc.querySelectorAll('button, [role="button"], [role="tab"], [role="link"], input, select, textarea, a[href]')) {
    if (!visible(el) || (el as HTMLButtonElement).disabled || el.getAttribute('aria-disabled') === 'true') continue;
    // Radio groups and segmented controls: one member of the group takes the tab stop.
    if ((el as HTMLInputElement).type === 'radio' || el.getAttribute('role') === 'tab') continue;
    // Options of a list box and items of an open menu: the arrow keys move between them (one tab stop, the ARIA patterns).
    if ((el as HTMLElement).tabIndex < 0 && !el.closest('[data-combobox-options], [role="listbox"], [role="menu"]')) keyboard.push(`not focusable: ${describe(el)}`);
  }
  for (const el of main.querySelectorAll('*')) {
    if (!visible(el) || getComputedStyle(el).cursor !== 'pointer') continue;
    if (el.closest('label, a[href], button, input, select, textarea, [role="button"], [role="tab"], [role="radio"], [role="switch"], [role="checkbox"], [role="option"], [tabindex]:not([tabindex="-1"])')) continue;
    if (el.parentElement && getComputedStyle(el.parentElement).cursor === 'pointer') continue;
    keyboard.push(`clickable but not focusable: ${describe(el)}`);
  }
  return { overflow, english: [], keyboard, text: parts.join('\n') };
}

export function englishWords(text: string): string[] {
  const found = new Set<string>();
  for (const raw of text.split(/\s+/)) {
    // Ids, paths, addresses, codes, numbers and placeholders are data, not language.
    if (/[/.:_@{}=<>\\0-9#]/.test(raw.replace(/[.:,;!?)]+$/, ''))) continue;
    for (const w of raw.toLowerCase().split(/[^a-zà-ỹđ]+/)) if (w && ENGLISH.has(w)) found.add(w);
  }
  return [...found].sort();
}


/** The checks on the page as it is now: overflow, English (in the Vietnamese console), axe, keyboard. */
export async function checkPage(page: Page, lang: 'vi' | 'en'): Promise<PageReport> {
  if (lang === 'vi') await loadEnglishWords();
  await page.waitForLoadState('networkidle');
  // Dialogs and notices fade in and out: contrast is judged once those transitions are over, not
  // mid-fade (a looping spinner never ends, so it does not count).
  await page.waitForFunction(() => (globalThis as any).document.getAnimations().every((a: any) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity), undefined, { timeout: 30_000 });
  const r = await page.evaluate(inspect);
  // Evaluated through the debugger, not as a <script>: the console's CSP rightly refuses inline scripts.
  if (!(await page.evaluate('typeof window.axe'))?.toString().startsWith('object')) await page.evaluate(AXE);
  const axe = await page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, { resultTypes: ['violations'] });
    return res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  return { overflow: r.overflow, english: lang === 'vi' ? englishWords(r.text) : [], axe, keyboard: r.keyboard };
}
