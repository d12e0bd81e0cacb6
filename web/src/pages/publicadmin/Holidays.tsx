// Public holidays as deadlines count them: a year's days off and make-up working days, each with
// its legal source; platform admins enter next year's decision here (a day off, a working day,
// or a swap as one entry) and recompute the due dates of dossiers already received.
import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, Modal, NumberInput, SegmentedControl, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { DateField } from '../../components/DateField';
import { IconCalendarPlus, IconRefresh } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { del, get, patch, post, qs, type List } from '../../api';
import { ConfirmButton, EmptyState, ErrorAlert, Loading, notifySuccess, PageHeader, useAction, useLoad } from '../../components/ui';
import { nfc, num } from '../../format';
import { useRole } from '../../session';
import { day, dayOf, Mono, todayVn } from './common';

interface DayOff { date: string; name: string; source: string | null; compensatory?: boolean; weekend?: boolean }
interface MakeUp { date: string; name: string; source: string | null }
interface CalendarYear { year: number; items: DayOff[]; makeUp: MakeUp[] }
interface Rule {
  id: number; ruleKey: string | null; kind: 'solar' | 'lunar' | 'national-day-adjacent' | 'day-off' | 'working-day'; name: string;
  month: number | null; day: number | null; date: string | null; lengthDays: number; fromYear: number | null; toYear: number | null;
  enabled: boolean; builtin: boolean; source: string;
}
interface Recompute { dryRun: boolean; checked: number; changed: number; items: { code: string; from: string; to: string }[]; truncated: boolean }

const weekdayName = (iso: string, lang: string) =>
  new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'vi-VN', { weekday: 'long', timeZone: 'UTC' }).format(new Date(iso + 'T00:00:00Z'));

export function HolidaysPage() {
  const { t, i18n } = useTranslation();
  const { isAdmin } = useRole();
  const [year, setYear] = useState(Number(todayVn().slice(0, 4)) + 1);
  const [adding, setAdding] = useState(false);
  const [recomputing, setRecomputing] = useState(false);
  const act = useAction();
  const { data, error, loading, reload } = useLoad(async () => {
    const [cal, rules] = await Promise.all([get<CalendarYear>(`/publicadmin/calendar/${year}`), get<List<Rule>>('/publicadmin/holiday-rules' + qs({ year }))]);
    return { cal, rules: rules.items };
  }, [year]);
  const ruleWhen = (r: Rule) => r.date ? day(r.date)
    : `${r.kind === 'lunar' ? t('pa.holidays.lunar') + ' ' : ''}${r.day}/${r.month}${r.lengthDays > 1 ? ` (${t('pa.holidays.days', { count: r.lengthDays })})` : ''}`;

  return (
    <>
      <PageHeader title={t('pa.holidays.title')}>
        <NumberInput value={year} onChange={(v) => typeof v === 'number' && v >= 1901 && v <= 2199 && setYear(v)} min={1901} max={2199} w={110}
          aria-label={t('pa.holidays.year')} data-testid="holidays-year" />
        {isAdmin && <Button leftSection={<IconCalendarPlus size={16} />} onClick={() => setAdding(true)} data-testid="holiday-add">{t('pa.holidays.add')}</Button>}
        {isAdmin && <Button variant="light" leftSection={<IconRefresh size={16} />} onClick={() => setRecomputing(true)} data-testid="holiday-recompute">{t('pa.holidays.recompute')}</Button>}
      </PageHeader>
      <Text c="dimmed" size="sm" mb="md" maw={900}>{t('pa.holidays.intro')}</Text>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && (
        <Stack>
          <Card withBorder radius="md" p={0}>
            <Title order={5} p="md" pb={0}>{t('pa.holidays.daysOff', { year })}</Title>
            {data.cal.items.length === 0 ? <EmptyState>{t('pa.holidays.none')}</EmptyState> : (
              <Table.ScrollContainer minWidth={760}>
                <Table verticalSpacing="xs" data-testid="holidays-days-off">
                  <Table.Thead><Table.Tr><Table.Th>{t('pa.holidays.date')}</Table.Th><Table.Th>{t('common.name')}</Table.Th><Table.Th>{t('pa.holidays.source')}</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {data.cal.items.map((d) => (
                      <Table.Tr key={d.date} data-testid={`day-off-${d.date}`} bg={d.weekend ? 'gray.0' : undefined}>
                        <Table.Td><Text size="sm" fw={600}>{day(d.date)}</Text><Text size="xs" c="dimmed">{weekdayName(d.date, i18n.language)}</Text></Table.Td>
                        <Table.Td>
                          <Text size="sm">{d.name}</Text>
                          {d.compensatory && <Badge size="xs" variant="light" color="grape" tt="none">{t('pa.holidays.compensatory')}</Badge>}
                          {d.weekend && <Badge size="xs" variant="light" color="gray" tt="none">{t('pa.holidays.onWeekend')}</Badge>}
                        </Table.Td>
                        <Table.Td><Text size="xs">{d.source ?? '—'}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Card>
          <Card withBorder radius="md" p={0}>
            <Title order={5} p="md" pb={0}>{t('pa.holidays.makeUp', { year })}</Title>
            {data.cal.makeUp.length === 0 ? <Text c="dimmed" size="sm" p="md">{t('pa.holidays.noMakeUp')}</Text> : (
              <Table verticalSpacing="xs" data-testid="holidays-make-up">
                <Table.Tbody>
                  {data.cal.makeUp.map((m) => (
                    <Table.Tr key={m.date} data-testid={`make-up-${m.date}`}>
                      <Table.Td w={180}><Text size="sm" fw={600}>{day(m.date)}</Text><Text size="xs" c="dimmed">{weekdayName(m.date, i18n.language)}</Text></Table.Td>
                      <Table.Td><Text size="sm">{m.name}</Text></Table.Td>
                      <Table.Td><Text size="xs">{m.source ?? '—'}</Text></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
          <Card withBorder radius="md" p={0}>
            <Title order={5} p="md" pb={0}>{t('pa.holidays.rules', { year })}</Title>
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing="xs" data-testid="holiday-rules">
                <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>{t('pa.holidays.when')}</Table.Th><Table.Th>{t('common.name')}</Table.Th><Table.Th>{t('pa.holidays.source')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {data.rules.map((r) => (
                    <Table.Tr key={r.id} data-testid={`rule-${r.id}`} style={r.enabled ? undefined : { opacity: 0.5 }}>
                      <Table.Td><Mono>{r.id}</Mono></Table.Td>
                      <Table.Td><Text size="sm">{ruleWhen(r)}</Text>
                        <Badge size="xs" variant="light" color={r.builtin ? 'gray' : 'blue'} tt="none">{t(r.builtin ? 'pa.holidays.builtin' : 'pa.holidays.operator')}</Badge>{' '}
                        <Badge size="xs" variant="outline" color="gray" tt="none">{t(`pa.holidays.kind.${r.kind}`)}</Badge></Table.Td>
                      <Table.Td><Text size="sm">{r.name}</Text>{!r.enabled && <Badge size="xs" color="orange" variant="light" tt="none">{t('pa.holidays.disabled')}</Badge>}</Table.Td>
                      <Table.Td><Text size="xs">{r.source || '—'}</Text></Table.Td>
                      <Table.Td ta="right">
                        {isAdmin && (
                          <Group gap={6} justify="flex-end" wrap="nowrap">
                            <Switch size="xs" checked={r.enabled} aria-label={t('pa.holidays.enabled')} data-testid={`rule-enabled-${r.id}`}
                              onChange={(e) => { const enabled = e.currentTarget.checked; void act.run(async () => { await patch(`/publicadmin/holiday-rules/${r.id}`, { enabled }); await reload(); }, t(enabled ? 'pa.holidays.turnedOn' : 'pa.holidays.turnedOff', { name: r.name })); }} />
                            {!r.builtin && <ConfirmButton label={t('common.delete')} question={t('pa.holidays.confirmDelete', { name: r.name })} testId={`rule-delete-${r.id}`}
                              onConfirm={() => void act.run(async () => { await del(`/publicadmin/holiday-rules/${r.id}`); await reload(); }, t('notice.deleted', { what: `“${r.name}”` }))} />}
                          </Group>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        </Stack>
      )}
      <AddDecision opened={adding} year={year} onClose={() => setAdding(false)} onDone={reload} />
      <RecomputeDeadlines opened={recomputing} onClose={() => setRecomputing(false)} />
    </>
  );
}

type DecisionKind = 'swap' | 'day-off' | 'working-day';

function AddDecision({ opened, year, onClose, onDone }: { opened: boolean; year: number; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<DecisionKind>('swap');
  const [date, setDate] = useState('');
  const [work, setWork] = useState('');
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const { busy, error, run, setError } = useAction();
  const close = () => { setError(undefined); onClose(); };
  const body = () => {
    const src = nfc(source);
    if (kind === 'swap') {
      return [
        { kind: 'day-off', date, name: nfc(name) || t('pa.holidays.swapOffName', { date: day(work) }), source: src },
        { kind: 'working-day', date: work, name: t('pa.holidays.swapWorkName', { date: day(date) }), source: src },
      ];
    }
    return { kind, date, name: nfc(name) || t(kind === 'day-off' ? 'pa.holidays.dayOffName' : 'pa.holidays.workingDayName'), source: src };
  };
  return (
    <Modal opened={opened} onClose={close} title={t('pa.holidays.addTitle', { year })} size="lg">
      <form onSubmit={(e) => { e.preventDefault(); const added = body(); void run(async () => { await post('/publicadmin/holiday-rules', added); await onDone(); setDate(''); setWork(''); setName(''); setSource(''); onClose(); }, t('pa.holidays.added', { names: (Array.isArray(added) ? added : [added]).map((r) => `“${r.name}”`).join(', ') })); }}>
        <Stack>
          <SegmentedControl value={kind} onChange={(v) => setKind(v as DecisionKind)} data-testid="decision-kind"
            data={[{ value: 'swap', label: t('pa.holidays.swap') }, { value: 'day-off', label: t('pa.holidays.kind.day-off') }, { value: 'working-day', label: t('pa.holidays.kind.working-day') }]} />
          <Text size="sm" c="dimmed">{t(`pa.holidays.help.${kind}`)}</Text>
          <Group grow>
            <DateField required label={kind === 'working-day' ? t('pa.holidays.workDate') : t('pa.holidays.offDate')} value={date} onChange={setDate} data-testid="decision-date" />
            {kind === 'swap' && <DateField required label={t('pa.holidays.workDate')} value={work} onChange={setWork} data-testid="decision-work" />}
          </Group>
          <TextInput label={t('common.name')} placeholder={t('pa.holidays.namePlaceholder')} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="decision-name" />
          <TextInput required label={t('pa.holidays.source')} description={t('pa.holidays.sourceHint')} placeholder="Văn bản 9859/VPCP-KGVX ngày 13/10/2025"
            value={source} onChange={(e) => setSource(e.currentTarget.value)} data-testid="decision-source" />
          <Alert color="blue" variant="light">{t('pa.holidays.effect')}</Alert>
          <ErrorAlert error={error} />
          <Group justify="flex-end"><Button variant="default" onClick={close}>{t('common.cancel')}</Button><Button type="submit" loading={busy} data-testid="decision-submit">{t('common.create')}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}

function RecomputeDeadlines({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [preview, setPreview] = useState<Recompute | null>(null);
  const [done, setDone] = useState<Recompute | null>(null);
  const { busy, error, run, setError } = useAction();
  const close = () => { setPreview(null); setDone(null); setError(undefined); onClose(); };
  const result = done ?? preview;
  return (
    <Modal opened={opened} onClose={close} title={t('pa.holidays.recompute')} size="lg">
      <Stack>
        <Text size="sm">{t('pa.holidays.recomputeHelp')}</Text>
        {result && (
          <Alert color={done ? 'teal' : 'blue'} variant="light" data-testid="recompute-result">
            {t(done ? 'pa.holidays.recomputed' : 'pa.holidays.wouldChange', { changed: num(result.changed), checked: num(result.checked) })}
          </Alert>
        )}
        {result && result.items.length > 0 && (
          <Table verticalSpacing={4} fz="sm" data-testid="recompute-items">
            <Table.Thead><Table.Tr><Table.Th>{t('pa.dossiers.code')}</Table.Th><Table.Th>{t('pa.holidays.dueBefore')}</Table.Th><Table.Th>{t('pa.holidays.dueAfter')}</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {result.items.slice(0, 200).map((c) => <Table.Tr key={c.code}><Table.Td><Mono>{c.code}</Mono></Table.Td><Table.Td>{dayOf(c.from)}</Table.Td><Table.Td fw={600}>{dayOf(c.to)}</Table.Td></Table.Tr>)}
            </Table.Tbody>
          </Table>
        )}
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t(done ? 'common.close' : 'common.cancel')}</Button>
          {!done && !preview && <Button loading={busy} onClick={() => void run(async () => setPreview(await post<Recompute>('/publicadmin/dossiers/recompute-deadlines', { dryRun: true })))} data-testid="recompute-preview">{t('pa.holidays.preview')}</Button>}
          {!done && preview && preview.changed > 0 && <Button color="orange" loading={busy} onClick={() => void run(async () => { const r = await post<Recompute>('/publicadmin/dossiers/recompute-deadlines', {}); setDone(r); notifySuccess(t('pa.holidays.recomputed', { changed: num(r.changed), checked: num(r.checked) })); })} data-testid="recompute-apply">{t('pa.holidays.apply', { count: preview.changed })}</Button>}
        </Group>
      </Stack>
    </Modal>
  );
}
