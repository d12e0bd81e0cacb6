// One-stop-shop dossiers: a filterable list (no personal data) and one dossier's record with
// its timeline. Opening a record is a logged read of personal data, like a gateway read.
import { useEffect, useState } from 'react';
import { Alert, Anchor, Badge, Button, Card, Grid, Group, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Timeline, Title } from '@mantine/core';
import { DateField } from '../../components/DateField';
import { IconArrowLeft, IconEye, IconFilter } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { get, qs, type List } from '../../api';
import { CopyField, EmptyState, ErrorAlert, Loading, PageHeader, linkTo, openRow, useAction, useLoad } from '../../components/ui';
import { dateTime } from '../../format';
import { navigate } from '../../router';
import { useRole } from '../../session';
import { dayOf, DueMarker, Mono, StatusBadge, statusColor, STATUSES, type Agency, type Dossier, type DossierItem, type Procedure } from './common';

const PAGE = 50;
const EMPTY = { agencyCode: null as string | null, procedureCode: null as string | null, status: null as string | null, receivedFrom: '', receivedTo: '', overdue: 'all' };

/** The agency an agency admin's member maps to (same QĐ 20 identifier), if any. */
export function useOwnAgency(): string | null {
  const { role, member } = useRole();
  return role === 'agency_admin' ? (member?.split('/')[1] ?? '') : null;
}

export function DossiersPage() {
  const { t } = useTranslation();
  const own = useOwnAgency();
  const [f, setF] = useState(EMPTY);
  const [items, setItems] = useState<DossierItem[] | null>(null);
  const [total, setTotal] = useState(0);
  const search = useAction();
  const refs = useLoad(async () => {
    const [a, p] = await Promise.all([get<List<Agency>>('/publicadmin/agencies?limit=1000'), get<List<Procedure>>('/publicadmin/procedures?limit=1000')]);
    return { agencies: a.items, procedures: p.items };
  });
  const load = (filters: typeof f, offset: number) => search.run(async () => {
    const r = await get<List<DossierItem>>('/publicadmin/dossiers' + qs({
      agencyCode: filters.agencyCode, procedureCode: filters.procedureCode, status: filters.status, receivedFrom: filters.receivedFrom, receivedTo: filters.receivedTo,
      overdue: filters.overdue === 'all' ? undefined : filters.overdue, limit: PAGE, offset,
    }));
    setItems((prev) => (offset && prev ? [...prev, ...r.items] : r.items));
    setTotal(r.total);
  });
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { void load(EMPTY, 0); }, []);
  const agencies = (refs.data?.agencies ?? []).filter((a) => own === null || a.code === own);
  const filtered = JSON.stringify(f) !== JSON.stringify(EMPTY);

  return (
    <>
      <PageHeader title={t('pa.dossiers.title')} />
      {own !== null && <Text size="sm" c="dimmed" mb="sm" data-testid="dossiers-scope">{t('pa.dossiers.scope', { agency: own || '—' })}</Text>}
      <Card withBorder radius="md" mb="md">
        <form onSubmit={(e) => { e.preventDefault(); void load(f, 0); }}>
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            <Select label={t('pa.dossiers.agency')} placeholder={t('common.all')} clearable searchable value={f.agencyCode} onChange={(v) => setF({ ...f, agencyCode: v })}
              data={agencies.map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))} data-testid="filter-agency" />
            <Select label={t('pa.dossiers.procedure')} placeholder={t('common.all')} clearable searchable value={f.procedureCode} onChange={(v) => setF({ ...f, procedureCode: v })}
              data={(refs.data?.procedures ?? []).map((p) => ({ value: p.code, label: `${p.code} ${p.name}` }))} data-testid="filter-procedure" />
            <Select label={t('pa.dossiers.status')} placeholder={t('common.all')} clearable value={f.status} onChange={(v) => setF({ ...f, status: v })}
              data={STATUSES.map((s) => ({ value: String(s), label: `${s} · ${t(`pa.status.${s}`)}` }))} data-testid="filter-status" />
            <DateField label={t('pa.dossiers.receivedFrom')} value={f.receivedFrom} onChange={(v) => setF({ ...f, receivedFrom: v })} data-testid="filter-from" />
            <DateField label={t('pa.dossiers.receivedTo')} value={f.receivedTo} onChange={(v) => setF({ ...f, receivedTo: v })} data-testid="filter-to" />
            <Stack gap={4}>
              <Text size="sm" fw={500}>{t('pa.dossiers.deadline')}</Text>
              <SegmentedControl fullWidth value={f.overdue} onChange={(v) => setF({ ...f, overdue: v })} data-testid="filter-overdue"
                data={[{ value: 'all', label: t('common.all') }, { value: 'true', label: t('pa.overdue') }, { value: 'false', label: t('pa.dossiers.notOverdue') }]} />
            </Stack>
          </SimpleGrid>
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={() => { setF(EMPTY); void load(EMPTY, 0); }}>{t('common.reset')}</Button>
            <Button type="submit" leftSection={<IconFilter size={16} />} loading={search.busy} data-testid="dossiers-search">{t('common.search')}</Button>
          </Group>
        </form>
      </Card>
      <ErrorAlert error={search.error ?? refs.error} />
      {items === null && search.busy && <Loading />}
      {items && items.length === 0 && (
        <EmptyState>{filtered ? t('pa.dossiers.noMatch')
          // An agency admin whose member is no catalogued agency can never see a dossier: say how to fix that.
          : own !== null && refs.data && agencies.length === 0 ? t('pa.dossiers.noAgency', { agency: own || '—' })
          : <>{t('pa.dossiers.empty')}<br /><Text span size="sm" ff="monospace">POST /r1/…/publicadmin/dossiers/dossiers</Text></>}</EmptyState>
      )}
      {items && items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Group justify="flex-end" px="sm" pt="xs"><Text size="sm" c="dimmed" data-testid="dossiers-total">{t('common.total', { count: total })}</Text></Group>
          <Table.ScrollContainer minWidth={1000}>
            <Table highlightOnHover verticalSpacing="sm" data-testid="dossiers-table">
              <Table.Thead><Table.Tr>
                <Table.Th>{t('pa.dossiers.code')}</Table.Th><Table.Th>{t('pa.dossiers.procedure')}</Table.Th><Table.Th>{t('pa.dossiers.agency')}</Table.Th>
                <Table.Th>{t('pa.dossiers.received')}</Table.Th><Table.Th>{t('pa.dossiers.due')}</Table.Th><Table.Th>{t('pa.dossiers.status')}</Table.Th>
              </Table.Tr></Table.Thead>
              <Table.Tbody>
                {items.map((d) => (
                  <Table.Tr key={d.code} {...openRow(() => navigate(`/dossiers/${encodeURIComponent(d.code)}`))} data-testid="dossier-row">
                    <Table.Td><Anchor ff="monospace" size="sm" {...linkTo(`/dossiers/${encodeURIComponent(d.code)}`)}>{d.code}</Anchor></Table.Td>
                    <Table.Td><Text size="sm" lineClamp={1}>{d.procedureName ?? d.procedureCode}</Text><Text size="xs" c="dimmed" ff="monospace">{d.procedureCode}</Text></Table.Td>
                    <Table.Td><Text size="sm" lineClamp={1}>{d.agencyName ?? d.agencyCode}</Text></Table.Td>
                    <Table.Td><Text size="sm">{dateTime(d.receivedAt)}</Text></Table.Td>
                    <Table.Td><Group gap={6} wrap="nowrap"><Text size="sm">{dayOf(d.dueAt)}</Text><DueMarker d={d} /></Group></Table.Td>
                    <Table.Td><StatusBadge status={d.status} size="sm" /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {items.length < total && <Group justify="center" p="sm"><Button variant="default" loading={search.busy} onClick={() => void load(f, items.length)}>{t('common.loadMore')}</Button></Group>}
        </Card>
      )}
    </>
  );
}

function Field({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return <div><Text size="xs" c="dimmed" tt="uppercase" fw={700}>{label}</Text><Text size="sm" component="div" data-testid={testId}>{children}</Text></div>;
}

export function DossierDetailPage({ code }: { code: string }) {
  const { t } = useTranslation();
  const { data: d, error, loading } = useLoad(() => get<Dossier & { overdue: boolean }>(`/publicadmin/dossiers/${encodeURIComponent(code)}`), [code]);
  const a = d?.applicant;
  return (
    <>
      <Group mb="xs"><Button variant="subtle" size="compact-sm" leftSection={<IconArrowLeft size={14} />} onClick={() => navigate('/dossiers')}>{t('pa.dossiers.back')}</Button></Group>
      <PageHeader title={t('pa.dossiers.one')}>{d && <StatusBadge status={d.status} size="lg" />}</PageHeader>
      <ErrorAlert error={error} />
      {loading && !d && <Loading />}
      {d && (
        <Stack data-testid="dossier-detail">
          <CopyField value={d.code} testId="dossier-code" />
          <Alert color="blue" variant="light" icon={<IconEye size={18} />} py="xs">{t('pa.dossiers.logged')}</Alert>
          <Grid>
            <Grid.Col span={{ base: 12, lg: 7 }}>
              <Card withBorder radius="md" mb="md">
                <Title order={5} mb="sm">{t('pa.dossiers.info')}</Title>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <Field label={t('pa.dossiers.procedure')}>{d.procedureName ?? '—'} <Mono>({d.procedureCode})</Mono></Field>
                  <Field label={t('pa.dossiers.agency')}>{d.agencyName ?? '—'} <Mono>({d.agencyCode})</Mono></Field>
                  <Field label={t('pa.dossiers.received')}>{dateTime(d.receivedAt)}</Field>
                  <Field label={t('pa.dossiers.due')} testId="dossier-due"><Group gap={6}>{d.dueAt ? dateTime(d.dueAt) : '—'}<DueMarker d={d} /></Group></Field>
                  <Field label={t('pa.dossiers.processingDays')}>{t('pa.procedures.days', { count: d.processingDays })}</Field>
                  <Field label={t('pa.dossiers.channel')}>{d.channel ? t(`pa.channel.${d.channel}`, { defaultValue: d.channel }) : '—'}</Field>
                  <Field label={t('pa.dossiers.finished')}>{dateTime(d.finishedAt)}</Field>
                  <Field label={t('pa.dossiers.returned')}>{dateTime(d.returnedAt)}</Field>
                  {d.summary && <Field label={t('pa.dossiers.summary')}>{d.summary}</Field>}
                  {d.fieldName && <Field label={t('pa.procedures.field')}>{d.fieldName}</Field>}
                </SimpleGrid>
              </Card>
              <Card withBorder radius="md">
                <Title order={5} mb="sm">{t('pa.dossiers.applicant')}</Title>
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                  <Field label={t('common.name')} testId="applicant-name">{a?.name}</Field>
                  <Field label={t('pa.dossiers.applicantType')}>{a?.type === 2 ? t('pa.dossiers.business') : t('pa.dossiers.citizen')}</Field>
                  <Field label={t('pa.dossiers.idNumber')}>{a?.idNumber ?? '—'}</Field>
                  <Field label={t('pa.dossiers.phone')}>{a?.phone ?? '—'}</Field>
                  <Field label="Email">{a?.email ?? '—'}</Field>
                  <Field label={t('pa.dossiers.address')}>{a?.address ?? '—'}</Field>
                </SimpleGrid>
              </Card>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 5 }}>
              <Card withBorder radius="md">
                <Title order={5} mb="md">{t('pa.dossiers.timeline')}</Title>
                <Timeline active={d.history.length - 1} bulletSize={22} lineWidth={2} data-testid="dossier-timeline">
                  {d.history.map((e, i) => (
                    <Timeline.Item key={i} color={statusColor(e.to)} data-testid="timeline-item"
                      title={<Group gap={6}><Text fw={600} size="sm">{e.kind === 'created' ? t('pa.dossiers.created') : e.kind === 'deadline-recomputed' ? t('pa.dossiers.recomputed') : t('pa.dossiers.moved', { from: e.from })}</Text><StatusBadge status={e.to} size="sm" /></Group>}>
                      <Text size="xs" c="dimmed">{dateTime(e.at)}</Text>
                      <Text size="sm">{t('pa.dossiers.by')}: <Text span fw={600} size="sm">{e.by.userId ?? '—'}</Text></Text>
                      {e.by.client && <Text size="xs" c="dimmed" ff="monospace">{e.by.client}</Text>}
                      {e.note && <Text size="sm" fs="italic">“{e.note}”</Text>}
                      {e.dueAt && (i === 0 || e.dueAt !== d.history[i - 1].dueAt) && <Badge variant="outline" color="gray" size="sm" tt="none" mt={4}>{t('pa.dossiers.dueSet', { date: dateTime(e.dueAt) })}</Badge>}
                    </Timeline.Item>
                  ))}
                </Timeline>
              </Card>
            </Grid.Col>
          </Grid>
        </Stack>
      )}
    </>
  );
}
