// Strings of the client certificates page (issue 8), merged into the console's dictionaries by i18n.ts.
type Dict = Record<string, string>;

export const certificatesVi: Dict = {
  'nav.certificates': 'Chứng thư máy khách',
  'certs.title': 'Chứng thư số máy khách (TLS)',
  'certs.intro': 'Hệ thống thông tin xuất trình chứng thư này khi gọi cổng qua HTTPS thay cho khóa truy cập. Ký từ yêu cầu cấp chứng thư (CSR) để khóa bí mật không rời khỏi hệ thống, hoặc đăng ký chứng thư đã có.',
  'certs.subsystem': 'Hệ thống', 'certs.subject': 'Chủ thể', 'certs.fingerprint': 'Dấu vân tay SHA-256', 'certs.validFrom': 'Hiệu lực từ', 'certs.validUntil': 'Hiệu lực đến',
  'certs.state': 'Trạng thái', 'certs.states.active': 'Đang dùng', 'certs.states.revoked': 'Đã thu hồi', 'certs.states.expired': 'Hết hạn',
  'certs.label': 'Nhãn', 'certs.empty': 'Chưa có chứng thư nào. Cấp chứng thư từ CSR của một hệ thống để hệ thống gọi cổng bằng TLS hai chiều.',
  'certs.issue': 'Cấp từ CSR', 'certs.issueSubmit': 'Cấp chứng thư', 'certs.register': 'Đăng ký chứng thư', 'certs.registerSubmit': 'Đăng ký',
  'certs.csr': 'Yêu cầu cấp chứng thư (CSR, PEM)', 'certs.csrHint': 'Dán nội dung tệp CSR hoặc chọn tệp. Khóa bí mật ở lại hệ thống của bạn.',
  'certs.certificate': 'Chứng thư (PEM)', 'certs.certificateHint': 'Chứng thư do CA của nền tảng hoặc một CA được tin cậy cấp, cho phép xác thực máy khách.',
  'certs.fromFile': 'Chọn tệp', 'certs.issued': 'Chứng thư đã cấp',
  'certs.issuedHint': 'Cài chứng thư này cùng khóa bí mật của hệ thống; để tin cậy cổng, dùng chứng thư CA của nền tảng.',
  'certs.downloadIssued': 'Tải chứng thư', 'certs.downloadCa': 'Tải chứng thư CA',
  'certs.revoke': 'Thu hồi', 'certs.confirmRevoke': 'Thu hồi chứng thư {{subject}} của {{subsystem}}?',
  'certs.revokeDetails': 'Cổng từ chối chứng thư này trong vòng một giây trên mọi nút. Không thể hoàn tác.',
  'certs.revoked': 'Đã thu hồi chứng thư {{subject}}.', 'certs.issuedNotice': 'Đã cấp chứng thư cho {{subsystem}}.', 'certs.registeredNotice': 'Đã đăng ký chứng thư cho {{subsystem}}.',
};

export const certificatesEn: Dict = {
  'nav.certificates': 'Client certificates',
  'certs.title': 'Client certificates (TLS)',
  'certs.intro': 'An information system presents one of these when it calls the gateway over HTTPS, instead of an API key. Sign its certificate request (CSR), so its private key never leaves it, or register a certificate it already has.',
  'certs.subsystem': 'System', 'certs.subject': 'Subject', 'certs.fingerprint': 'SHA-256 fingerprint', 'certs.validFrom': 'Valid from', 'certs.validUntil': 'Valid until',
  'certs.state': 'State', 'certs.states.active': 'Active', 'certs.states.revoked': 'Revoked', 'certs.states.expired': 'Expired',
  'certs.label': 'Label', 'certs.empty': 'No certificates yet. Issue one from a system\'s CSR so that it calls the gateway over mutual TLS.',
  'certs.issue': 'Issue from a CSR', 'certs.issueSubmit': 'Issue the certificate', 'certs.register': 'Register a certificate', 'certs.registerSubmit': 'Register',
  'certs.csr': 'Certificate request (CSR, PEM)', 'certs.csrHint': 'Paste the CSR or choose its file. The private key stays with your system.',
  'certs.certificate': 'Certificate (PEM)', 'certs.certificateHint': 'Issued by the platform CA or a trusted CA, allowing client authentication.',
  'certs.fromFile': 'Choose a file', 'certs.issued': 'Issued certificate',
  'certs.issuedHint': 'Install this certificate with the system\'s private key; to trust the gateway, use the platform CA certificate.',
  'certs.downloadIssued': 'Download the certificate', 'certs.downloadCa': 'Download the CA certificate',
  'certs.revoke': 'Revoke', 'certs.confirmRevoke': 'Revoke the certificate {{subject}} of {{subsystem}}?',
  'certs.revokeDetails': 'Every gateway node refuses it within a second. This cannot be undone.',
  'certs.revoked': 'Revoked the certificate {{subject}}.', 'certs.issuedNotice': 'Issued a certificate for {{subsystem}}.', 'certs.registeredNotice': 'Registered a certificate for {{subsystem}}.',
};
