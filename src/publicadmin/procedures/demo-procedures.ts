// Demo catalogue: three real civil-status procedures (lĩnh vực Hộ tịch, commune level), in the
// national portal's LayThuTuc shape. Facts from the Law on Civil Status 60/2014/QH13 (art. 16
// birth, art. 18 marriage, art. 34 death registration) as listed on dichvucong.gov.vn; the
// processing time is the statutory maximum in working days. Check against the portal before
// production use — procedures are re-published when the law changes.
export const DEMO_PROCEDURES = [
  {
    MATTHC: '1.001193',
    TENTTHC: 'Thủ tục đăng ký khai sinh',
    LINHVUCTHUCHIEN: [{ TENLINHVUC: 'Hộ tịch' }],
    CAPTHUCHIEN: [{ TENCAP: 'Cấp Xã' }],
    CACHTHUCTHUCHIEN: [
      { KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: 1, DONVITINH: 'Ngày làm việc', MOTA: 'Ngay trong ngày tiếp nhận; hồ sơ nhận sau 15 giờ mà không giải quyết được ngay thì trả kết quả trong ngày làm việc tiếp theo', PHILEPHI: [{ SOTIEN: '0', MOTA: 'Miễn lệ phí đăng ký khai sinh đúng hạn' }] }] },
      { KENH: '2', THOIGIAN: [{ THOIGIANGIAIQUYET: 1, DONVITINH: 'Ngày làm việc', MOTA: 'Như nộp trực tiếp' }] },
    ],
    THANHPHANHOSO: [{ TRUONGHOP: 'Đăng ký khai sinh đúng hạn', GIAYTO: [{ TENGIAYTO: 'Tờ khai đăng ký khai sinh', SOBANCHINH: 1, SOBANSAO: 0 }, { TENGIAYTO: 'Giấy chứng sinh hoặc giấy tờ thay Giấy chứng sinh', SOBANCHINH: 1, SOBANSAO: 0 }] }],
    COQUANTHUCHIEN: [{ TENDONVI: 'Ủy ban nhân dân cấp xã' }],
    KETQUATHUCHIEN: [{ TENKETQUA: 'Giấy khai sinh' }],
    CANCUPHAPLY: [{ SOVANBAN: '60/2014/QH13', TENVANBAN: 'Luật Hộ tịch' }, { SOVANBAN: '123/2015/NĐ-CP', TENVANBAN: 'Nghị định quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch' }],
  },
  {
    MATTHC: '1.000894',
    TENTTHC: 'Thủ tục đăng ký kết hôn',
    LINHVUCTHUCHIEN: [{ TENLINHVUC: 'Hộ tịch' }],
    CAPTHUCHIEN: [{ TENCAP: 'Cấp Xã' }],
    CACHTHUCTHUCHIEN: [
      { KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: 5, DONVITINH: 'Ngày làm việc', MOTA: 'Ngay sau khi nhận đủ giấy tờ hợp lệ; trường hợp cần xác minh điều kiện kết hôn thì không quá 05 ngày làm việc' }] },
    ],
    THANHPHANHOSO: [{ GIAYTO: [{ TENGIAYTO: 'Tờ khai đăng ký kết hôn', SOBANCHINH: 1, SOBANSAO: 0 }] }],
    COQUANTHUCHIEN: [{ TENDONVI: 'Ủy ban nhân dân cấp xã' }],
    KETQUATHUCHIEN: [{ TENKETQUA: 'Giấy chứng nhận kết hôn' }],
    CANCUPHAPLY: [{ SOVANBAN: '60/2014/QH13', TENVANBAN: 'Luật Hộ tịch' }],
  },
  {
    MATTHC: '1.000656',
    TENTTHC: 'Thủ tục đăng ký khai tử',
    LINHVUCTHUCHIEN: [{ TENLINHVUC: 'Hộ tịch' }],
    CAPTHUCHIEN: [{ TENCAP: 'Cấp Xã' }],
    CACHTHUCTHUCHIEN: [
      { KENH: '1', THOIGIAN: [{ THOIGIANGIAIQUYET: 1, DONVITINH: 'Ngày làm việc', MOTA: 'Ngay trong ngày tiếp nhận; hồ sơ nhận sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo', PHILEPHI: [{ SOTIEN: '0', MOTA: 'Miễn lệ phí đăng ký khai tử đúng hạn' }] }] },
    ],
    THANHPHANHOSO: [{ GIAYTO: [{ TENGIAYTO: 'Tờ khai đăng ký khai tử', SOBANCHINH: 1, SOBANSAO: 0 }, { TENGIAYTO: 'Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử', SOBANCHINH: 1, SOBANSAO: 0 }] }],
    COQUANTHUCHIEN: [{ TENDONVI: 'Ủy ban nhân dân cấp xã' }],
    KETQUATHUCHIEN: [{ TENKETQUA: 'Trích lục khai tử' }],
    CANCUPHAPLY: [{ SOVANBAN: '60/2014/QH13', TENVANBAN: 'Luật Hộ tịch' }],
  },
];

/** Demo agencies, clearly marked as such (H99 is not a real province index). */
export const DEMO_AGENCIES = [
  { code: '000.00.00.H99', name: 'Ủy ban nhân dân tỉnh (dữ liệu mẫu)' },
  { code: '000.00.01.H99', name: 'Sở Tư pháp (dữ liệu mẫu)' },
];
