// The publicadmin backend over real HTTP on both engines: admin-unit facts, dossier codes under
// concurrency, due dates, transitions, statistics against a hand count, the read log.
import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { fetch, Pool } from 'undici';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createTestStore, testEngines, type TestStore } from '../src/store/testing.js';
import { importAgencies, importProcedures, publicAdminAdminRoutes, seedPublicAdmin, startPublicAdminBackend, PUBLICADMIN_SERVICES } from '../src/publicadmin/index.js';
import { loadUnits } from '../src/publicadmin/units/units.js';

const SECRET = 'test-backend-secret';
const CLIENT = 'DEV/GOV/000.00.00.H99/portal';
const AGENCY = '000.00.01.H99';
const PROC3 = '1.999003';
const CODE_RE = /^000\.00\.01\.H99-\d{6}-\d{4}$/;

describe.each(testEngines())('publicadmin backend on %s', (engine) => {
  let t: TestStore;
  let url: string;
  let close: () => Promise<void>;
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}, dispatcher?: Pool) => {
    const res = await fetch(url + p, {
      method, dispatcher,
      headers: { 'x-vamco-backend-secret': SECRET, 'x-road-client': CLIENT, 'x-road-userid': 'VN123456789', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  };
  const create = (extra: Record<string, unknown> = {}, dispatcher?: Pool) => call('POST', '/dossiers/dossiers', {
    procedureCode: PROC3, agencyCode: AGENCY, applicant: { name: 'Nguyễn Văn A', type: 1, idNumber: '079123456789', phone: '0900000000' }, ...extra,
  }, {}, dispatcher);

  beforeAll(async () => {
    t = await createTestStore(engine);
    await seedPublicAdmin(t.store, { demo: true });
    const agencies = path.join(t.dataDir, 'agencies.json');
    fs.writeFileSync(agencies, JSON.stringify([
      { code: '000.00.02.H99', name: 'Sở Xây dựng (thử)', unitCode: '27712' },
      { code: '000.00.03.H99', name: 'Sở Kế hoạch (thử)' },
    ]));
    expect(await importAgencies(t.store, agencies)).toEqual({ imported: 2 });
    const procs = path.join(t.dataDir, 'procedures.json');
    fs.writeFileSync(procs, JSON.stringify({ data: [
      { MATTHC: PROC3, TENTTHC: 'Thủ tục thử ba ngày', LINHVUCTHUCHIEN: [{ MALINHVUC: 'G01', TENLINHVUC: 'Lĩnh vực thử' }],
        CACHTHUCTHUCHIEN: [{ KENH: 1, THOIGIAN: [{ THOIGIANGIAIQUYET: '3', DONVITINH: 'Ngày làm việc', MOTA: '', PHILEPHI: [{ SOTIEN: '50000', DONVI: 'Đồng', MOTA: 'Lệ phí' }] }] },
          { KENH: 2, THOIGIAN: [{ THOIGIANGIAIQUYET: 2, DONVITINH: 'Ngày làm việc', MOTA: 'trực tuyến' }] }] },
      { MATTHC: '1.999004', TENTTHC: 'Thủ tục thử bốn ngày', CACHTHUCTHUCHIEN: [{ KENH: 1, THOIGIAN: [{ THOIGIANGIAIQUYET: 4, DONVITINH: 'Ngày làm việc' }] }] },
    ] }));
    expect(await importProcedures(t.store, procs)).toEqual({ imported: 2 });
    const b = await startPublicAdminBackend({ store: t.store, config: loadConfig({}), sharedSecret: SECRET, port: 0 });
    url = b.url;
    close = b.close;
  });
  afterAll(async () => {
    await close?.();
    await t?.cleanup();
  });

  it('refuses callers without the gateway secret (401 problem+json)', async () => {
    const r = await call('GET', '/admin-units/provinces', undefined, { 'x-vamco-backend-secret': 'wrong' });
    expect(r.status).toBe(401);
    expect(r.type).toContain('application/problem+json');
    expect(r.body.code).toBe('UNAUTHENTICATED');
  });

  it('has 34 provinces, Tây Ninh is 80', async () => {
    const r = await call('GET', '/admin-units/provinces');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(34);
    expect(r.body.items).toHaveLength(34);
    expect(r.body.items.find((p: any) => p.code === '80')).toMatchObject({ name: 'Tỉnh Tây Ninh', type: 'Tỉnh' });
    // Đồng Nai became a centrally-run city on 2026-04-30.
    expect((await call('GET', '/admin-units/units/75?at=2026-04-29')).body.name).toBe('Tỉnh Đồng Nai');
    expect((await call('GET', '/admin-units/units/75?at=2026-04-30')).body).toMatchObject({ name: 'Thành phố Đồng Nai', type: 'Thành phố', validFrom: '2026-04-30' });
  });

  it('answers unit 27712 differently before and after 2025-07-01', async () => {
    const before = await call('GET', '/admin-units/units/27712?at=2025-06-30');
    expect(before.body).toMatchObject({ code: '27712', name: 'Xã Bình Tâm', level: 'commune', validTo: '2025-06-30', districtName: 'Thành phố Tân An', provinceCode: '80', provinceName: 'Tỉnh Long An' });
    const now = await call('GET', '/admin-units/units/27712');
    expect(now.body).toMatchObject({ code: '27712', name: 'Phường Tân An', level: 'commune', provinceCode: '80', provinceName: 'Tỉnh Tây Ninh', validFrom: '2025-07-01', validTo: null });
    expect((await call('GET', '/admin-units/units/27712?at=2025-13-01')).status).toBe(400);
    expect((await call('GET', '/admin-units/units/99999')).status).toBe(404);
  });

  it('maps old 27698 (Phường 7, Tân An) to 27712', async () => {
    const r = await call('GET', '/admin-units/mappings?oldCode=27698');
    expect(r.body.total).toBe(1);
    expect(r.body.items[0]).toMatchObject({ oldCode: '27698', oldName: 'Phường 7', oldDistrictName: 'Thành phố Tân An', oldProvinceCode: '80', newCode: '27712', newName: 'Phường Tân An', newProvinceCode: '80', kind: 'merged', effectiveFrom: '2025-07-01' });
    const back = await call('GET', '/admin-units/mappings?newCode=27712');
    expect(back.body.items.map((m: any) => m.oldCode)).toEqual(expect.arrayContaining(['27698', '27712', '27706', '27718']));
    expect((await call('GET', '/admin-units/mappings')).status).toBe(400);
  });

  it('finds Phường Tân An for "tan an" in province 80, ignoring diacritics, case and tone placement', async () => {
    const r = await call('GET', '/admin-units/units?provinceCode=80&q=tan%20an');
    expect(r.body.items[0]).toMatchObject({ code: '27712', name: 'Phường Tân An' });
    expect(r.body.items.every((u: any) => u.provinceCode === '80')).toBe(true);
    const upper = await call('GET', `/admin-units/units?provinceCode=80&q=${encodeURIComponent('TÂN AN')}`);
    expect(upper.body.total).toBe(r.body.total);
    const a = await call('GET', `/admin-units/units?q=${encodeURIComponent('Hòa')}&limit=1`);
    const b = await call('GET', `/admin-units/units?q=${encodeURIComponent('Hoà'.normalize('NFD'))}&limit=1`);
    expect(a.body.total).toBeGreaterThan(0);
    expect(b.body.total).toBe(a.body.total);
  });

  it('serves agencies and validates their codes', async () => {
    const r = await call('GET', '/agencies/agencies');
    expect(r.body.total).toBe(4);
    expect((await call('GET', `/agencies/agencies/${AGENCY}`)).body).toMatchObject({ level: 2, parentCode: '000.00.00.H99' });
    const bad = path.join(t.dataDir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify([{ code: '00.00.00.H99', name: 'x' }]));
    await expect(importAgencies(t.store, bad)).rejects.toThrow(/Quyết định 20\/2020/);
  });

  it('serves procedures with processingDays', async () => {
    expect((await call('GET', `/procedures/procedures/${PROC3}`)).body).toMatchObject({ code: PROC3, processingDays: 3, fieldCode: 'G01' });
    expect((await call('GET', '/procedures/procedures/1.001193')).body).toMatchObject({ name: 'Thủ tục đăng ký khai sinh', processingDays: 1 });
  });

  it('dates a dossier received Tuesday 2026-04-28 with 3 working days to 2026-05-05', async () => {
    const r = await create({ receivedAt: '2026-04-28T09:00:00+07:00' });
    expect(r.status).toBe(201);
    expect(r.body.code).toMatch(/^000\.00\.01\.H99-260428-\d{4}$/);
    expect(r.body).toMatchObject({ status: 2, dueDate: '2026-05-05', dueAt: '2026-05-05T10:00:00.000Z', processingDays: 3 });
    const d = await call('GET', `/dossiers/dossiers/${r.body.code}?format=dvcqg`);
    expect(d.body).toMatchObject({ MaHoSo: r.body.code, MaTTHC: PROC3, NgayTiepNhan: '20260428090000', NgayHenTra: '20260505170000', TrangThaiHoSo: '2', ChuHoSo: 'Nguyễn Văn A', LoaiDoiTuong: '1', MaLinhVuc: 'G01' });
  });

  it('rejects bad input with 400 and a clear message', async () => {
    const r = await call('POST', '/dossiers/dossiers', { procedureCode: PROC3, agencyCode: AGENCY });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('VALIDATION_FAILED');
    expect(r.body.detail).toMatch(/applicant/);
    const unknown = await create({ procedureCode: '9.999999' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/9\.999999/);
    expect((await create({ receivedAt: '2026-04-28 09:00' })).status).toBe(400);
  });

  it('gives 1,000 concurrent creations for one agency and day 1,000 distinct well-formed codes', async () => {
    const receivedAt = '2026-03-10T10:00:00+07:00';
    // All 1,000 at once over 64 connections, as in publicadmin.e2e.test.ts: a thousand sockets
    // opened at once are reset or time out on a busy two-core machine before any handler runs.
    const pool = new Pool(url, { connections: 64 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => create({ receivedAt }, pool))).finally(() => pool.close());
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
    const codes = results.map((r) => r.body.code as string);
    expect(new Set(codes).size).toBe(1000);
    for (const c of codes) expect(c).toMatch(CODE_RE);
    const seqs = codes.map((c) => Number(c.slice(-4))).sort((a, b) => a - b);
    expect(seqs[0]).toBe(1);
    expect(seqs[999]).toBe(1000);
    expect(codes.every((c) => c.includes('-260310-'))).toBe(true);
  });

  it('enforces the transition table (409) and pauses the clock on a supplement request', async () => {
    const { body: d } = await create({ receivedAt: '2026-04-28T09:00:00+07:00' });
    const illegal = await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 10 });
    expect(illegal.status).toBe(409);
    expect(illegal.type).toContain('application/problem+json');
    expect(illegal.body).toMatchObject({ code: 'INVALID_TRANSITION', from: 2, to: 10 });
    expect((await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 11 })).status).toBe(400);
    const processing = await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 4, note: 'Chuyển phòng chuyên môn' }, { 'x-road-userid': 'officer-1' });
    expect(processing.body.status).toBe(4);
    const sup = await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 5, note: 'Thiếu bản sao' });
    expect(sup.body).toMatchObject({ status: 5, clockPaused: true });
    const back = await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 4, note: 'Đã bổ sung' });
    expect(back.body.clockPaused).toBe(false);
    expect(back.body.dueAt > d.dueAt).toBe(true); // restarted in full from the resubmission
    const done = await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 9 });
    expect(done.body.finishedAt).toBeTruthy();
    const returned = await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 10 });
    expect(returned.body.status).toBe(10);
    expect((await call('POST', `/dossiers/dossiers/${d.code}/transitions`, { to: 4 })).status).toBe(409);
    expect(returned.body.history.map((h: any) => h.to)).toEqual([2, 4, 5, 4, 9, 10]);
    expect(returned.body.history[1]).toMatchObject({ note: 'Chuyển phòng chuyên môn', by: { client: CLIENT, userId: 'officer-1' } });
    const dv = await call('GET', `/dossiers/dossiers/${d.code}?format=dvcqg`);
    expect(dv.body.DanhSachHoSoBoSung).toHaveLength(1);
    expect(dv.body.DanhSachHoSoBoSung[0].NoiDungBoSung).toBe('Thiếu bản sao');
  });

  it('keeps personal data out of /status and logs every full read for auditors', async () => {
    const { body: d } = await create();
    const st = await call('GET', `/dossiers/dossiers/${d.code}/status`);
    expect(st.status).toBe(200);
    expect(JSON.stringify(st.body)).not.toMatch(/Nguyễn|079123456789|0900000000|VN123456789/);
    await call('GET', `/dossiers/dossiers/${d.code}`, undefined, { 'x-road-userid': 'auditee-7', 'x-road-issue': 'HS-check' });
    const admin = Fastify();
    await admin.register(publicAdminAdminRoutes, { prefix: '/api/v1', store: t.store });
    const reads = await admin.inject({ method: 'GET', url: `/api/v1/publicadmin/dossier-reads?dossierCode=${encodeURIComponent(d.code)}` });
    expect(reads.json()).toMatchObject({ total: 1, items: [{ dossierCode: d.code, client: CLIENT, userId: 'auditee-7', issue: 'HS-check', format: 'vamco' }] });
    const cal = await admin.inject({ method: 'GET', url: '/api/v1/publicadmin/calendar/2026' });
    expect(cal.json().items.map((x: any) => x.date)).toEqual(expect.arrayContaining(['2026-02-17', '2026-04-27', '2026-04-30', '2026-05-01']));
    const bad = await admin.inject({ method: 'POST', url: '/api/v1/publicadmin/agencies', payload: { code: 'H59', name: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    await admin.close();
  });

  it('agrees with a hand count in /stats', async () => {
    const agency = '000.00.03.H99';
    const past = '2026-01-05T09:00:00+07:00'; // due long ago
    const mk = async (proc: string, receivedAt?: string) => (await call('POST', '/dossiers/dossiers', { procedureCode: proc, agencyCode: agency, applicant: { name: 'B' }, ...(receivedAt ? { receivedAt } : {}) })).body.code as string;
    const go = (code: string, ...tos: number[]) => tos.reduce((p, to) => p.then(() => call('POST', `/dossiers/dossiers/${code}/transitions`, { to })), Promise.resolve({} as any));
    // Procedure A (PROC3): on time, on time and returned, late.
    await go(await mk(PROC3), 4, 9);
    await go(await mk(PROC3), 9, 10);
    await go(await mk(PROC3, past), 4, 9);
    // Procedure B (1.999004): overdue, paused (not overdue), stopped (closed), in progress (not yet due).
    await mk('1.999004', past);
    await go(await mk('1.999004', past), 5);
    await go(await mk('1.999004', past), 8); // stopped (closed without result)
    await go(await mk('1.999004'), 4);
    const s = (await call('GET', `/dossiers/stats?agencyCode=${agency}`)).body;
    expect(s.total).toEqual({ received: 7, finishedOnTime: 2, finishedLate: 1, overdueNow: 1, onTimeRate: 0.6667 });
    expect(s.byAgency).toEqual([{ agencyCode: agency, received: 7, finishedOnTime: 2, finishedLate: 1, overdueNow: 1, onTimeRate: 0.6667 }]);
    expect(s.byProcedure).toEqual([
      { procedureCode: PROC3, received: 3, finishedOnTime: 2, finishedLate: 1, overdueNow: 0, onTimeRate: 0.6667 },
      { procedureCode: '1.999004', received: 4, finishedOnTime: 0, finishedLate: 0, overdueNow: 1, onTimeRate: null },
    ]);
    const jan = (await call('GET', `/dossiers/stats?agencyCode=${agency}&from=2026-01-05&to=2026-01-05`)).body;
    expect(jan.total.received).toBe(4);
    expect((await call('GET', '/dossiers/stats?from=2026-1-5')).status).toBe(400);
  });

  it('pages the change feed in order with a cursor', async () => {
    const first = (await call('GET', '/dossiers/changes?limit=5')).body;
    expect(first.items).toHaveLength(5);
    expect(first.items[0].kind).toBe('created');
    const next = (await call('GET', `/dossiers/changes?after=${first.nextCursor}&limit=5`)).body;
    expect(Number(next.items[0].cursor)).toBeGreaterThan(Number(first.nextCursor));
    expect(next.total).toBe(first.total - 5);
    expect(JSON.stringify(first.items)).not.toMatch(/Nguyễn/);
    expect((await call('GET', '/dossiers/changes?after=abc')).status).toBe(400);
  });

  it('publishes an OpenAPI 3 document per service', () => {
    expect(PUBLICADMIN_SERVICES.map((s) => s.code)).toEqual(['admin-units', 'agencies', 'procedures', 'dossiers']);
    const doc = PUBLICADMIN_SERVICES.find((s) => s.code === 'dossiers')!.openapi as any;
    expect(doc.openapi).toMatch(/^3\.0/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/dossiers', '/dossiers/{code}', '/dossiers/{code}/transitions', '/stats', '/changes']));
  });

  it('seeds idempotently and quickly on a second start; loads an operator units file', async () => {
    const t0 = Date.now();
    await seedPublicAdmin(t.store, { demo: true });
    expect(Date.now() - t0).toBeLessThan(2000);
    const file = path.join(t.dataDir, 'units.json');
    fs.writeFileSync(file, JSON.stringify({ effectiveFrom: '2027-01-01', source: 'QĐ thử', units: [{ code: '27712', name: 'Phường Tân An Mới', provinceCode: '80' }], mappings: [{ oldCode: '27694', newCode: '27712' }] }));
    expect((await loadUnits(t.store, file)).loaded).toBe(true);
    expect((await loadUnits(t.store, file)).loaded).toBe(false);
    expect((await call('GET', '/admin-units/units/27712?at=2026-12-31')).body).toMatchObject({ name: 'Phường Tân An', validTo: '2026-12-31' });
    expect((await call('GET', '/admin-units/units/27712?at=2027-01-01')).body).toMatchObject({ name: 'Phường Tân An Mới', validFrom: '2027-01-01' });
    expect((await call('GET', '/admin-units/mappings?oldCode=27694')).body.items.map((m: any) => m.effectiveFrom)).toContain('2027-01-01');
    await loadUnits(t.store); // back to the package alone
    expect((await call('GET', '/admin-units/units/27712?at=2027-01-01')).body.name).toBe('Phường Tân An');
  });
});
