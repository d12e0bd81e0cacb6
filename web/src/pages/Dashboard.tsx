// Requests, refusals, backend failures and latency over the last hour / day / week; per service
// and client, by name, each row opening the message log filtered to it (issue 14).
import { useMemo, useState } from 'react';
import { Card, Grid, Group, List, Paper, SegmentedControl, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, qs, type Stats, type Traffic } from '../api';
import { Chart } from '../components/Chart';
import { Named, useNames } from '../components/Named';
import { EmptyState, ErrorAlert, Loading, PageHeader, openRow, useLoad } from '../components/ui';
import { num, pct, shortTime } from '../format';
import { navigate } from '../router';
import { useRole, useSession } from '../session';

function StatCard({ label, value, sub, hint, testId }: { label: string; value: string; sub?: string; hint?: string; testId?: string }) {
  return (
    <Paper withBorder p="md" radius="md" title={hint}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>{label}</Text>
      <Text size="xl" fw={700} data-testid={testId}>{value}</Text>
      {sub && <Text size="xs" c="dimmed" data-testid={testId && `${testId}-rate`}>{sub}</Text>}
    </Paper>
  );
}

/**
 * A row's name and what it belongs to, from the registry's names: a service by its OpenAPI title
 * (else its code) under its system and agency; a client system by its name (else its code) under
 * its agency. Ids of another instance have no name here and show as ids.
 */
function useRowNames(): (key: string) => { name: string | null; owner: string | null } {
  const names = useNames();
  const instance = useSession().auth.platform?.instance;
  return (key) => {
    if (!instance || !key.startsWith(instance + '/')) return { name: null, owner: null };
    const local = key.slice(instance.length + 1);
    const [cls, code, sub, svc] = local.split('/');
    const member = `${cls}/${code}`;
    const memberName = names.name(member) ?? member;
    if (svc !== undefined) return { name: names.name(local) ?? svc, owner: `${names.name(`${member}/${sub}`) ?? sub} · ${memberName}` };
    if (sub !== undefined) return { name: names.name(local) ?? sub, owner: memberName };
    return { name: names.name(local), owner: null };
  };
}

/** Counts with their share of the row's requests under them. */
function Share({ n, rate, testId }: { n: number; rate: number; testId: string }) {
  return <><Text size="sm" data-testid={testId}>{num(n)}</Text><Text size="xs" c="dimmed">{pct(rate)}</Text></>;
}

function GroupTable({ title, head, rows, filter, window, testId }: {
  title: string; head: string; rows: (Stats & { key: string })[]; filter: 'service' | 'client'; window: { from: string; to: string }; testId: string;
}) {
  const { t } = useTranslation();
  const rowNames = useRowNames();
  // The message log's own query (?service= or ?client=, from, to): the records this row counts.
  const open = (key: string) => navigate('/messages' + qs({ [filter]: key, from: window.from, to: window.to }));
  return (
    <Card withBorder radius="md">
      <Title order={5}>{title}</Title>
      <Text size="xs" c="dimmed" mb="sm">{t('dash.rowsHint')}</Text>
      {/* Half the page at 1366 px: the name wraps rather than pushing the numbers out of view. */}
      <Table striped highlightOnHover layout="fixed" data-testid={testId}>
          <Table.Thead><Table.Tr><Table.Th>{head}</Table.Th><Table.Th w={76} ta="right">{t('dash.requests')}</Table.Th><Table.Th w={92} ta="right" title={t('dash.refusalsHint')}>{t('dash.refusals')}</Table.Th><Table.Th w={92} ta="right" title={t('dash.failuresHint')}>{t('dash.failures')}</Table.Th><Table.Th w={64} ta="right">p95</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {rows.map((r) => {
              const n = rowNames(r.key);
              return (
                <Table.Tr key={r.key} {...openRow(() => open(r.key))} title={t('dash.openLog', { what: n.name ?? r.key })} data-testid={`${testId}-row`} data-key={r.key}>
                  <Table.Td><Named id={r.key} name={n.name} />{n.owner && <Text size="xs" c="dimmed" data-testid="row-owner">{n.owner}</Text>}</Table.Td>
                  <Table.Td ta="right"><Text size="sm" data-testid="row-requests">{num(r.requests)}</Text></Table.Td>
                  <Table.Td ta="right"><Share n={r.refusals} rate={r.refusalRate} testId="row-refusals" /></Table.Td>
                  <Table.Td ta="right"><Share n={r.backendFailures} rate={r.backendFailureRate} testId="row-failures" /></Table.Td>
                  <Table.Td ta="right">{num(r.p95, 1)}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
      </Table>
    </Card>
  );
}

/** What the rows leave out, counted in the totals all the same. */
const SET_APART = ['metaservices', 'unregisteredServices', 'unregisteredClients'] as const;

export function DashboardPage() {
  const { t, i18n } = useTranslation();
  const { role, member } = useRole();
  const [range, setRange] = useState('hour');
  const { data, error, loading } = useLoad(() => get<Traffic>('/dashboard' + qs({ range })), [range]);

  const options = useMemo(() => {
    if (!data) return null;
    const x = data.buckets.map((b) => shortTime(b.t, range === 'week'));
    // Refusals (the gateway's) and backend failures (the provider's) apart: they call for different people.
    const trafficSeries = [
      { name: t('dash.answered'), type: 'bar', stack: 'r', color: '#2f9e44', data: data.buckets.map((b) => b.requests - b.refusals - b.backendFailures) },
      { name: t('dash.refusals'), type: 'bar', stack: 'r', color: '#f59f00', data: data.buckets.map((b) => b.refusals) },
      { name: t('dash.failures'), type: 'bar', stack: 'r', color: '#e03131', data: data.buckets.map((b) => b.backendFailures) },
    ];
    const common = { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 48, right: 16, top: 36, bottom: 28 }, xAxis: { type: 'category', data: x } };
    return {
      traffic: { ...common, yAxis: { type: 'value', minInterval: 1 }, series: trafficSeries },
      // The chart in words, from the very series it draws: a screen reader hears what is shown.
      trafficText: t('dash.trafficText', {
        requests: num(data.totals.requests),
        parts: trafficSeries.map((x) => `${x.name} ${num(x.data.reduce((n, v) => n + v, 0))}`).join(', '),
      }),
      latency: {
        ...common, yAxis: { type: 'value', name: 'ms' },
        series: [
          // No line across a period without traffic (there is no latency to draw there); the
          // symbols show the points a gap leaves alone.
          { name: 'p50', type: 'line', smooth: true, showSymbol: true, symbolSize: 4, connectNulls: false, color: '#1971c2', data: data.buckets.map((b) => b.p50) },
          { name: 'p95', type: 'line', smooth: true, showSymbol: true, symbolSize: 4, connectNulls: false, color: '#ae3ec9', data: data.buckets.map((b) => b.p95) },
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
          <SimpleGrid cols={{ base: 2, md: 5 }} mb="md">
            <StatCard label={t('dash.requests')} value={num(data.totals.requests)} testId="total-requests" />
            <StatCard label={t('dash.refusals')} value={num(data.totals.refusals)} sub={t('dash.ofRequests', { rate: pct(data.totals.refusalRate) })} hint={t('dash.refusalsHint')} testId="total-refusals" />
            <StatCard label={t('dash.failures')} value={num(data.totals.backendFailures)} sub={t('dash.ofRequests', { rate: pct(data.totals.backendFailureRate) })} hint={t('dash.failuresHint')} testId="total-failures" />
            <StatCard label={t('dash.p50')} value={data.totals.p50 === null ? '—' : `${num(data.totals.p50, 1)} ms`} />
            <StatCard label={t('dash.p95')} value={data.totals.p95 === null ? '—' : `${num(data.totals.p95, 1)} ms`} />
          </SimpleGrid>
          {data.totals.requests === 0 ? (
            <EmptyState><Text fw={600} c="dark" span>{t('dash.empty')}</Text><br />{t('dash.emptyHint')}</EmptyState>
          ) : (
            <Grid>
              <Grid.Col span={{ base: 12, lg: 6 }}><Card withBorder radius="md"><Title order={5}>{t('dash.traffic')}</Title>{options && <Chart option={options.traffic} testId="chart-traffic" label={options.trafficText} />}</Card></Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}><Card withBorder radius="md"><Title order={5}>{t('dash.latency')}</Title>{options && <Chart option={options.latency} testId="chart-latency" label={t('dash.latencyText', { p50: data.totals.p50 === null ? '—' : num(data.totals.p50, 1), p95: data.totals.p95 === null ? '—' : num(data.totals.p95, 1) })} />}</Card></Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}><GroupTable title={t('dash.byService')} head={t('dash.service')} rows={data.services} filter="service" window={data} testId="by-service" /></Grid.Col>
              <Grid.Col span={{ base: 12, lg: 6 }}><GroupTable title={t('dash.byClient')} head={t('dash.client')} rows={data.clients} filter="client" window={data} testId="by-client" /></Grid.Col>
              {SET_APART.some((k) => data.setApart[k] > 0) && (
                <Grid.Col span={12}>
                  <Text size="sm" c="dimmed">{t('dash.setApart')}</Text>
                  <List size="sm" c="dimmed" data-testid="set-apart">
                    {SET_APART.filter((k) => data.setApart[k] > 0).map((k) => <List.Item key={k} data-testid={`set-apart-${k}`}>{t(`dash.${k}`, { count: data.setApart[k] })}</List.Item>)}
                  </List>
                </Grid.Col>
              )}
            </Grid>
          )}
        </>
      )}
      <Group />
    </>
  );
}
