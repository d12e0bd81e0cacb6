// The administrative-procedure catalogue: processing time in working days (which sets the
// dossiers' due dates), fees and the documents an applicant brings.
import { useState } from 'react';
import { Badge, Button, Card, Drawer, Group, List as MList, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, qs, type List } from '../../api';
import { EmptyState, ErrorAlert, Loading, PageHeader, openRow, useLoad } from '../../components/ui';
import { dateTime } from '../../format';
import { Cmd, Mono, SearchForm, money, type Procedure } from './common';

function Days({ p }: { p: Procedure }) {
  const { t } = useTranslation();
  if (p.processingDays === null) return <Badge color="gray" variant="light" tt="none">{t('pa.procedures.noDays')}</Badge>;
  return <Badge color="blue" variant="light" tt="none" data-testid="processing-days">{t('pa.procedures.days', { count: p.processingDays })}</Badge>;
}

const feeSummary = (p: Procedure, t: (k: string) => string): string => {
  const amounts = [...new Set(p.fees.map((f) => money(f.amount ?? null)))].filter((x) => x !== '—');
  return amounts.length ? amounts.join(' / ') : t('pa.procedures.noFee');
};

export function ProceduresPage() {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<Procedure | null>(null);
  const { data, error, loading } = useLoad(() => get<List<Procedure>>('/publicadmin/procedures' + qs({ q: query, limit: 1000 })), [query]);

  return (
    <>
      <PageHeader title={t('pa.procedures.title')}>
        <SearchForm placeholder={t('pa.procedures.search')} testId="procedures-q" onSearch={setQuery} />
      </PageHeader>
      <ErrorAlert error={error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && (
        <EmptyState>{query ? t('pa.procedures.noMatch', { q: query }) : <>{t('pa.procedures.empty')} <Cmd>vamco procedure import FILE</Cmd> {t('pa.procedures.emptyHint')}</>}</EmptyState>
      )}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table.ScrollContainer minWidth={900}>
            <Table highlightOnHover verticalSpacing="sm" data-testid="procedures-table">
              <Table.Thead><Table.Tr>
                <Table.Th>{t('pa.procedures.code')}</Table.Th><Table.Th>{t('common.name')}</Table.Th><Table.Th>{t('pa.procedures.field')}</Table.Th>
                <Table.Th>{t('pa.procedures.processing')}</Table.Th><Table.Th>{t('pa.procedures.fees')}</Table.Th><Table.Th ta="right">{t('pa.procedures.documents')}</Table.Th>
              </Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.items.map((p) => (
                  <Table.Tr key={p.code} {...openRow(() => setOpen(p))} data-testid={`procedure-${p.code}`}>
                    <Table.Td><Mono>{p.code}</Mono></Table.Td>
                    <Table.Td><Text size="sm" fw={600}>{p.name}</Text>{p.level && <Text size="xs" c="dimmed">{p.level}</Text>}</Table.Td>
                    <Table.Td><Text size="sm">{p.fieldName ?? '—'}</Text></Table.Td>
                    <Table.Td><Days p={p} /></Table.Td>
                    <Table.Td><Text size="sm">{feeSummary(p, t)}</Text></Table.Td>
                    <Table.Td ta="right">{p.documents.length}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <Drawer opened={!!open} onClose={() => setOpen(null)} position="right" size="xl" title={open && <Text fw={700}><Mono>{open.code}</Mono></Text>}>
        {open && <ProcedureDetail p={open} />}
      </Drawer>
    </>
  );
}

function ProcedureDetail({ p }: { p: Procedure }) {
  const { t } = useTranslation();
  return (
    <Stack data-testid="procedure-detail">
      <div>
        <Title order={3}>{p.name}</Title>
        <Group gap="xs" mt={6}><Days p={p} />{p.fieldName && <Badge variant="outline" color="gray" tt="none">{p.fieldName}</Badge>}{p.level && <Badge variant="outline" color="gray" tt="none">{p.level}</Badge>}</Group>
      </div>
      {p.processingNote && <Card withBorder radius="md"><Text size="xs" c="dimmed" tt="uppercase" fw={700}>{t('pa.procedures.processing')}</Text><Text size="sm">{p.processingNote}</Text></Card>}
      <div>
        <Title order={5} mb="xs">{t('pa.procedures.documents')}</Title>
        {p.documents.length === 0 ? <Text size="sm" c="dimmed">—</Text> : (
          <Table fz="sm" verticalSpacing={6}>
            <Table.Thead><Table.Tr><Table.Th>{t('pa.procedures.document')}</Table.Th><Table.Th ta="right">{t('pa.procedures.originals')}</Table.Th><Table.Th ta="right">{t('pa.procedures.copies')}</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>{p.documents.map((d, i) => <Table.Tr key={i}><Table.Td>{d.name}</Table.Td><Table.Td ta="right">{d.originals ?? '—'}</Table.Td><Table.Td ta="right">{d.copies ?? '—'}</Table.Td></Table.Tr>)}</Table.Tbody>
          </Table>
        )}
      </div>
      <div>
        <Title order={5} mb="xs">{t('pa.procedures.fees')}</Title>
        {p.fees.length === 0 ? <Text size="sm" c="dimmed">{t('pa.procedures.noFee')}</Text> : (
          <Table fz="sm" verticalSpacing={6}>
            <Table.Tbody>{p.fees.map((f, i) => <Table.Tr key={i}><Table.Td>{f.channel ?? '—'}</Table.Td><Table.Td>{f.description ?? ''}</Table.Td><Table.Td ta="right" fw={600}>{money(f.amount ?? null)}</Table.Td></Table.Tr>)}</Table.Tbody>
          </Table>
        )}
      </div>
      {p.agencies.length > 0 && <div><Title order={5} mb="xs">{t('pa.procedures.agencies')}</Title><MList size="sm">{p.agencies.map((a, i) => <MList.Item key={i}>{a.name ?? a.code}</MList.Item>)}</MList></div>}
      {p.results.length > 0 && <div><Title order={5} mb="xs">{t('pa.procedures.results')}</Title><MList size="sm">{p.results.map((r, i) => <MList.Item key={i}>{r}</MList.Item>)}</MList></div>}
      {p.legalBasis.length > 0 && <div><Title order={5} mb="xs">{t('pa.procedures.legal')}</Title><MList size="sm">{p.legalBasis.map((r, i) => <MList.Item key={i}>{r}</MList.Item>)}</MList></div>}
      <Text size="xs" c="dimmed">{t('pa.procedures.source', { source: p.source, at: dateTime(p.updatedAt) })}</Text>
    </Stack>
  );
}
