// The province's agencies with their electronic identifier codes (QĐ 20/2020/QĐ-TTg), parent
// and the administrative unit they sit in (named as of today).
import { useState } from 'react';
import { Badge, Button, Card, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, qs, type List } from '../../api';
import { EmptyState, ErrorAlert, Loading, PageHeader, useLoad } from '../../components/ui';
import { Cmd, Mono, SearchForm, todayVn, type Agency, type UnitDetail } from './common';

export function AgenciesPage() {
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const { data, error, loading } = useLoad(async () => {
    const list = await get<List<Agency>>('/publicadmin/agencies' + qs({ q: query, limit: 1000 }));
    // Agency lists are short and share a handful of units: one lookup per distinct unit.
    const codes = [...new Set(list.items.map((a) => a.unitCode).filter((c): c is string => !!c))];
    const units = new Map<string, string>();
    await Promise.all(codes.map(async (c) => {
      const u = await get<UnitDetail>(`/publicadmin/units/${c}` + qs({ at: todayVn() })).catch(() => null);
      if (u?.unit) units.set(c, [u.unit.name, u.unit.level === 'commune' ? u.unit.provinceName : null].filter(Boolean).join(', '));
    }));
    return { ...list, units };
  }, [query]);
  const names = new Map(data?.items.map((a) => [a.code, a.name]) ?? []);

  return (
    <>
      <PageHeader title={t('pa.agencies.title')}>
        <SearchForm placeholder={t('pa.agencies.search')} testId="agencies-q" onSearch={setQuery} />
      </PageHeader>
      <ErrorAlert error={error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && (
        <EmptyState>{query ? t('pa.agencies.noMatch', { q: query }) : <>{t('pa.agencies.empty')} <Cmd>vamco agency import FILE</Cmd> {t('pa.agencies.emptyApi')}</>}</EmptyState>
      )}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table.ScrollContainer minWidth={900}>
            <Table highlightOnHover verticalSpacing="sm" data-testid="agencies-table">
              <Table.Thead><Table.Tr>
                <Table.Th>{t('pa.agencies.code')}</Table.Th><Table.Th>{t('common.name')}</Table.Th><Table.Th>{t('pa.agencies.level')}</Table.Th>
                <Table.Th>{t('pa.agencies.parent')}</Table.Th><Table.Th>{t('pa.agencies.unit')}</Table.Th><Table.Th>{t('pa.agencies.contact')}</Table.Th>
              </Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.items.map((a) => (
                  <Table.Tr key={a.code} data-testid={`agency-${a.code}`}>
                    <Table.Td><Mono>{a.code}</Mono></Table.Td>
                    <Table.Td><Text size="sm" fw={600}>{a.name}</Text>{a.shortName && <Text size="xs" c="dimmed">{a.shortName}</Text>}</Table.Td>
                    <Table.Td><Badge variant="light" color="gray" tt="none">{t('pa.agencies.levelN', { n: a.level })}</Badge></Table.Td>
                    <Table.Td>{a.parentCode ? <><Mono>{a.parentCode}</Mono><Text size="xs" c="dimmed">{names.get(a.parentCode) ?? ''}</Text></> : '—'}</Table.Td>
                    <Table.Td>{a.unitCode ? <><Text size="sm">{data.units.get(a.unitCode) ?? '—'}</Text><Text size="xs" c="dimmed" ff="monospace">{a.unitCode}</Text></> : '—'}</Table.Td>
                    <Table.Td><Text size="sm">{a.email ?? ''}</Text><Text size="xs" c="dimmed">{[a.phone, a.address].filter(Boolean).join(' · ')}</Text></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
    </>
  );
}
