// The document hub (issue 9): traffic per agency, deliveries being retried, the latest documents,
// and one document's journey (hops, deliveries, statuses). The API scopes it for agency admins.
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { get, qs } from '../api';
import { EmptyState, ErrorAlert, Loading, PageHeader, openRow, useLoad } from '../components/ui';
import { dateTime } from '../format';
import { navigate } from '../router';

interface TrafficRow { organ: string; sent: number; pending: number; acknowledged: number; refused: number; stuck: number }
interface Stuck { docId: string; from: string; to: string; route: string; state: string; attempts: number; lastError: string | null; nextAttempt: string | null; created_time: string }
interface Delivery { to: string; route: string; state: string; attempts: number; lastError?: string | null; fetched_time?: string | null; acked_time?: string | null }
interface Doc { docId: string; documentId: string; messageType: string; from: string; subject: string; statusCode: string | null; created_time: string; deliveries: Delivery[] }
interface Journey {
  docId: string; documentId: string; messageType: string; from: string; subject: string; business: string; created_time: string; sha256: string; size: number;
  hops: { organId: string; timestamp: string }[]; deliveries: Delivery[]; statuses: { docId: string; from: string; statusCode: string; time: string }[];
}

const STATE_COLOR: Record<string, string> = { pending: 'yellow', processing: 'blue', done: 'green', forwarded: 'teal', fail: 'red' };
const docPath = (docId: string) => `/edoc/${encodeURIComponent(docId)}`;

function StateBadge({ state }: { state: string }) {
  const { t } = useTranslation();
  return <Badge color={STATE_COLOR[state] ?? 'gray'} variant="light" data-testid="edoc-state">{t(`edoc.state.${state}`, { defaultValue: state })}</Badge>;
}

function DeliveriesTable({ rows }: { rows: Delivery[] }) {
  const { t } = useTranslation();
  return (
    <Table fz="sm" verticalSpacing="xs" data-testid="edoc-deliveries">
      <Table.Thead><Table.Tr><Table.Th>{t('edoc.to')}</Table.Th><Table.Th>{t('edoc.route')}</Table.Th><Table.Th>{t('edoc.delivery')}</Table.Th><Table.Th>{t('edoc.attempts')}</Table.Th><Table.Th>{t('edoc.fetched')}</Table.Th><Table.Th>{t('edoc.acked')}</Table.Th><Table.Th>{t('edoc.lastError')}</Table.Th></Table.Tr></Table.Thead>
      <Table.Tbody>
        {rows.map((d, i) => (
          <Table.Tr key={i}>
            <Table.Td ff="monospace">{d.to}</Table.Td><Table.Td>{t(`edoc.routes.${d.route}`, { defaultValue: d.route })}</Table.Td><Table.Td><StateBadge state={d.state} /></Table.Td>
            <Table.Td>{d.attempts}</Table.Td><Table.Td>{dateTime(d.fetched_time)}</Table.Td><Table.Td>{dateTime(d.acked_time)}</Table.Td><Table.Td>{d.lastError ?? '—'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function EdocPage() {
  const { t } = useTranslation();
  const traffic = useLoad(() => get<{ traffic: TrafficRow[]; stuck: Stuck[] }>('/edoc/traffic'));
  const docs = useLoad(() => get<{ items: Doc[] }>('/edoc/documents' + qs({ limit: 100 })));
  const reload = () => { void traffic.reload(); void docs.reload(); };
  return (
    <>
      <PageHeader title={t('edoc.title')}><Button variant="default" onClick={reload}>{t('common.refresh')}</Button></PageHeader>
      <Text c="dimmed" size="sm" mb="md">{t('edoc.intro')}</Text>
      <ErrorAlert error={traffic.error ?? docs.error} />
      {(!traffic.data || !docs.data) && (traffic.loading || docs.loading) && <Loading />}
      {traffic.data && (
        <Stack gap="lg">
          <Card withBorder radius="md">
            <Title order={4} mb="sm">{t('edoc.traffic')}</Title>
            {traffic.data.traffic.length === 0 ? <EmptyState>{t('edoc.noTraffic')}</EmptyState> : (
              <Table fz="sm" verticalSpacing="xs" data-testid="edoc-traffic">
                <Table.Thead><Table.Tr><Table.Th>{t('edoc.agency')}</Table.Th><Table.Th>{t('edoc.sent')}</Table.Th><Table.Th>{t('edoc.pending')}</Table.Th><Table.Th>{t('edoc.acknowledged')}</Table.Th><Table.Th>{t('edoc.refused')}</Table.Th><Table.Th>{t('edoc.stuck')}</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {traffic.data.traffic.map((r) => (
                    <Table.Tr key={r.organ} data-testid="edoc-traffic-row">
                      <Table.Td ff="monospace">{r.organ}</Table.Td><Table.Td>{r.sent}</Table.Td><Table.Td>{r.pending}</Table.Td><Table.Td>{r.acknowledged}</Table.Td><Table.Td>{r.refused}</Table.Td>
                      <Table.Td>{r.stuck > 0 ? <Badge color="red" variant="light">{r.stuck}</Badge> : 0}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
          <Card withBorder radius="md">
            <Title order={4} mb="sm">{t('edoc.stuckTitle')}</Title>
            {traffic.data.stuck.length === 0 ? <Text size="sm" c="dimmed" data-testid="edoc-no-stuck">{t('edoc.noStuck')}</Text> : (
              <Table fz="sm" verticalSpacing="xs" data-testid="edoc-stuck">
                <Table.Thead><Table.Tr><Table.Th>{t('edoc.docId')}</Table.Th><Table.Th>{t('edoc.from')}</Table.Th><Table.Th>{t('edoc.to')}</Table.Th><Table.Th>{t('edoc.attempts')}</Table.Th><Table.Th>{t('edoc.nextAttempt')}</Table.Th><Table.Th>{t('edoc.lastError')}</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {traffic.data.stuck.map((s) => (
                    <Table.Tr key={`${s.docId}-${s.to}`}>
                      <Table.Td><Anchor size="sm" ff="monospace" href={docPath(s.docId)} onClick={(e) => { e.preventDefault(); navigate(docPath(s.docId)); }}>{s.docId}</Anchor></Table.Td>
                      <Table.Td ff="monospace">{s.from}</Table.Td><Table.Td ff="monospace">{s.to}</Table.Td><Table.Td>{s.attempts}</Table.Td>
                      <Table.Td>{dateTime(s.nextAttempt)}</Table.Td><Table.Td>{s.lastError ?? '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </Stack>
      )}
      {docs.data && (
        <Card withBorder radius="md" mt="lg" p={0}>
          <Title order={4} p="md" pb={0}>{t('edoc.documents')}</Title>
          {docs.data.items.length === 0 ? <EmptyState>{t('edoc.noDocuments')}</EmptyState> : (
            <Table.ScrollContainer minWidth={800}>
              <Table fz="sm" verticalSpacing="xs" highlightOnHover data-testid="edoc-documents">
                <Table.Thead><Table.Tr><Table.Th>{t('edoc.time')}</Table.Th><Table.Th>{t('edoc.kind')}</Table.Th><Table.Th>{t('edoc.from')}</Table.Th><Table.Th>{t('edoc.to')}</Table.Th><Table.Th>{t('edoc.subject')}</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {docs.data.items.map((d) => (
                    <Table.Tr key={d.docId} {...openRow(() => navigate(docPath(d.docId)))} data-testid="edoc-document-row" data-docid={d.docId}>
                      <Table.Td>{dateTime(d.created_time)}</Table.Td>
                      <Table.Td>{d.messageType === 'status' ? <Badge variant="light" color="grape">{t('edoc.statusCode', { code: d.statusCode })}</Badge> : <Badge variant="light">{t('edoc.document')}</Badge>}</Table.Td>
                      <Table.Td ff="monospace">{d.from}</Table.Td>
                      <Table.Td><Group gap={4}>{d.deliveries.map((x) => <Group key={x.to} gap={4} wrap="nowrap"><Text size="sm" ff="monospace">{x.to}</Text><StateBadge state={x.state} /></Group>)}</Group></Table.Td>
                      <Table.Td>{d.subject}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Card>
      )}
    </>
  );
}

export function EdocJourneyPage({ docId }: { docId: string }) {
  const { t } = useTranslation();
  const j = useLoad(() => get<Journey>(`/edoc/documents/${encodeURIComponent(docId)}`), [docId]);
  return (
    <>
      <PageHeader title={t('edoc.journey')}><Button variant="default" onClick={() => navigate('/edoc')}>{t('edoc.back')}</Button></PageHeader>
      <ErrorAlert error={j.error} />
      {!j.data && j.loading && <Loading />}
      {j.data && (
        <Stack gap="lg" data-testid="edoc-journey">
          <Card withBorder radius="md">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
              <Text size="sm"><b>{t('edoc.docId')}:</b> <span data-testid="edoc-journey-docid">{j.data.docId}</span></Text>
              <Text size="sm"><b>{t('edoc.documentId')}:</b> {j.data.documentId}</Text>
              <Text size="sm"><b>{t('edoc.from')}:</b> {j.data.from}</Text>
              <Text size="sm"><b>{t('edoc.subject')}:</b> {j.data.subject}</Text>
              <Text size="sm"><b>{t('edoc.kind')}:</b> {j.data.messageType === 'status' ? t('edoc.status') : t('edoc.document')} · {t(`edoc.business.${j.data.business}`, { defaultValue: j.data.business })}</Text>
              <Text size="sm"><b>{t('edoc.time')}:</b> {dateTime(j.data.created_time)}</Text>
              <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}><b>SHA-256:</b> {j.data.sha256} ({j.data.size} B)</Text>
            </SimpleGrid>
          </Card>
          <Card withBorder radius="md">
            <Title order={4} mb="sm">{t('edoc.hops')}</Title>
            <Table fz="sm" verticalSpacing="xs" data-testid="edoc-hops">
              <Table.Thead><Table.Tr><Table.Th>#</Table.Th><Table.Th>{t('edoc.hopOrgan')}</Table.Th><Table.Th>{t('edoc.time')}</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>{j.data.hops.map((h, i) => <Table.Tr key={i}><Table.Td>{i + 1}</Table.Td><Table.Td ff="monospace">{h.organId}</Table.Td><Table.Td>{h.timestamp}</Table.Td></Table.Tr>)}</Table.Tbody>
            </Table>
          </Card>
          <Card withBorder radius="md">
            <Title order={4} mb="sm">{t('edoc.deliveries')}</Title>
            <DeliveriesTable rows={j.data.deliveries} />
          </Card>
          <Card withBorder radius="md">
            <Title order={4} mb="sm">{t('edoc.statuses')}</Title>
            {j.data.statuses.length === 0 ? <Text size="sm" c="dimmed">{t('edoc.noStatuses')}</Text> : (
              <Table fz="sm" verticalSpacing="xs" data-testid="edoc-statuses">
                <Table.Thead><Table.Tr><Table.Th>{t('edoc.time')}</Table.Th><Table.Th>{t('edoc.from')}</Table.Th><Table.Th>{t('edoc.status')}</Table.Th></Table.Tr></Table.Thead>
                <Table.Tbody>
                  {j.data.statuses.map((s) => (
                    <Table.Tr key={s.docId}><Table.Td>{dateTime(s.time)}</Table.Td><Table.Td ff="monospace">{s.from}</Table.Td>
                      <Table.Td data-testid="edoc-status-code">{s.statusCode} — {t(`edoc.code.${s.statusCode}`, { defaultValue: s.statusCode })}</Table.Td></Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </Stack>
      )}
    </>
  );
}
