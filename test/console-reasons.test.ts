// One catalogue of error reasons: every `reason` the server puts in a problem (reason('…') in
// src) has a sentence in the console's Vietnamese and English catalogues (web/src/i18n*.ts),
// so no server error reaches a Vietnamese operator as an English detail.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe('error reasons', () => {
  const thrown = new Set<string>();
  for (const f of sources('src')) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\b(?:reason|why)\('([a-z_]+)'/g)) thrown.add(m[1]);
    for (const m of text.matchAll(/reason: '([a-z_]+)'/g)) thrown.add(m[1]);
  }
  // web/src/i18n.ts and the per-area files it merges in (i18n-twostep.ts, i18n-federation.ts, …).
  const catalogue = fs.readdirSync('web/src').filter((f) => /^i18n(-[a-z0-9-]+)?\.ts$/.test(f))
    .map((f) => fs.readFileSync(path.join('web/src', f), 'utf8')).join('\n');

  it('finds the reasons the server gives', () => {
    expect([...thrown]).toEqual(expect.arrayContaining(['wrong_credentials', 'wrong_code', 'password_short', 'already_exists', 'backend_internal', 'request_pending']));
  });

  it('has a Vietnamese and an English sentence for each', () => {
    const missing = [...thrown].filter((r) => (catalogue.match(new RegExp(`'reason\\.${r}':`, 'g')) ?? []).length !== 2);
    expect(missing).toEqual([]);
  });
});

// The admin trail names each action in the console's words (Trail.tsx: trailAction.<action, dots as
// underscores>), else the raw English action name reaches a Vietnamese operator. Federation's
// actions: every peer.* and outbound.* the server writes has a Vietnamese and an English label.
describe('federation trail actions', () => {
  const written = new Set<string>();
  for (const f of ['src/registry/peers.ts', 'src/platform/federation.ts']) {
    // Action names only: not the pki file names peer.key and peer.crt.
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/'((?:peer|outbound)\.[a-z-]+)'/g)) if (!/\.(key|crt)$/.test(m[1])) written.add(m[1]);
  }
  const catalogue = fs.readFileSync('web/src/i18n-federation.ts', 'utf8');

  it('finds the actions the server writes', () => {
    expect([...written].sort()).toEqual(['outbound.allow', 'outbound.deny', 'peer.add', 'peer.directory-key', 'peer.directory-refused', 'peer.remove', 'peer.trust', 'peer.withdraw']);
  });

  it('has a Vietnamese and an English label for each', () => {
    const missing = [...written].filter((a) => (catalogue.match(new RegExp(`'trailAction\\.${a.replace(/\./g, '_')}':`, 'g')) ?? []).length !== 2);
    expect(missing).toEqual([]);
  });
});
