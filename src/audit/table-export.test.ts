import { describe, it, expect } from 'vitest';
import { createTestStore, testEngines } from '../store/testing.js';
import { recordAdminAction, listAdminTrail, exportAdminTrail, csvField } from './index.js';

const collect = async (g: AsyncIterable<string>) => { let s = ''; for await (const c of g) s += c; return s; };

describe('CSV fields', () => {
  it('quotes separators, quotes and line breaks, and defuses formulas', () => {
    expect(csvField('Sở Tư pháp')).toBe('Sở Tư pháp');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(1)')).toBe("'@SUM(1)");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
    expect(csvField({ name: 'x' })).toBe('"{""name"":""x""}"');
  });
});

describe.each(testEngines())('admin trail filters and export on %s', (engine) => {
  it('filters by action group and by text in target or actor; exports the filtered view as CSV and JSON Lines', async () => {
    const t = await createTestStore(engine);
    try {
      const rows = [
        { actor: 'user:admin', action: 'member.add', target: 'GOV/000.00.00.H59' },
        { actor: 'user:admin', action: 'member.update', target: 'GOV/000.00.00.H59' },
        { actor: 'cli:root', action: 'membership.other', target: 'GOV/000.00.00.H60' },
        { actor: 'user:yte', action: 'service.add', target: 'GOV/000.00.00.H61/yte/kham_benh%' },
      ];
      for (const r of rows) await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { ...r, after: { name: 'Sở, "Y tế"' } }));
      // A group is the action's first part: "member" is not "membership".
      expect((await listAdminTrail(t.store, { action: 'member' })).items.map((x) => x.action)).toEqual(['member.update', 'member.add']);
      expect((await listAdminTrail(t.store, { action: 'member.add' })).items.map((x) => x.seq)).toEqual([1]);
      // Text in the target or the actor, ignoring case; LIKE's wildcards are taken as typed.
      expect((await listAdminTrail(t.store, { q: 'h60' })).items.map((x) => x.seq)).toEqual([3]);
      expect((await listAdminTrail(t.store, { q: 'YTE' })).items.map((x) => x.seq)).toEqual([4]);
      expect((await listAdminTrail(t.store, { q: '_benh%' })).items.map((x) => x.seq)).toEqual([4]);
      expect((await listAdminTrail(t.store, { q: 'h_0' })).items).toEqual([]);

      const csv = await collect(await exportAdminTrail(t.store, { action: 'member' }, 'csv'));
      const lines = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      expect(lines[0]).toBe('seq,at,actor,action,target,address,before,after');
      expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['member.update', 'member.add']);
      expect(lines[1]).toContain('"{""name"":""Sở, \\""Y tế\\""""}"');
      const jsonl = (await collect(await exportAdminTrail(t.store, { q: 'yte' }, 'jsonl'))).trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(jsonl).toEqual([expect.objectContaining({ seq: 4, action: 'service.add', after: { name: 'Sở, "Y tế"' } })]);
      // A bad filter is refused before any file starts.
      await expect(exportAdminTrail(t.store, { from: 'yesterday' }, 'csv')).rejects.toThrow();
    } finally {
      await t.cleanup();
    }
  });
});
