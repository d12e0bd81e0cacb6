// The role-matrix cells of the console's publicadmin routes, and the world they need.
import { adminOnly, ownRead, readAll, type Case, type World } from './world.js';
import { createDossier } from '../../src/publicadmin/dossiers/dossiers.js';
import { fromLayThuTuc, saveProcedure } from '../../src/publicadmin/procedures/procedures.js';

// The shared world starts platforms without the publicadmin wing (it seeds ~14,000 unit rows)
// and on SQLite; these tests need the wing, and the views' SQL runs on PostgreSQL too.

/** Agency codes equal to the member codes the agency admins are moved to. */
export const AG_A = '000.00.01.H91';
export const AG_B = '000.00.02.H91';
export const PROC = '1.991001';
export const dossiers: Record<'A' | 'B', string> = { A: '', B: '' };

/** Agencies A and B as members (their codes are the agencies' codes), a procedure, one dossier each. */
export async function setup(w: World): Promise<void> {
  for (const [code, name] of [[AG_A, 'Sở Tư pháp (thử)'], [AG_B, 'Sở Y tế (thử)']]) {
    await w.admin('POST', '/members', { memberClass: 'GOV', memberCode: code, name });
  }
  // The matrix's agency admins administer GOV/A and GOV/B; move them to members that are agencies.
  await w.admin('PATCH', '/users/a-admin', { memberId: `GOV/${AG_A}` });
  await w.admin('PATCH', '/users/b-admin', { memberId: `GOV/${AG_B}` });
  await w.admin('POST', '/publicadmin/agencies', { code: '000.00.00.H91', name: 'UBND tỉnh (thử)', unitCode: '80' });
  await w.admin('POST', '/publicadmin/agencies', { code: AG_A, name: 'Sở Tư pháp (thử)', unitCode: '27712' });
  await w.admin('POST', '/publicadmin/agencies', { code: AG_B, name: 'Sở Y tế (thử)', unitCode: '27712' });
  const store = w.cp.platform.store;
  await saveProcedure(store, fromLayThuTuc({ MATTHC: PROC, TENTTHC: 'Thủ tục thử năm ngày', CACHTHUCTHUCHIEN: [{ KENH: 1, THOIGIAN: [{ THOIGIANGIAIQUYET: 5, DONVITINH: 'Ngày làm việc' }] }] }, 'test'));
  const actor = { client: 'test', userId: 'setup' };
  dossiers.A = (await createDossier(store, { procedureCode: PROC, agencyCode: AG_A, applicant: { name: 'Nguyễn Văn A', idNumber: '079000000001' } }, actor)).code;
  dossiers.B = (await createDossier(store, { procedureCode: PROC, agencyCode: AG_B, applicant: { name: 'Trần Thị B', idNumber: '079000000002' } }, actor)).code;
}

/** A new agency code of the test province H91. */
const freshAgency = (w: World) => `000.00.${String(10 + Number(w.fresh(''))).padStart(2, '0')}.H91`;
/** The n-th weekday from 1 June 2101: a distinct working day per call (no holiday falls in June–August). */
function freshWeekday(n: number): string {
  const d = new Date(Date.UTC(2101, 5, 1));
  for (let left = n; left > 0 || d.getUTCDay() === 0 || d.getUTCDay() === 6;) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}
/** A one-day decision on a fresh working day, as an operator enters one. */
const rule = (w: World) => ({ kind: 'day-off', date: freshWeekday(Number(w.fresh(''))), name: 'Nghỉ (thử)', source: 'Văn bản 1/VPCP-KGVX (thử)' });

const get = (path: string) => async () => ({ method: 'GET', path });

export const publicadminCases: Case[] = [
  { name: 'GET /publicadmin/provinces', req: get('/publicadmin/provinces?at=2025-06-30'), expect: readAll() },
  { name: 'GET /publicadmin/units', req: get('/publicadmin/units?provinceCode=80&q=tan%20an'), expect: readAll() },
  { name: 'GET /publicadmin/units/{code}', req: get('/publicadmin/units/27712?at=2025-06-30'), expect: readAll() },
  { name: 'GET /publicadmin/units/{code} (unknown)', req: get('/publicadmin/units/99999'), expect: readAll(404) },
  { name: 'GET /publicadmin/agencies', req: get('/publicadmin/agencies'), expect: readAll() },
  { name: 'GET /publicadmin/procedures', req: get('/publicadmin/procedures'), expect: readAll() },
  { name: 'GET /publicadmin/procedures/{code}', req: get(`/publicadmin/procedures/${PROC}`), expect: readAll() },
  // Without a filter every role gets 200; agency admins get their own agency's dossiers only.
  { name: 'GET /publicadmin/dossiers', req: get('/publicadmin/dossiers'), expect: readAll() },
  { name: 'GET /publicadmin/dossiers?agencyCode= (A)', req: get(`/publicadmin/dossiers?agencyCode=${AG_A}&overdue=false`), expect: ownRead() },
  { name: 'GET /publicadmin/dossiers/{code} (A)', req: async () => ({ method: 'GET', path: `/publicadmin/dossiers/${dossiers.A}` }), expect: ownRead() },
  { name: 'GET /publicadmin/dossiers/{code} (unknown)', req: get('/publicadmin/dossiers/000.00.01.H91-200101-0001'), expect: readAll(404) },
  { name: 'GET /publicadmin/stats', req: get('/publicadmin/stats?from=2026-01-01'), expect: readAll() },
  // The log the detail view writes to holds who read whose personal data: not for agency admins.
  { name: 'GET /publicadmin/dossier-reads', req: get('/publicadmin/dossier-reads?client=console'), expect: { ...adminOnly(200), auditor: 200 } },
  { name: 'GET /publicadmin/agencies/{code}', req: get(`/publicadmin/agencies/${AG_A}`), expect: readAll() },
  // Holidays: every role reads them; only platform admins enter decisions or move deadlines.
  { name: 'GET /publicadmin/calendar/{year}', req: get('/publicadmin/calendar/2026'), expect: readAll() },
  { name: 'GET /publicadmin/holiday-rules', req: get('/publicadmin/holiday-rules?year=2026'), expect: readAll() },
  // Writes stay with platform admins.
  { name: 'PUT /publicadmin/agencies/{code}', req: async () => ({ method: 'PUT', path: `/publicadmin/agencies/${AG_B}`, body: { name: 'Sở Y tế (đổi tên)', unitCode: '27712' } }), expect: adminOnly(200) },
  { name: 'DELETE /publicadmin/agencies/{code}', req: async (w) => { const code = freshAgency(w); await w.admin('POST', '/publicadmin/agencies', { code, name: 'Cơ quan sẽ xóa' }); return { method: 'DELETE', path: `/publicadmin/agencies/${code}` }; }, expect: adminOnly(204) },
  { name: 'POST /publicadmin/holiday-rules', req: async (w) => ({ method: 'POST', path: '/publicadmin/holiday-rules', body: rule(w) }), expect: adminOnly(201) },
  { name: 'POST /publicadmin/dossiers/recompute-deadlines', req: async () => ({ method: 'POST', path: '/publicadmin/dossiers/recompute-deadlines', body: { dryRun: true } }), expect: adminOnly(200) },
  { name: 'PATCH /publicadmin/holiday-rules/{id}', req: async (w) => ({ method: 'PATCH', path: `/publicadmin/holiday-rules/${(await w.admin('POST', '/publicadmin/holiday-rules', rule(w))).id}`, body: { name: 'Ngày nghỉ (đổi tên)' } }), expect: adminOnly(200) },
  { name: 'DELETE /publicadmin/holiday-rules/{id}', req: async (w) => ({ method: 'DELETE', path: `/publicadmin/holiday-rules/${(await w.admin('POST', '/publicadmin/holiday-rules', rule(w))).id}` }), expect: adminOnly(204) },
  { name: 'POST /publicadmin/agencies', req: async (w) => ({ method: 'POST', path: '/publicadmin/agencies', body: { code: `000.00.${String(10 + Number(w.fresh(''))).padStart(2, '0')}.H91`, name: 'Cơ quan mới' } }), expect: adminOnly(201) },
];

export const PUBLICADMIN = { env: { VAMCO_PUBLICADMIN: '1' } };
