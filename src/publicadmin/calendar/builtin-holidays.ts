// The holiday rules Vamco ships, each with its legal source. Recurring rules implement the
// Labour Code 2019; the dated rows are the government's published swaps (a weekday off, a
// Saturday worked) that no recurring rule can produce. Where a year's decision only applied the
// recurring rules (every Tết 2020–2026, every 2/9 2021–2026) there is no dated row: the test
// of each year (working-days.test.ts) checks the rules reproduce what was published.
// Sources checked against news of the decisions (Government portal baochinhphu.vn, VNA,
// Vietnam News, SGGP) and the MIT-licensed vacanza/holidays Vietnamese calendar; the list per
// year is in docs/publicadmin.md.
import type { HolidayRule } from './working-days.js';

const LABOUR_CODE = 'Bộ luật Lao động 45/2019/QH14 (20/11/2019), Điều 112 khoản 1; nghỉ bù: Điều 111 khoản 3';

export const BUILTIN_HOLIDAY_RULES: readonly HolidayRule[] = [
  { ruleKey: 'new-year', kind: 'solar', name: 'Tết Dương lịch', month: 1, day: 1, compensate: true, source: `${LABOUR_CODE}` },
  {
    ruleKey: 'tet', kind: 'lunar', name: 'Tết Âm lịch', month: 1, day: 1, offsetDays: -1, lengthDays: 5, compensate: true,
    compensation: 'saturday-before-sunday-after',
    source: `${LABOUR_CODE}; ngày nghỉ bù Tết trùng thứ Bảy/Chủ nhật theo các quyết định 2020–2025 (thứ Bảy → ngày làm việc trước Tết, Chủ nhật → ngày làm việc sau Tết)`,
  },
  { ruleKey: 'hung-kings', kind: 'lunar', name: 'Giỗ Tổ Hùng Vương', month: 3, day: 10, compensate: true, source: LABOUR_CODE },
  { ruleKey: 'reunification', kind: 'solar', name: 'Ngày Chiến thắng', month: 4, day: 30, compensate: true, source: LABOUR_CODE },
  { ruleKey: 'labour-day', kind: 'solar', name: 'Ngày Quốc tế lao động', month: 5, day: 1, compensate: true, source: LABOUR_CODE },
  { ruleKey: 'national-day', kind: 'solar', name: 'Quốc khánh', month: 9, day: 2, compensate: true, source: LABOUR_CODE },
  {
    ruleKey: 'national-day-adjacent', kind: 'national-day-adjacent', name: 'Quốc khánh (ngày liền kề)', month: 9, day: 2, compensate: true, fromYear: 2021,
    source: `${LABOUR_CODE} (ngày liền kề 2/9, từ năm 2021); chọn ngày theo các quyết định 2021–2026: 2/9 vào thứ Hai, thứ Năm, Chủ nhật → ngày sau, các ngày khác → ngày trước`,
  },
  // 2024: 30/4–1/5 bridge.
  { ruleKey: '2024-04-29-off', kind: 'day-off', name: 'Nghỉ hoán đổi (làm bù thứ Bảy 4/5/2024)', date: '2024-04-29', source: 'Công văn 2450/VPCP-KGVX ngày 12/4/2024' },
  { ruleKey: '2024-05-04-work', kind: 'working-day', name: 'Làm bù cho thứ Hai 29/4/2024', date: '2024-05-04', source: 'Công văn 2450/VPCP-KGVX ngày 12/4/2024' },
  // 2025: 30/4–1/5 bridge.
  { ruleKey: '2025-05-02-off', kind: 'day-off', name: 'Nghỉ hoán đổi (làm bù thứ Bảy 26/4/2025)', date: '2025-05-02', source: 'Văn bản 8726/VPCP-KGVX ngày 26/11/2024' },
  { ruleKey: '2025-04-26-work', kind: 'working-day', name: 'Làm bù cho thứ Sáu 2/5/2025', date: '2025-04-26', source: 'Văn bản 8726/VPCP-KGVX ngày 26/11/2024' },
  // 2026: 1/1 bridge.
  { ruleKey: '2026-01-02-off', kind: 'day-off', name: 'Nghỉ hoán đổi (làm bù thứ Bảy 10/1/2026)', date: '2026-01-02', source: 'Văn bản 12729/VPCP-KGVX ngày 25/12/2025' },
  { ruleKey: '2026-01-10-work', kind: 'working-day', name: 'Làm bù cho thứ Sáu 2/1/2026', date: '2026-01-10', source: 'Văn bản 12729/VPCP-KGVX ngày 25/12/2025' },
  // 2026: 2/9 bridge.
  { ruleKey: '2026-08-31-off', kind: 'day-off', name: 'Nghỉ hoán đổi (làm bù thứ Bảy 22/8/2026)', date: '2026-08-31', source: 'Văn bản 9859/VPCP-KGVX ngày 13/10/2025; Thông báo 9441/TB-BNV ngày 16/10/2025' },
  { ruleKey: '2026-08-22-work', kind: 'working-day', name: 'Làm bù cho thứ Hai 31/8/2026', date: '2026-08-22', source: 'Văn bản 9859/VPCP-KGVX ngày 13/10/2025; Thông báo 9441/TB-BNV ngày 16/10/2025' },
];
