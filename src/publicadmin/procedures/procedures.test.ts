// The LayThuTuc record shape as the national portal's integrators read it, field by field:
// - VietOpenCPS/opencps-v2, modules/backend-dossiermgt/backend-dossiermgt-service/src/main/java/
//   org/opencps/dossiermgt/action/impl/DVCQGIntegrationActionImpl.java (syncServiceInfo: the
//   "LayThuTuc" service of the portal's sharing API; reads TENTTHC, TRINHTUTHUCHIEN,
//   CACHTHUCTHUCHIEN[KENH, THOIGIAN[THOIGIANGIAIQUYET, DONVITINH, MOTA, PHILEPHI[MAPHILEPHI,
//   SOTIEN, DONVI, MOTA]]], KETQUATHUCHIEN[MAKETQUA, TENKETQUA], CANCUPHAPLY[SOVANBAN,
//   TENVANBAN], COQUANTHUCHIEN[MADONVI, TENDONVI], THANHPHANHOSO[GIAYTO[MAGIAYTO, TENMAUDON,
//   URL, TENGIAYTO]], TRANGTHAI);
// - HuanVu201/DichVuCong_KhoaLuan_PASETO, DichVuCongApi/src/Core/Application/Catalog/ThuTucApp/
//   AddThuTucTypes.cs and Commands/AddThuTucCommand.cs (the whole record as C# types, every value
//   a string: PHILEPHI[DONVI, MAPHILEPHI, MOTA, SOTIEN, TENTEP, URL], CAPTHUCHIEN[CAPTHUCHIEN,
//   TENCAP], THANHPHANHOSO[TRUONGHOP, GIAYTO[MAGIAYTO, MA_KQ_THAYTHE, SOBANCHINH, SOBANSAO,
//   TENGIAYTO, TENMAUDON, URL]], CANCUPHAPLY[COQUANBANHANH, NGAYBANHANH, NGAYHIEULUC, SOVANBAN,
//   TENVANBAN…], KETQUATHUCHIEN[MAKETQUA, TENKETQUA, TENTEP, URL], MaTTHC, MACOQUANCONGBO).
// The values below are made up; the names and shapes are those.
import { describe, it, expect } from 'vitest';
import { fromLayThuTuc } from './procedures.js';

const RECORD = {
  MATTHC: '1.000001', TENTTHC: 'Thủ tục thử', MACOQUANCONGBO: 'G01', TRANGTHAI: '1',
  LINHVUCTHUCHIEN: [{ MALINHVUC: 'HT', TENLINHVUC: 'Hộ tịch' }],
  CAPTHUCHIEN: [{ CAPTHUCHIEN: '3', TENCAP: 'Cấp Xã' }],
  CACHTHUCTHUCHIEN: [
    { KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: '5', DONVITINH: 'Ngày làm việc', MOTA: 'Kể từ ngày nhận đủ hồ sơ', PHILEPHI: [
      { MAPHILEPHI: 'LP01', SOTIEN: '8000', DONVI: 'Đồng', MOTA: 'Lệ phí', TENTEP: 'bieu-phi.pdf', URL: 'https://example.invalid/bieu-phi.pdf' }] }] },
    { KENH: '2', THOIGIAN: [{ THOIGIANGIAIQUYET: '3', DONVITINH: 'Ngày làm việc', MOTA: '', PHILEPHI: [] }] },
  ],
  THANHPHANHOSO: [
    { TRUONGHOP: 'Trường hợp nộp trực tiếp', GIAYTO: [
      { MAGIAYTO: 'GT01', TENGIAYTO: 'Tờ khai', SOBANCHINH: '1', SOBANSAO: '0', TENMAUDON: 'to-khai.docx', URL: 'https://example.invalid/to-khai.docx', MA_KQ_THAYTHE: '' }] },
    { TRUONGHOP: 'Trường hợp ủy quyền', GIAYTO: [{ MAGIAYTO: 'GT02', TENGIAYTO: 'Văn bản ủy quyền', SOBANCHINH: '1', SOBANSAO: '1' }] },
  ],
  KETQUATHUCHIEN: [{ MAKETQUA: 'KQ01', TENKETQUA: 'Giấy chứng nhận', TENTEP: '', URL: '' }],
  CANCUPHAPLY: [{ SOVANBAN: '60/2014/QH13', TENVANBAN: 'Luật Hộ tịch', NGAYBANHANH: '20/11/2014', COQUANBANHANH: 'Quốc hội' }],
  COQUANTHUCHIEN: [{ MADONVI: '000.00.01.H80', TENDONVI: 'Sở Tư pháp' }],
};

describe('procedure records in the LayThuTuc shape', () => {
  it('reads every documented field', () => {
    const p = fromLayThuTuc(RECORD, 'dichvucong.gov.vn');
    expect(p).toMatchObject({
      code: '1.000001', name: 'Thủ tục thử', fieldCode: 'HT', fieldName: 'Hộ tịch', level: 'Cấp Xã', processingDays: 5,
      publishingAgency: 'G01', agencies: [{ code: '000.00.01.H80', name: 'Sở Tư pháp' }], results: ['Giấy chứng nhận'],
      legalBasis: ['60/2014/QH13 Luật Hộ tịch'], source: 'dichvucong.gov.vn',
    });
    expect(p.fees).toEqual([{ channel: 'Trực tiếp', amount: 8000, unit: 'Đồng', code: 'LP01', description: 'Lệ phí', url: 'https://example.invalid/bieu-phi.pdf' }]);
    expect(p.documents).toEqual([
      { name: 'Tờ khai', originals: 1, copies: 0, code: 'GT01', form: 'to-khai.docx', formUrl: 'https://example.invalid/to-khai.docx', case: 'Trường hợp nộp trực tiếp' },
      { name: 'Văn bản ủy quyền', originals: 1, copies: 1, code: 'GT02', form: null, formUrl: null, case: 'Trường hợp ủy quyền' },
    ]);
    expect(p.processingNote).toBe('Trực tiếp — 5 Ngày làm việc: Kể từ ngày nhận đủ hồ sơ; Trực tuyến — 3 Ngày làm việc');
  });

  it('takes MaTTHC for the code where a copy of the record spells it so', () => {
    expect(fromLayThuTuc({ ...RECORD, MATTHC: undefined, MaTTHC: '1.000002' }).code).toBe('1.000002');
  });

  it('gives no due date for a time not in working days', () => {
    const p = fromLayThuTuc({ ...RECORD, CACHTHUCTHUCHIEN: [{ KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: '2', DONVITINH: 'Tháng' }] }] });
    expect(p).toMatchObject({ processingDays: null, processingNote: 'Trực tiếp — 2 Tháng' });
  });

  it('no longer reads the field names that were guessed (MUCPHI, TENPHILEPHI, CAPTHUCHIEN_TEN, MUCDO)', () => {
    const p = fromLayThuTuc({
      ...RECORD, CAPTHUCHIEN: undefined, CAPTHUCHIEN_TEN: 'Cấp Tỉnh', MUCDO: '4',
      CACHTHUCTHUCHIEN: [{ KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: '5', DONVITINH: 'Ngày làm việc', PHILEPHI: [{ MUCPHI: '9000', TENPHILEPHI: 'Phí' }] }] }],
    });
    expect(p.level).toBeNull();
    expect(p.fees).toEqual([{ channel: 'Trực tiếp', amount: null, unit: null, code: null, description: null, url: null }]);
  });

  it('refuses a record without a procedure code', () => {
    expect(() => fromLayThuTuc({ TENTTHC: 'x' })).toThrow(/MATTHC "" is not a procedure code/);
  });
});
