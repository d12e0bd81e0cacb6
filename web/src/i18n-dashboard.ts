// Strings of the dashboard (issue 14): refusals apart from backend failures, rows by name that
// open the message log, and what the rows leave out; merged into the console's dictionaries by i18n.ts.
type Dict = Record<string, string>;

export const dashboardVi: Dict = {
  'dash.answered': 'Được trả lời',
  'dash.refusals': 'Bị từ chối',
  'dash.refusalsHint': 'Cổng từ chối: chưa xác thực, không có quyền, vượt giới hạn, yêu cầu sai.',
  'dash.failures': 'Lỗi phía backend',
  'dash.failuresHint': 'Backend của bên cung cấp lỗi: không kết nối được, quá thời gian, trả lời sai hoặc lỗi 5xx.',
  'dash.ofRequests': '{{rate}} số yêu cầu',
  'dash.trafficText': 'Biểu đồ lưu lượng: {{requests}} yêu cầu ({{parts}}).',
  'dash.openLog': 'Mở nhật ký giao dịch của {{what}} trong khoảng thời gian này',
  'dash.rowsHint': 'Chọn một dòng để mở nhật ký giao dịch đã lọc theo dòng đó.',
  'dash.setApart': 'Không có trong các bảng (vẫn tính vào tổng):',
  'dash.metaservices_one': '{{count}} lời gọi dịch vụ siêu dữ liệu (danh sách phương thức, tài liệu OpenAPI)',
  'dash.metaservices_other': '{{count}} lời gọi dịch vụ siêu dữ liệu (danh sách phương thức, tài liệu OpenAPI)',
  'dash.unregisteredServices_one': '{{count}} lời gọi tới dịch vụ chưa đăng ký hoặc không rõ',
  'dash.unregisteredServices_other': '{{count}} lời gọi tới dịch vụ chưa đăng ký hoặc không rõ',
  'dash.unregisteredClients_one': '{{count}} lời gọi từ hệ thống chưa đăng ký hoặc không rõ',
  'dash.unregisteredClients_other': '{{count}} lời gọi từ hệ thống chưa đăng ký hoặc không rõ',
};

export const dashboardEn: Dict = {
  'dash.answered': 'Answered',
  'dash.refusals': 'Refused',
  'dash.refusalsHint': 'Refused by the gateway: not authenticated, no access, over a rate limit, bad request.',
  'dash.failures': 'Backend failures',
  'dash.failuresHint': 'The provider\'s backend failed: unreachable, timed out, bad answer or its own 5xx.',
  'dash.ofRequests': '{{rate}} of requests',
  'dash.trafficText': 'Traffic chart: {{requests}} requests ({{parts}}).',
  'dash.openLog': 'Open the message log of {{what}} for this period',
  'dash.rowsHint': 'Choose a row to open the message log filtered to it.',
  'dash.setApart': 'Not in the tables (still in the totals):',
  'dash.metaservices_one': '{{count}} metaservice call (method lists, OpenAPI documents)',
  'dash.metaservices_other': '{{count}} metaservice calls (method lists, OpenAPI documents)',
  'dash.unregisteredServices_one': '{{count}} call to an unregistered or unknown service',
  'dash.unregisteredServices_other': '{{count}} calls to unregistered or unknown services',
  'dash.unregisteredClients_one': '{{count}} call from an unregistered or unknown client',
  'dash.unregisteredClients_other': '{{count}} calls from unregistered or unknown clients',
};
