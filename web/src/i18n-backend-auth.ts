// Strings of the backend-credential card (issue 16), merged into the console's dictionaries by i18n.ts.
type Dict = Record<string, string>;

export const backendAuthVi: Dict = {
  'backendAuth.title': 'Xác thực với backend', 'backendAuth.intro': 'Cách nền tảng tự xác thực khi gọi backend của bên cung cấp (ví dụ API quốc gia qua NGSP). Bí mật được mã hóa khi lưu và không bao giờ hiển thị lại.',
  'backendAuth.schemeLabel': 'Phương thức', 'backendAuth.scheme.inherit': 'Theo hệ thống cung cấp', 'backendAuth.scheme.unset': 'Chưa đặt (từng dịch vụ tự đặt)', 'backendAuth.button': 'Xác thực backend', 'backendAuth.scheme.none': 'Không xác thực', 'backendAuth.scheme.static': 'Header cố định',
  'backendAuth.scheme.oauth2': 'OAuth2 client credentials', 'backendAuth.scheme.signed': 'Chữ ký theo mẫu',
  'backendAuth.headers': 'Header', 'backendAuth.headerName': 'Tên header', 'backendAuth.headerValue': 'Giá trị (bí mật)', 'backendAuth.addHeader': 'Thêm header',
  'backendAuth.tokenUrl': 'Địa chỉ cấp token', 'backendAuth.clientId': 'Mã client (key)', 'backendAuth.scope': 'Phạm vi (scope)', 'backendAuth.clientAuth': 'Cách gửi khóa bí mật',
  'backendAuth.clientAuthBasic': 'HTTP Basic (RFC 6749 2.3.1)', 'backendAuth.clientAuthBody': 'Trong nội dung biểu mẫu', 'backendAuth.clientSecret': 'Khóa bí mật client (secret)', 'backendAuth.secret': 'Khóa bí mật',
  'backendAuth.user': 'Tài khoản', 'backendAuth.template': 'Mẫu chữ ký (JSON)', 'backendAuth.templateHint': 'Các giá trị được băm, thuật toán và header mang kết quả (xem docs/national-services.md).',
  'backendAuth.templateNotJson': 'Mẫu chữ ký không phải JSON hợp lệ.',
  'backendAuth.secretSet': 'Đã lưu bí mật', 'backendAuth.secretKept': 'Để trống để giữ bí mật đã lưu', 'backendAuth.secretRequired': 'Bắt buộc',
  'backendAuth.budget': 'Hạn mức chung tới backend', 'backendAuth.budgetHint': 'Tổng số lượt mọi cơ quan được gọi bằng thông tin xác thực này, ví dụ 6000/m; để trống = không giới hạn',
};

export const backendAuthEn: Dict = {
  'backendAuth.title': 'Backend authentication', 'backendAuth.intro': 'How the platform authenticates itself when it calls the provider\'s backend (a national API through NGSP, say). Secrets are stored encrypted and never shown again.',
  'backendAuth.schemeLabel': 'Scheme', 'backendAuth.scheme.inherit': 'The provider system\'s', 'backendAuth.scheme.unset': 'Not set (each service sets its own)', 'backendAuth.button': 'Backend auth', 'backendAuth.scheme.none': 'None', 'backendAuth.scheme.static': 'Static headers',
  'backendAuth.scheme.oauth2': 'OAuth2 client credentials', 'backendAuth.scheme.signed': 'Signed (template)',
  'backendAuth.headers': 'Headers', 'backendAuth.headerName': 'Header name', 'backendAuth.headerValue': 'Value (secret)', 'backendAuth.addHeader': 'Add header',
  'backendAuth.tokenUrl': 'Token endpoint', 'backendAuth.clientId': 'Client id (key)', 'backendAuth.scope': 'Scope', 'backendAuth.clientAuth': 'Client secret sent as',
  'backendAuth.clientAuthBasic': 'HTTP Basic (RFC 6749 2.3.1)', 'backendAuth.clientAuthBody': 'Form fields', 'backendAuth.clientSecret': 'Client secret', 'backendAuth.secret': 'Secret',
  'backendAuth.user': 'User', 'backendAuth.template': 'Signature template (JSON)', 'backendAuth.templateHint': 'Which values are hashed, with which algorithm, into which headers (see docs/national-services.md).',
  'backendAuth.templateNotJson': 'The signature template is not valid JSON.',
  'backendAuth.secretSet': 'Secret stored', 'backendAuth.secretKept': 'Leave empty to keep the stored secret', 'backendAuth.secretRequired': 'Required',
  'backendAuth.budget': 'Shared budget towards the backend', 'backendAuth.budgetHint': 'How many calls all agencies together may make with this credential, e.g. 6000/m; empty = no limit',
};
