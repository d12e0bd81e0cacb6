// Strings of the document-exchange page (issue 9), merged into the console's dictionaries by
// i18n.ts. Status names follow QCVN 102:2016's status codes.
type Dict = Record<string, string>;

export const edocVi: Dict = {
  'nav.edoc': 'Liên thông văn bản',
  'edoc.title': 'Liên thông văn bản điện tử', 'edoc.intro': 'Văn bản điện tử (edXML, QCVN 102:2016) các cơ quan gửi nhận qua nền tảng theo QĐ 28/2018/QĐ-TTg: lưu lượng theo cơ quan, các lần chuyển đang thử lại, văn bản gần đây và hành trình của từng văn bản.',
  'edoc.traffic': 'Lưu lượng theo cơ quan', 'edoc.agency': 'Cơ quan (mã định danh)', 'edoc.sent': 'Đã gửi', 'edoc.pending': 'Chờ nhận', 'edoc.acknowledged': 'Đã nhận',
  'edoc.refused': 'Bị từ chối', 'edoc.stuck': 'Đang kẹt', 'edoc.noTraffic': 'Chưa có văn bản nào qua nền tảng.',
  'edoc.stuckTitle': 'Đang thử chuyển lại (trục liên thông quốc gia)', 'edoc.noStuck': 'Không có lần chuyển nào đang kẹt.',
  'edoc.nextAttempt': 'Lần thử tiếp', 'edoc.attempts': 'Số lần thử', 'edoc.lastError': 'Lỗi gần nhất',
  'edoc.documents': 'Văn bản gần đây', 'edoc.noDocuments': 'Chưa có văn bản nào.', 'edoc.time': 'Thời điểm', 'edoc.kind': 'Loại',
  'edoc.from': 'Nơi gửi', 'edoc.to': 'Nơi nhận', 'edoc.subject': 'Trích yếu', 'edoc.document': 'Văn bản', 'edoc.status': 'Trạng thái', 'edoc.statusCode': 'Trạng thái {{code}}',
  'edoc.journey': 'Hành trình văn bản', 'edoc.back': 'Về danh sách', 'edoc.docId': 'Mã gói (DocId)', 'edoc.documentId': 'Mã văn bản (DocumentId)',
  'edoc.hops': 'Các chặng (TraceHeader)', 'edoc.hopOrgan': 'Đơn vị chuyển', 'edoc.deliveries': 'Chuyển tới nơi nhận', 'edoc.route': 'Đường chuyển', 'edoc.delivery': 'Tình trạng chuyển',
  'edoc.fetched': 'Nhận lúc', 'edoc.acked': 'Xác nhận lúc', 'edoc.statuses': 'Trạng thái xử lý phản hồi', 'edoc.noStatuses': 'Chưa có trạng thái phản hồi.',
  'edoc.routes.local': 'Trong tỉnh', 'edoc.routes.upstream': 'Trục quốc gia',
  'edoc.state.pending': 'Chờ nhận', 'edoc.state.processing': 'Đang xử lý', 'edoc.state.done': 'Đã nhận', 'edoc.state.fail': 'Từ chối', 'edoc.state.forwarded': 'Đã chuyển lên trục',
  'edoc.business.new': 'Văn bản mới', 'edoc.business.revoke': 'Thu hồi', 'edoc.business.update': 'Cập nhật', 'edoc.business.replace': 'Thay thế',
  'edoc.code.01': 'Đã đến, chưa xử lý', 'edoc.code.02': 'Từ chối, trả lại', 'edoc.code.03': 'Đã tiếp nhận, vào sổ', 'edoc.code.04': 'Đã phân công xử lý',
  'edoc.code.05': 'Đang xử lý', 'edoc.code.06': 'Đã hoàn thành', 'edoc.code.13': 'Nơi gửi lấy lại văn bản', 'edoc.code.15': 'Đồng ý cập nhật / lấy lại', 'edoc.code.16': 'Từ chối cập nhật / lấy lại',
};

export const edocEn: Dict = {
  'nav.edoc': 'Document exchange',
  'edoc.title': 'Official document exchange', 'edoc.intro': 'Official documents (edXML, QCVN 102:2016) the agencies exchange through the platform under QĐ 28/2018/QĐ-TTg: traffic per agency, deliveries being retried, recent documents and each document\'s journey.',
  'edoc.traffic': 'Traffic per agency', 'edoc.agency': 'Agency (OrganId)', 'edoc.sent': 'Sent', 'edoc.pending': 'Pending', 'edoc.acknowledged': 'Acknowledged',
  'edoc.refused': 'Refused', 'edoc.stuck': 'Stuck', 'edoc.noTraffic': 'No document has passed through the platform yet.',
  'edoc.stuckTitle': 'Being retried (national document axis)', 'edoc.noStuck': 'No delivery is stuck.',
  'edoc.nextAttempt': 'Next attempt', 'edoc.attempts': 'Attempts', 'edoc.lastError': 'Last error',
  'edoc.documents': 'Recent documents', 'edoc.noDocuments': 'No documents yet.', 'edoc.time': 'Time', 'edoc.kind': 'Kind',
  'edoc.from': 'From', 'edoc.to': 'To', 'edoc.subject': 'Subject', 'edoc.document': 'Document', 'edoc.status': 'Status', 'edoc.statusCode': 'Status {{code}}',
  'edoc.journey': 'Document journey', 'edoc.back': 'Back to the list', 'edoc.docId': 'Package id (DocId)', 'edoc.documentId': 'Document id (DocumentId)',
  'edoc.hops': 'Hops (TraceHeader)', 'edoc.hopOrgan': 'Relaying organisation', 'edoc.deliveries': 'Deliveries', 'edoc.route': 'Route', 'edoc.delivery': 'Delivery',
  'edoc.fetched': 'Fetched', 'edoc.acked': 'Acknowledged', 'edoc.statuses': 'Statuses answering it', 'edoc.noStatuses': 'No status has answered it yet.',
  'edoc.routes.local': 'In the province', 'edoc.routes.upstream': 'National axis',
  'edoc.state.pending': 'Pending', 'edoc.state.processing': 'Processing', 'edoc.state.done': 'Acknowledged', 'edoc.state.fail': 'Refused', 'edoc.state.forwarded': 'Forwarded to the axis',
  'edoc.business.new': 'New document', 'edoc.business.revoke': 'Revocation', 'edoc.business.update': 'Update', 'edoc.business.replace': 'Replacement',
  'edoc.code.01': 'Arrived, not yet handled', 'edoc.code.02': 'Refused, returned', 'edoc.code.03': 'Accepted and registered', 'edoc.code.04': 'Assigned to a handler',
  'edoc.code.05': 'Being processed', 'edoc.code.06': 'Completed', 'edoc.code.13': 'Taken back by the sender', 'edoc.code.15': 'Update / take-back agreed', 'edoc.code.16': 'Update / take-back refused',
};
