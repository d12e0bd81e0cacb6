// The administrative-procedure catalogue, imported from the national portal's procedure record
// (the shape LayThuTuc returns: MATTHC, TENTTHC, LINHVUCTHUCHIEN, CACHTHUCTHUCHIEN/THOIGIAN…).
// Field names as the portal's integrators read them (docs/publicadmin.md, "Procedures", cites
// the public code they were checked against); every value arrives as text or a number.
import fs from 'node:fs';
import { VamcoError } from '../../core/errors.js';
import type { Store } from '../../store/index.js';
import { padb, parseJson } from '../tables.js';
import { foldKey, nfc } from '../text.js';

/** PHILEPHI: MAPHILEPHI (the fee's code), SOTIEN (amount), DONVI (its unit), MOTA, URL (a fee schedule). */
export interface Fee { channel?: string; amount?: string | number | null; unit?: string | null; code?: string | null; description?: string | null; url?: string | null }
/** THANHPHANHOSO[].GIAYTO: TENGIAYTO, SOBANCHINH, SOBANSAO, MAGIAYTO, TENMAUDON/URL (the form), within a case (TRUONGHOP). */
export interface RequiredDocument {
  name: string; originals?: number | null; copies?: number | null; code?: string | null; form?: string | null; formUrl?: string | null; case?: string | null;
}
export interface Procedure {
  code: string; name: string; fieldCode: string | null; fieldName: string | null; level: string | null;
  /** Working days to settle (the largest over the ways of submitting); null when not in working days. */
  processingDays: number | null; processingNote: string | null;
  fees: Fee[]; documents: RequiredDocument[]; agencies: Array<{ code: string | null; name: string | null }>;
  results: string[]; legalBasis: string[]; publishingAgency: string | null; source: string; updatedAt: string;
}

const PROCEDURE_CODE = /^\d+\.\d{6}$/;
const CHANNELS: Record<string, string> = { '1': 'Trực tiếp', '2': 'Trực tuyến', '3': 'Dịch vụ bưu chính' };

const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : nfc(String(v)));
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : []);
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.replace(',', '.')) : NaN;
  return Number.isFinite(n) ? n : null;
};

/** Maps one LayThuTuc-shaped record to a procedure. */
export function fromLayThuTuc(r: any, source = 'import'): Omit<Procedure, 'updatedAt'> {
  if (!r || typeof r !== 'object') throw new VamcoError('VALIDATION_FAILED', 'a procedure record must be an object');
  // The portal writes MATTHC; some provincial copies of the record write MaTTHC.
  const code = str(r.MATTHC ?? r.MaTTHC);
  if (!code || !PROCEDURE_CODE.test(code)) throw new VamcoError('VALIDATION_FAILED', `MATTHC "${r.MATTHC ?? r.MaTTHC ?? ''}" is not a procedure code (e.g. 1.013979)`);
  const name = str(r.TENTTHC);
  if (!name) throw new VamcoError('VALIDATION_FAILED', `procedure ${code}: TENTTHC is required`);
  const field = arr(r.LINHVUCTHUCHIEN)[0] ?? {};
  let days: number | null = null;
  const notes: string[] = [];
  const fees: Fee[] = [];
  for (const way of arr(r.CACHTHUCTHUCHIEN)) {
    const channel = CHANNELS[String(way.KENH)] ?? str(way.KENH) ?? undefined;
    for (const t of arr(way.THOIGIAN)) {
      const n = num(t.THOIGIANGIAIQUYET);
      const unit = foldKey(String(t.DONVITINH ?? ''));
      // Only a time in working days counts toward dueAt; other units are kept as a note.
      if (n !== null && unit.includes('ngay lam viec')) days = Math.max(days ?? 0, Math.ceil(n));
      const note = [n !== null ? `${n} ${str(t.DONVITINH) ?? ''}`.trim() : null, str(t.MOTA)].filter(Boolean).join(': ');
      if (note) notes.push(channel ? `${channel} — ${note}` : note);
      for (const f of arr(t.PHILEPHI)) {
        fees.push({ channel, amount: num(f.SOTIEN) ?? str(f.SOTIEN), unit: str(f.DONVI), code: str(f.MAPHILEPHI), description: str(f.MOTA), url: str(f.URL) });
      }
    }
  }
  const documents: RequiredDocument[] = [];
  for (const part of arr(r.THANHPHANHOSO)) {
    for (const g of arr(part.GIAYTO)) {
      const n = str(g.TENGIAYTO);
      if (n) documents.push({ name: n, originals: num(g.SOBANCHINH), copies: num(g.SOBANSAO), code: str(g.MAGIAYTO), form: str(g.TENMAUDON), formUrl: str(g.URL), case: str(part.TRUONGHOP) });
    }
  }
  const agencies = arr(r.COQUANTHUCHIEN).map((a) => ({ code: str(a.MADONVI), name: str(a.TENDONVI) }));
  const results = arr(r.KETQUATHUCHIEN).map((k) => str(k.TENKETQUA)).filter((x): x is string => !!x);
  const legalBasis = arr(r.CANCUPHAPLY)
    .map((c) => str([c.SOVANBAN, c.TENVANBAN].filter(Boolean).join(' ') || null))
    .filter((x): x is string => !!x);
  const level = arr(r.CAPTHUCHIEN).map((c) => str(c.TENCAP ?? c.CAPTHUCHIEN)).filter(Boolean).join(', ');
  return {
    code, name, fieldCode: str(field.MALINHVUC), fieldName: str(field.TENLINHVUC), level: level || null,
    processingDays: days, processingNote: notes.join('; ') || null, fees, documents, agencies, results, legalBasis,
    publishingAgency: str(r.MACOQUANCONGBO), source,
  };
}

export async function saveProcedure(store: Store, p: Omit<Procedure, 'updatedAt'>): Promise<void> {
  const db = padb(store);
  const row = {
    code: p.code, name: p.name, field_code: p.fieldCode, field_name: p.fieldName, level: p.level,
    processing_days: p.processingDays, processing_note: p.processingNote, fees: JSON.stringify(p.fees),
    documents: JSON.stringify(p.documents), agencies: JSON.stringify(p.agencies), results: JSON.stringify(p.results),
    legal_basis: JSON.stringify(p.legalBasis), publishing_agency: p.publishingAgency, source: p.source, updated_at: new Date().toISOString(),
  };
  await db.insertInto('publicadmin_procedures').values(row)
    .onConflict((oc) => oc.column('code').doUpdateSet(row)).execute();
}

const toProcedure = (r: any): Procedure => ({
  code: r.code, name: r.name, fieldCode: r.field_code, fieldName: r.field_name, level: r.level,
  processingDays: r.processing_days === null ? null : Number(r.processing_days), processingNote: r.processing_note,
  fees: parseJson(r.fees, []), documents: parseJson(r.documents, []), agencies: parseJson(r.agencies, []),
  results: parseJson(r.results, []), legalBasis: parseJson(r.legal_basis, []), publishingAgency: r.publishing_agency,
  source: r.source, updatedAt: r.updated_at,
});

export async function getProcedure(store: Store, code: string): Promise<Procedure> {
  const r = await padb(store).selectFrom('publicadmin_procedures').selectAll().where('code', '=', code).executeTakeFirst();
  if (!r) throw new VamcoError('NOT_FOUND', `no procedure ${code}`);
  return toProcedure(r);
}

export async function listProcedures(store: Store, opts: { q?: string; fieldCode?: string; limit?: number; offset?: number } = {}): Promise<{ items: Procedure[]; total: number }> {
  let q = padb(store).selectFrom('publicadmin_procedures').selectAll().orderBy('code');
  if (opts.fieldCode) q = q.where('field_code', '=', opts.fieldCode);
  let rows = (await q.execute()).map(toProcedure);
  if (opts.q) {
    const k = foldKey(opts.q);
    rows = rows.filter((p) => foldKey(p.name).includes(k) || p.code.includes(opts.q!.trim()));
  }
  const offset = opts.offset ?? 0;
  return { items: rows.slice(offset, offset + (opts.limit ?? 100)), total: rows.length };
}

/** Unwraps what the portal or an operator may hand us: a record, a list, or {data|result|items}. */
export function procedureRecords(data: any): any[] {
  if (Array.isArray(data)) return data;
  if (data && typeof data === 'object') {
    for (const k of ['data', 'result', 'items', 'procedures']) if (data[k] !== undefined) return procedureRecords(data[k]);
    return [data];
  }
  throw new VamcoError('VALIDATION_FAILED', 'expected a procedure record, an array of them, or {"data": [...]}');
}

export async function importProcedures(store: Store, file: string, source = 'import'): Promise<{ imported: number }> {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `procedure file ${file}: ${(e as Error).message}`);
  }
  const mapped = procedureRecords(data).map((r, i) => {
    try { return fromLayThuTuc(r, source); } catch (e) {
      throw new VamcoError('VALIDATION_FAILED', `procedure file ${file}, record ${i + 1}: ${(e as Error).message}`);
    }
  });
  for (const p of mapped) await saveProcedure(store, p);
  return { imported: mapped.length };
}
