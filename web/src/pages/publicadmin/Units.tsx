// Administrative units as of a date: provinces, their communes, search, and one unit's names
// over time with the 2025 reform's old→new mappings (codes were reused, so the date matters).
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Drawer, Grid, Group, NavLink, ScrollArea, Stack, Table, Text, TextInput, Timeline, Title, UnstyledButton } from '@mantine/core';
import { DateField } from '../../components/DateField';
import { IconArrowRight, IconCalendar, IconInfoCircle, IconSearch } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { get, qs, type List } from '../../api';
import { EmptyState, ErrorAlert, Loading, PageHeader, openRow, useLoad } from '../../components/ui';
import { num } from '../../format';
import { day, Mono, todayVn, validity, type Mapping, type Province, type Unit, type UnitDetail } from './common';

const PAGE = 50;
const REFORM_EVE = '2025-06-30';

export function UnitsPage() {
  const { t } = useTranslation();
  const [at, setAt] = useState(todayVn());
  const [province, setProvince] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [open, setOpen] = useState<string | null>(null);
  const provinces = useLoad(() => get<List<Province>>('/publicadmin/provinces' + qs({ at })), [at]);
  // Province codes changed in the reform: drop a selection the new date does not know.
  useEffect(() => {
    if (province && provinces.data && !provinces.data.items.some((p) => p.code === province)) setProvince(null);
  }, [provinces.data, province]);
  const units = useLoad(async () => {
    if (!province && !query) return null;
    return get<List<Unit>>('/publicadmin/units' + qs({ at, provinceCode: province, q: query, level: province && !query ? 'commune' : undefined, limit }));
  }, [at, province, query, limit]);
  const search = (e: React.FormEvent) => {
    e.preventDefault();
    const v = q.trim();
    // A bare code opens that unit directly.
    if (/^\d{2}(\d{3})?$/.test(v)) { setOpen(v); return; }
    setLimit(PAGE);
    setQuery(v);
  };
  const current = provinces.data?.items.find((p) => p.code === province);

  return (
    <>
      <PageHeader title={t('pa.units.title')}>
        <DateField value={at} onChange={(v) => v && setAt(v)} clearable={false} leftSection={<IconCalendar size={16} />} aria-label={t('pa.units.at')} data-testid="units-at" w={180} />
        <Button variant={at === REFORM_EVE ? 'filled' : 'light'} onClick={() => setAt(REFORM_EVE)} data-testid="units-before-reform">{t('pa.units.beforeReform')}</Button>
        <Button variant={at === todayVn() ? 'filled' : 'light'} onClick={() => setAt(todayVn())}>{t('pa.units.today')}</Button>
      </PageHeader>
      <Text size="sm" c="dimmed" mb="md">{t('pa.units.intro', { date: day(at) })}</Text>
      <ErrorAlert error={provinces.error} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 4, lg: 3 }}>
          <Card withBorder radius="md" p="xs">
            <Group justify="space-between" px="xs" pb="xs">
              <Text fw={700} size="sm">{t('pa.units.provinces')}</Text>
              {provinces.data && <Badge variant="light" data-testid="province-count">{provinces.data.total}</Badge>}
            </Group>
            {provinces.loading && !provinces.data && <Loading />}
            <ScrollArea.Autosize mah={620}>
              {provinces.data?.items.map((p) => (
                <NavLink key={p.code} component="button" label={p.name} description={p.code} active={p.code === province} data-testid={`province-${p.code}`}
                  onClick={() => { setProvince(p.code === province ? null : p.code); setQuery(''); setQ(''); setLimit(PAGE); }} />
              ))}
            </ScrollArea.Autosize>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8, lg: 9 }}>
          <Card withBorder radius="md" mb="md">
            <form onSubmit={search}>
              <Group align="flex-end">
                <TextInput flex={1} label={t('pa.units.search')} description={current ? t('pa.units.searchIn', { province: current.name }) : t('pa.units.searchAll')}
                  placeholder="tan an, Tân An, 27712…" value={q} onChange={(e) => setQ(e.currentTarget.value)} leftSection={<IconSearch size={16} />} data-testid="units-q" />
                <Button type="submit" data-testid="units-search">{t('common.search')}</Button>
              </Group>
            </form>
          </Card>
          <ErrorAlert error={units.error} />
          {!province && !query && <EmptyState>{t('pa.units.pick')}</EmptyState>}
          {units.loading && !units.data && (province || query) && <Loading />}
          {units.data && units.data.items.length === 0 && <EmptyState>{t('pa.units.none', { date: day(at) })}</EmptyState>}
          {units.data && units.data.items.length > 0 && (
            <Card withBorder radius="md" p={0}>
              <Group justify="space-between" p="sm">
                <Title order={5}>{current && !query ? current.name : t('pa.units.results')}</Title>
                <Text size="sm" c="dimmed">{t('common.total', { count: units.data.total })}</Text>
              </Group>
              <Table.ScrollContainer minWidth={640}>
                <Table highlightOnHover verticalSpacing="xs" data-testid="units-table">
                  <Table.Thead><Table.Tr><Table.Th>{t('pa.units.code')}</Table.Th><Table.Th>{t('common.name')}</Table.Th><Table.Th>{t('pa.units.province')}</Table.Th><Table.Th>{t('pa.units.validity')}</Table.Th></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {units.data.items.map((u) => (
                      <Table.Tr key={`${u.code}/${u.validFrom}`} {...openRow(() => setOpen(u.code))} data-testid={`unit-${u.code}`}>
                        <Table.Td><Mono>{u.code}</Mono></Table.Td>
                        <Table.Td><Text size="sm" fw={500}>{u.name}</Text>{u.districtName && <Text size="xs" c="dimmed">{u.districtName}</Text>}</Table.Td>
                        <Table.Td><Text size="sm">{u.level === 'province' ? '—' : u.provinceName}</Text></Table.Td>
                        <Table.Td><Text size="sm" c="dimmed">{validity(u.validFrom, u.validTo, t)}</Text></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {units.data.items.length < units.data.total && (
                <Group justify="center" p="sm"><Button variant="default" loading={units.loading} onClick={() => setLimit(limit + PAGE)}>{t('common.loadMore')}</Button></Group>
              )}
            </Card>
          )}
        </Grid.Col>
      </Grid>
      <UnitDrawer code={open} at={at} onClose={() => setOpen(null)} onOpen={setOpen} />
    </>
  );
}

function UnitDrawer({ code, at, onClose, onOpen }: { code: string | null; at: string; onClose: () => void; onOpen: (code: string) => void }) {
  const { t } = useTranslation();
  const { data, error, loading } = useLoad(async () => (code ? get<UnitDetail>(`/publicadmin/units/${code}` + qs({ at })) : null), [code, at]);
  return (
    <Drawer opened={!!code} onClose={onClose} position="right" size="xl" title={<Text fw={700}>{t('pa.units.unit')} <Mono>{code}</Mono></Text>}>
      <ErrorAlert error={error} />
      {loading && !data && <Loading />}
      {data && data.code === code && (
        <Stack data-testid="unit-detail">
          <Card withBorder radius="md" bg="var(--mantine-color-gray-0)">
            <Text size="xs" c="dimmed" tt="uppercase" fw={700}>{t('pa.units.asOf', { date: day(data.at) })}</Text>
            {data.unit ? (
              <>
                <Title order={3} data-testid="unit-name">{data.unit.name}</Title>
                <Text size="sm">{[data.unit.districtName, data.unit.level === 'commune' ? data.unit.provinceName : null].filter(Boolean).join(', ')}
                  {data.unit.provinceCode && data.unit.level === 'commune' && <Text span c="dimmed"> ({t('pa.units.provinceCode')} {data.unit.provinceCode})</Text>}</Text>
                <Text size="sm" c="dimmed" mt={4}>{t('pa.units.validity')}: {validity(data.unit.validFrom, data.unit.validTo, t)}</Text>
              </>
            ) : <Alert color="gray" variant="light" icon={<IconInfoCircle size={18} />} data-testid="unit-name">{t('pa.units.notOnDate', { date: day(data.at) })}</Alert>}
          </Card>
          <div>
            <Title order={5} mb="sm">{t('pa.units.history')}</Title>
            <Timeline bulletSize={18} lineWidth={2} active={data.versions.findIndex((v) => v.name === data.unit?.name && v.validFrom === data.unit?.validFrom)}>
              {data.versions.map((v) => (
                <Timeline.Item key={`${v.validFrom}`} title={<Text fw={600}>{v.name}</Text>}>
                  <Text size="sm" c="dimmed">{validity(v.validFrom, v.validTo, t)}</Text>
                  <Text size="sm">{[v.districtName, v.level === 'commune' ? v.provinceName : null].filter(Boolean).join(', ')}</Text>
                </Timeline.Item>
              ))}
            </Timeline>
          </div>
          <MappingTable title={t('pa.units.became')} rows={data.became} onOpen={onOpen} testId="unit-became" />
          <MappingTable title={t('pa.units.cameFrom')} rows={data.cameFrom} onOpen={onOpen} testId="unit-came-from" />
        </Stack>
      )}
    </Drawer>
  );
}

function MappingTable({ title, rows, onOpen, testId }: { title: string; rows: Mapping[]; onOpen: (code: string) => void; testId: string }) {
  const { t } = useTranslation();
  if (!rows.length) return null;
  return (
    <div>
      <Title order={5} mb="xs">{title} <Text span c="dimmed" size="sm">({num(rows.length)})</Text></Title>
      <Table verticalSpacing={6} fz="sm" data-testid={testId}>
        <Table.Thead><Table.Tr><Table.Th>{t('pa.units.old')}</Table.Th><Table.Th /><Table.Th>{t('pa.units.new')}</Table.Th><Table.Th>{t('pa.units.kind')}</Table.Th></Table.Tr></Table.Thead>
        <Table.Tbody>
          {rows.map((m) => (
            <Table.Tr key={`${m.oldCode ?? [m.oldName, m.oldDistrictName, m.oldProvinceName].join('|')}>${m.newCode}`}>
              {/* A name-only mapping (the package names the old unit without its code) opens nothing. */}
              <Table.Td>{m.oldCode ? <UnstyledButton onClick={() => onOpen(m.oldCode!)}><Text size="sm"><Mono>{m.oldCode}</Mono> {m.oldName}</Text></UnstyledButton> : <Text size="sm"><Mono>—</Mono> {m.oldName}</Text>}
                <Text size="xs" c="dimmed">{[m.oldDistrictName, m.oldProvinceName].filter(Boolean).join(', ')}</Text></Table.Td>
              <Table.Td><IconArrowRight size={16} /></Table.Td>
              <Table.Td><UnstyledButton onClick={() => onOpen(m.newCode)}><Text size="sm"><Mono>{m.newCode}</Mono> {m.newName}</Text></UnstyledButton>
                <Text size="xs" c="dimmed">{t('pa.units.since', { date: day(m.effectiveFrom) })}</Text></Table.Td>
              <Table.Td><Badge variant="light" tt="none" color={m.kind === 'unchanged' ? 'gray' : m.kind === 'renamed' ? 'blue' : 'grape'}>{t(`pa.units.kind.${m.kind}`)}</Badge></Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
