// Shapes of the /publicadmin admin views and the small pieces the five pages share: status
// badges with the national status names, and dates shown in Asia/Ho_Chi_Minh.
import { useState } from 'react';
import { Badge, Button, Code, Group, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import i18n from '../../i18n';

export interface Province { code: string; name: string; shortName: string; type: string }
export interface Unit {
  code: string; name: string; shortName: string; level: 'province' | 'commune'; type: string;
  provinceCode: string | null; provinceName: string | null; districtName?: string; validFrom: string | null; validTo: string | null;
}
export interface UnitVersion { code: string; name: string; type: string; level: string; provinceCode: string | null; provinceName: string | null; districtName: string | null; validFrom: string | null; validTo: string | null; source: string }
export interface Mapping {
  /** Null when the address package names the old unit without its code (see `vamco units check`). */
  oldCode: string | null; oldName: string | null; oldDistrictName: string | null; oldProvinceName: string | null; oldProvinceCode: string | null;
  newCode: string; newName: string | null; newProvinceCode: string | null; kind: 'unchanged' | 'renamed' | 'merged' | 'split' | 'split-merged'; effectiveFrom: string;
}
export interface UnitDetail { code: string; at: string; unit: Unit | null; versions: UnitVersion[]; became: Mapping[]; cameFrom: Mapping[] }
export interface Agency { code: string; name: string; shortName: string | null; parentCode: string | null; level: number; unitCode: string | null; address: string | null; email: string | null; phone: string | null; createdAt: string; updatedAt: string }
export interface Fee { channel?: string; amount?: string | number | null; description?: string | null }
export interface Procedure {
  code: string; name: string; fieldCode: string | null; fieldName: string | null; level: string | null; processingDays: number | null; processingNote: string | null;
  fees: Fee[]; documents: { name: string; originals?: number | null; copies?: number | null }[]; agencies: { code: string | null; name: string | null }[];
  results: string[]; legalBasis: string[]; publishingAgency: string | null; source: string; updatedAt: string;
}
export interface DossierItem {
  code: string; agencyCode: string; agencyName: string | null; procedureCode: string; procedureName: string | null; status: number; statusName: string;
  channel: string | null; processingDays: number; receivedAt: string; dueAt: string | null; clockPaused: boolean; finishedAt: string | null;
  returnedAt: string | null; updatedAt: string; onTime: boolean | null; overdue: boolean;
}
export interface HistoryEvent { at: string; kind: 'created' | 'transition' | 'deadline-recomputed'; from: number | null; to: number; statusName: string; note: string | null; dueAt: string | null; by: { client: string | null; userId: string | null } }
export interface Dossier extends Omit<DossierItem, 'updatedAt'> {
  fieldCode: string | null; fieldName: string | null; summary: string | null; note: string | null; dueDate: string | null; pausedAt: string | null;
  applicant: { name: string; type?: 1 | 2; idNumber?: string; email?: string; phone?: string; address?: string; [k: string]: unknown };
  documents: Record<string, unknown>[]; fees: Record<string, unknown>[]; history: HistoryEvent[];
}
export interface Counts { received: number; finishedOnTime: number; finishedLate: number; overdueNow: number; onTimeRate: number | null }
export interface StatsAnswer { from: string | null; to: string | null; agencyCode: string | null; at: string; total: Counts; byAgency: (Counts & { agencyCode: string })[]; byProcedure: (Counts & { procedureCode: string })[] }

export const STATUSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
// Grey while not yet in hand, blue/cyan while processing, yellow/violet while waiting on the
// applicant, red when stopped or refused, green when done.
const STATUS_COLORS: Record<number, string> = { 1: 'gray', 2: 'blue', 3: 'red', 4: 'cyan', 5: 'yellow', 6: 'violet', 7: 'orange', 8: 'red', 9: 'teal', 10: 'green' };
export const statusColor = (s: number): string => STATUS_COLORS[s] ?? 'gray';

export function StatusBadge({ status, size = 'md' }: { status: number; size?: 'sm' | 'md' | 'lg' }) {
  const { t } = useTranslation();
  // The official (Vietnamese) name stays at hand in English, for matching the national portal.
  return <Badge color={statusColor(status)} variant="light" size={size} tt="none" data-testid="status-badge"
    title={i18n.getFixedT('vi')(`pa.status.${status}`)}>{status} · {t(`pa.status.${status}`)}</Badge>;
}

/** A marker next to a due date: overdue, paused for a supplement, or finished late/on time. */
export function DueMarker({ d }: { d: Pick<DossierItem, 'overdue' | 'clockPaused' | 'onTime'> }) {
  const { t } = useTranslation();
  if (d.overdue) return <Badge color="red" variant="filled" size="sm" tt="none" data-testid="overdue">{t('pa.overdue')}</Badge>;
  if (d.clockPaused) return <Badge color="yellow" variant="light" size="sm" tt="none">{t('pa.paused')}</Badge>;
  if (d.onTime === true) return <Badge color="teal" variant="light" size="sm" tt="none">{t('pa.onTime')}</Badge>;
  if (d.onTime === false) return <Badge color="orange" variant="light" size="sm" tt="none">{t('pa.late')}</Badge>;
  return null;
}

const TZ = 'Asia/Ho_Chi_Minh';
const locale = () => (i18n.language === 'en' ? 'en-GB' : 'vi-VN');

/** Today's date in Vietnam, YYYY-MM-DD (what the API takes as `at`). */
export function todayVn(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** A calendar day (YYYY-MM-DD, already local) in the UI language: 30/06/2025. */
export function day(d: string | null | undefined): string {
  if (!d) return '—';
  return new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(d + 'T00:00:00Z'));
}

/** The local date of an instant, in Vietnam. */
export function dayOf(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale(), { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** "01/07/2025 – nay" for a validity range (inclusive; null = open). */
export function validity(from: string | null, to: string | null, t: (k: string) => string): string {
  return `${from ? day(from) : t('pa.units.always')} – ${to ? day(to) : t('pa.units.now')}`;
}

export const Mono = ({ children }: { children: React.ReactNode }) => <Text span ff="monospace" size="sm">{children}</Text>;

/** A shell command in an empty state: what to type next. */
export const Cmd = ({ children }: { children: string }) => <Code fz="sm">{children}</Code>;

export const money = (v: string | number | null | undefined): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') return v === 0 ? i18n.t('pa.procedures.free') : new Intl.NumberFormat(locale(), { style: 'currency', currency: 'VND', maximumFractionDigits: 0 }).format(v);
  return v;
};

/** The search box of the list pages: the query is applied on submit, not on every key. */
export function SearchForm({ placeholder, testId, onSearch }: { placeholder: string; testId: string; onSearch: (q: string) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  return (
    <form onSubmit={(e) => { e.preventDefault(); onSearch(q.trim()); }}>
      <Group gap="xs" align="flex-end">
        <TextInput label={placeholder} placeholder={placeholder} value={q} onChange={(e) => setQ(e.currentTarget.value)} leftSection={<IconSearch size={16} />} w={280} data-testid={testId} />
        <Button type="submit" variant="light">{t('common.search')}</Button>
      </Group>
    </form>
  );
}
