// The national public-service portal's dossier-sync item (DongBoHoSoMC). Field names follow the
// portal's public integration code; dates are yyyyMMddHHmmss in Asia/Ho_Chi_Minh.
import type { DossierRecord } from './dossiers.js';
import { SUPPLEMENT_REQUESTED } from './status.js';

/** yyyyMMddHHmmss in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
export function portalDate(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(Date.parse(iso) + 7 * 3600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function toDongBoHoSoMC(d: DossierRecord): Record<string, unknown> {
  const a = d.applicant;
  // Supplement rounds: each request (→ 5) and, when it came, the resubmission that followed.
  const supplements: Array<Record<string, string>> = [];
  for (const [i, e] of d.history.entries()) {
    if (e.kind !== 'transition' || e.to !== SUPPLEMENT_REQUESTED) continue;
    const back = d.history.slice(i + 1).find((x) => x.kind === 'transition' && x.from === SUPPLEMENT_REQUESTED);
    supplements.push({ NgayYeuCauBoSung: portalDate(e.at), NoiDungBoSung: e.note ?? '', NgayTiepNhanBoSung: back ? portalDate(back.at) : '' });
  }
  return {
    MaHoSo: d.code,
    MaTTHC: d.procedureCode,
    TenTTHC: d.procedureName ?? '',
    MaLinhVuc: d.fieldCode ?? '',
    TenLinhVuc: d.fieldName ?? '',
    ChuHoSo: a.name,
    LoaiDoiTuong: String(a.type ?? 1),
    Email: a.email ?? '',
    SoDienThoai: a.phone ?? '',
    TrichYeuHoSo: d.summary ?? '',
    NgayTiepNhan: portalDate(d.receivedAt),
    NgayHenTra: portalDate(d.dueAt),
    TrangThaiHoSo: String(d.status),
    NgayTra: portalDate(d.returnedAt),
    HinhThuc: d.channel ?? '',
    DonViXuLy: d.agencyName ?? d.agencyCode,
    GhiChu: d.note ?? '',
    TaiLieuNop: d.documents,
    DanhSachLePhi: d.fees,
    DanhSachHoSoBoSung: supplements,
    DanhSachGiayToKetQua: [],
  };
}
