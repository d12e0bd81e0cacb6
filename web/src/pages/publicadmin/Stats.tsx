// On-time results per agency and per procedure (the "progress and results" part of the service
// index, QĐ 766/QĐ-TTg): the dossiers service's /stats numbers, charted.
import { useMemo, useState } from 'react';
import { Button, Card, Grid, Group, Paper, Progress, Select, SimpleGrid, Table, Text, TextInput, Title } from '@mantine/core';
import { DateField } from '../../components/DateField';
import { useTranslation } from 'react-i18next';
import { get, qs, type List } from '../../api';
import { Chart } from '../../components/Chart';
import { EmptyState, ErrorAlert, Loading, PageHeader, useLoad } from '../../components/ui';
import { dateTime, num, pct } from '../../format';
import { Mono, type Agency, type Counts, type Procedure, type StatsAnswer } from './common';

function StatCard({ label, value, color, testId }: { label: string; value: string; color?: string; testId?: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>{label}</Text>
      <Text size="xl" fw={700} c={color} data-testid={testId}>{value}</Text>
    </Paper>
  );
}

const rate = (r: number | null) => (r === null ? '—' : pct(r));

type Row = Counts & { key: string; label: string };

function StatsTable({ head, rows, testId }: { head: string; rows: Row[]; testId: string }) {
  const { t } = useTranslation();
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped highlightOnHover data-testid={testId}>
        <Table.Thead><Table.Tr>
          <Table.Th>{head}</Table.Th><Table.Th ta="right">{t('pa.stats.received')}</Table.Th><Table.Th ta="right">{t('pa.stats.onTime')}</Table.Th>
          <Table.Th ta="right">{t('pa.stats.late')}</Table.Th><Table.Th ta="right">{t('pa.stats.overdue')}</Table.Th><Table.Th w={180}>{t('pa.stats.rate')}</Table.Th>
        </Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key} data-testid={`${testId}-${r.key}`}>
              <Table.Td><Text size="sm" fw={500} lineClamp={1}>{r.label}</Text><Mono>{r.key}</Mono></Table.Td>
              <Table.Td ta="right">{num(r.received)}</Table.Td>
              <Table.Td ta="right">{num(r.finishedOnTime)}</Table.Td>
              <Table.Td ta="right">{num(r.finishedLate)}</Table.Td>
              <Table.Td ta="right" c={r.overdueNow ? 'red' : undefined} fw={r.overdueNow ? 700 : undefined}>{num(r.overdueNow)}</Table.Td>
              <Table.Td>
                <Group gap={8} wrap="nowrap"><Progress aria-label={t('pa.stats.rate')} value={(r.onTimeRate ?? 0) * 100} color={r.onTimeRate === null ? 'gray' : r.onTimeRate >= 0.9 ? 'teal' : r.onTimeRate >= 0.7 ? 'yellow' : 'red'} w={90} />
                  <Text size="sm" fw={600}>{rate(r.onTimeRate)}</Text></Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function StatsPage() {
  const { t, i18n } = useTranslation();
  const [f, setF] = useState({ from: '', to: '', agencyCode: null as string | null });
  const [applied, setApplied] = useState(f);
  const refs = useLoad(async () => {
    const [a, p] = await Promise.all([get<List<Agency>>('/publicadmin/agencies?limit=1000'), get<List<Procedure>>('/publicadmin/procedures?limit=1000')]);
    return { agencies: new Map(a.items.map((x) => [x.code, x.shortName ?? x.name])), procedures: new Map(p.items.map((x) => [x.code, x.name])) };
  });
  const { data, error, loading } = useLoad(() => get<StatsAnswer>('/publicadmin/stats' + qs({ from: applied.from, to: applied.to, agencyCode: applied.agencyCode })), [applied]);

  const rows = useMemo(() => {
    if (!data) return null;
    return {
      agencies: data.byAgency.map((r) => ({ ...r, key: r.agencyCode, label: refs.data?.agencies.get(r.agencyCode) ?? r.agencyCode })),
      procedures: data.byProcedure.map((r) => ({ ...r, key: r.procedureCode, label: refs.data?.procedures.get(r.procedureCode) ?? r.procedureCode })),
    };
  }, [data, refs.data]);

  const chart = (list: Row[]) => ({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { bottom: 0 },
    grid: { left: 40, right: 56, top: 16, bottom: list.length > 4 ? 96 : 64 },
    xAxis: { type: 'category', data: list.map((r) => r.label), axisLabel: { interval: 0, width: 140, overflow: 'truncate', rotate: list.length > 4 ? 20 : 0 } },
    yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value} %' }, splitLine: { show: false } }],
    series: [
      { name: t('pa.stats.onTime'), type: 'bar', stack: 'd', color: '#2f9e44', barMaxWidth: 48, data: list.map((r) => r.finishedOnTime) },
      { name: t('pa.stats.late'), type: 'bar', stack: 'd', color: '#f59f00', data: list.map((r) => r.finishedLate) },
      { name: t('pa.stats.overdue'), type: 'bar', stack: 'd', color: '#e03131', data: list.map((r) => r.overdueNow) },
      { name: t('pa.stats.inProgress'), type: 'bar', stack: 'd', color: '#ced4da', data: list.map((r) => Math.max(0, r.received - r.finishedOnTime - r.finishedLate - r.overdueNow)) },
      { name: t('pa.stats.rate'), type: 'line', yAxisIndex: 1, color: '#1971c2', symbolSize: 9, data: list.map((r) => (r.onTimeRate === null ? null : Math.round(r.onTimeRate * 1000) / 10)) },
    ],
  });
  // i18n.language: series names follow the language.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const options = useMemo(() => (rows ? { agencies: chart(rows.agencies), procedures: chart(rows.procedures) } : null), [rows, i18n.language]);

  return (
    <>
      <PageHeader title={t('pa.stats.title')} />
      <Card withBorder radius="md" mb="md">
        <form onSubmit={(e) => { e.preventDefault(); setApplied({ ...f }); }}>
          <Group align="flex-end">
            <DateField label={t('pa.stats.from')} value={f.from} onChange={(v) => setF({ ...f, from: v })} data-testid="stats-from" />
            <DateField label={t('pa.stats.to')} value={f.to} onChange={(v) => setF({ ...f, to: v })} data-testid="stats-to" />
            <Select label={t('pa.dossiers.agency')} placeholder={t('common.all')} clearable searchable w={320} value={f.agencyCode} onChange={(v) => setF({ ...f, agencyCode: v })}
              data={[...(refs.data?.agencies.entries() ?? [])].map(([code, name]) => ({ value: code, label: `${name} (${code})` }))} />
            <Button type="submit" data-testid="stats-apply">{t('pa.stats.apply')}</Button>
          </Group>
          <Text size="xs" c="dimmed" mt="xs">{t('pa.stats.rule')}</Text>
        </form>
      </Card>
      <ErrorAlert error={error ?? refs.error} />
      {loading && !data && <Loading />}
      {data && rows && (
        <>
          <SimpleGrid cols={{ base: 2, md: 5 }} mb="md">
            <StatCard label={t('pa.stats.received')} value={num(data.total.received)} testId="stat-received" />
            <StatCard label={t('pa.stats.onTime')} value={num(data.total.finishedOnTime)} color="teal" testId="stat-on-time" />
            <StatCard label={t('pa.stats.late')} value={num(data.total.finishedLate)} color="orange" testId="stat-late" />
            <StatCard label={t('pa.stats.overdue')} value={num(data.total.overdueNow)} color={data.total.overdueNow ? 'red' : undefined} testId="stat-overdue" />
            <StatCard label={t('pa.stats.rate')} value={rate(data.total.onTimeRate)} testId="stat-rate" />
          </SimpleGrid>
          {data.total.received === 0 ? <EmptyState>{t('pa.stats.empty')}</EmptyState> : (
            <Grid>
              <Grid.Col span={{ base: 12, lg: 6 }}>
                <Card withBorder radius="md" h="100%"><Title order={5} mb="xs">{t('pa.stats.byAgency')}</Title>{options && <Chart option={options.agencies} height={320} testId="chart-agencies" />}</Card>
              </Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}>
                <Card withBorder radius="md" h="100%"><Title order={5} mb="xs">{t('pa.stats.byProcedure')}</Title>{options && <Chart option={options.procedures} height={320} testId="chart-procedures" />}</Card>
              </Grid.Col>
              <Grid.Col span={12}>
                <Card withBorder radius="md"><Title order={5} mb="xs">{t('pa.stats.byAgency')}</Title><StatsTable head={t('pa.dossiers.agency')} rows={rows.agencies} testId="stats-agency" /></Card>
              </Grid.Col>
              <Grid.Col span={12}>
                <Card withBorder radius="md"><Title order={5} mb="xs">{t('pa.stats.byProcedure')}</Title><StatsTable head={t('pa.dossiers.procedure')} rows={rows.procedures} testId="stats-procedure" /></Card>
              </Grid.Col>
            </Grid>
          )}
          <Text size="xs" c="dimmed" mt="sm">{t('pa.stats.at', { at: dateTime(data.at) })}</Text>
        </>
      )}
    </>
  );
}
