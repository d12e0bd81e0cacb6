// Requests, error rate and latency over the last hour / day / week; per service and client.
import { useMemo, useState } from 'react';
import { Card, Grid, Group, Paper, SegmentedControl, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, qs, type Stats, type Traffic } from '../api';
import { Chart } from '../components/Chart';
import { EmptyState, ErrorAlert, Loading, PageHeader, useLoad } from '../components/ui';
import { num, pct, shortTime } from '../format';
import { useRole } from '../session';

function StatCard({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>{label}</Text>
      <Text size="xl" fw={700} data-testid={testId}>{value}</Text>
    </Paper>
  );
}

function GroupTable({ title, head, rows }: { title: string; head: string; rows: (Stats & { key: string })[] }) {
  const { t } = useTranslation();
  return (
    <Card withBorder radius="md">
      <Title order={5} mb="sm">{title}</Title>
      {/* Half the page at 1366 px: the id wraps rather than pushing the numbers out of view. */}
      <Table striped highlightOnHover layout="fixed">
          <Table.Thead><Table.Tr><Table.Th>{head}</Table.Th><Table.Th w={90} ta="right">{t('dash.requests')}</Table.Th><Table.Th w={90} ta="right">{t('dash.errorRate')}</Table.Th><Table.Th w={64} ta="right">p50</Table.Th><Table.Th w={64} ta="right">p95</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.key}>
                <Table.Td><Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>{r.key}</Text></Table.Td>
                <Table.Td ta="right">{num(r.requests)}</Table.Td>
                <Table.Td ta="right">{pct(r.errorRate)}</Table.Td>
                <Table.Td ta="right">{num(r.p50, 1)}</Table.Td>
                <Table.Td ta="right">{num(r.p95, 1)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
      </Table>
    </Card>
  );
}

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const { role, member } = useRole();
  const [range, setRange] = useState('hour');
  const { data, error, loading } = useLoad(() => get<Traffic>('/dashboard' + qs({ range })), [range]);

  const options = useMemo(() => {
    if (!data) return null;
    const x = data.buckets.map((b) => shortTime(b.t, range === 'week'));
    // A lone point has no line to draw: show the symbols when points are few.
    const fewPoints = data.buckets.filter((b) => b.p50 !== null).length < 3;
    const common = { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 48, right: 16, top: 36, bottom: 28 }, xAxis: { type: 'category', data: x } };
    return {
      traffic: {
        ...common, yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: t('dash.ok'), type: 'bar', stack: 'r', color: '#2f9e44', data: data.buckets.map((b) => b.requests - b.clientErrors - b.serverErrors) },
          { name: t('dash.clientErrors'), type: 'bar', stack: 'r', color: '#f59f00', data: data.buckets.map((b) => b.clientErrors) },
          { name: t('dash.serverErrors'), type: 'bar', stack: 'r', color: '#e03131', data: data.buckets.map((b) => b.serverErrors) },
        ],
      },
      latency: {
        ...common, yAxis: { type: 'value', name: 'ms' },
        series: [
          { name: 'p50', type: 'line', smooth: true, showSymbol: fewPoints, connectNulls: true, color: '#1971c2', data: data.buckets.map((b) => b.p50) },
          { name: 'p95', type: 'line', smooth: true, showSymbol: fewPoints, connectNulls: true, color: '#ae3ec9', data: data.buckets.map((b) => b.p95) },
        ],
      },
    };
    // i18n.language: labels and times follow the language.
  }, [data, range, t, i18n.language]);

  return (
    <>
      <PageHeader title={t('dash.title')}>
        <SegmentedControl value={range} onChange={setRange} data-testid="range"
          data={[{ value: 'hour', label: t('dash.hour') }, { value: 'day', label: t('dash.day') }, { value: 'week', label: t('dash.week') }]} />
      </PageHeader>
      {role === 'agency_admin' && <Text size="sm" c="dimmed" mb="sm">{t('dash.scopeAgency', { member })}</Text>}
      <ErrorAlert error={error} />
      {loading && !data && <Loading />}
      {data && (
        <>
          <SimpleGrid cols={{ base: 2, md: 4 }} mb="md">
            <StatCard label={t('dash.requests')} value={num(data.totals.requests)} testId="total-requests" />
            <StatCard label={t('dash.errorRate')} value={pct(data.totals.errorRate)} />
            <StatCard label={t('dash.p50')} value={data.totals.p50 === null ? '—' : `${num(data.totals.p50, 1)} ms`} />
            <StatCard label={t('dash.p95')} value={data.totals.p95 === null ? '—' : `${num(data.totals.p95, 1)} ms`} />
          </SimpleGrid>
          {data.totals.requests === 0 ? (
            <EmptyState><Text fw={600} c="dark" span>{t('dash.empty')}</Text><br />{t('dash.emptyHint')}</EmptyState>
          ) : (
            <Grid>
              <Grid.Col span={{ base: 12, lg: 6 }}><Card withBorder radius="md"><Title order={5}>{t('dash.traffic')}</Title>{options && <Chart option={options.traffic} testId="chart-traffic" label={t('dash.trafficText', { requests: num(data.totals.requests), errorRate: pct(data.totals.errorRate) })} />}</Card></Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}><Card withBorder radius="md"><Title order={5}>{t('dash.latency')}</Title>{options && <Chart option={options.latency} testId="chart-latency" label={t('dash.latencyText', { p50: data.totals.p50 === null ? '—' : num(data.totals.p50, 1), p95: data.totals.p95 === null ? '—' : num(data.totals.p95, 1) })} />}</Card></Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}><GroupTable title={t('dash.byService')} head={t('dash.service')} rows={data.services} /></Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}><GroupTable title={t('dash.byClient')} head={t('dash.client')} rows={data.clients} /></Grid.Col>
            </Grid>
          )}
        </>
      )}
      <Group />
    </>
  );
}
