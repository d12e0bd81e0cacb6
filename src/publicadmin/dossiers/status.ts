// National dossier status codes (TrangThaiHoSo) and the transitions Vamco allows between them.

export const STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'Mới đăng ký',
  2: 'Được tiếp nhận',
  3: 'Không được tiếp nhận',
  4: 'Đang xử lý',
  5: 'Yêu cầu bổ sung giấy tờ',
  6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Công dân yêu cầu rút hồ sơ',
  8: 'Dừng xử lý',
  9: 'Đã xử lý xong',
  10: 'Đã trả kết quả',
};

/**
 * from → allowed next statuses. 5 → 4 is the resubmission after a supplement request (the
 * clock restarts); 7 (the citizen asks to withdraw) ends in 8 (processing stopped);
 * 3, 8 and 10 are final.
 */
export const TRANSITIONS: Readonly<Record<number, readonly number[]>> = {
  1: [2, 3, 7],
  2: [4, 5, 6, 7, 8, 9],
  3: [],
  4: [5, 6, 7, 8, 9],
  5: [4, 7, 8],
  6: [4, 7, 8, 9],
  7: [8],
  8: [],
  9: [10],
  10: [],
};

export const FINAL_STATUSES = [3, 8, 10] as const;
/** Statuses in which a dossier is closed without a result (excluded from "overdue"). */
export const CLOSED_WITHOUT_RESULT = [3, 7, 8] as const;
export const SUPPLEMENT_REQUESTED = 5;
export const FINISHED = 9;
export const RETURNED = 10;

export const canTransition = (from: number, to: number): boolean => (TRANSITIONS[from] ?? []).includes(to);
