// Message log search, one record's detail, and the integrity check.
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Code, Drawer, Group, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { DateTimeField } from '../components/DateField';
import { IconDownload, IconShieldCheck } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { CREDENTIAL_KINDS, get, post, qs, type Credential, type Message, type VerifyReport } from '../api';
import { EmptyState, ErrorAlert, ExportButtons, Loading, PageHeader, openRow, useAction } from '../components/ui';
import { dateTime, isoToLocalInput, localInputToIso, num } from '../format';
import { useRole, useSession } from '../session';
import { Named, useNames } from '../components/Named';

const statusColor = (s: number) => (s >= 500 ? 'red' : s >= 400 ? 'orange' : 'green');

const FILTER_KEYS = ['from', 'to', 'client', 'service', 'status', 'messageId', 'credential'] as const;
type Filter = Record<(typeof FILTER_KEYS)[number], string>;
const EMPTY: Filter = { from: '', to: '', client: '', service: '', status: '', messageId: '', credential: '' };

/**
 * The filter in the page's address (?service=…&from=…, times as ISO UTC): what the dashboard's rows
 * link to, and what a reload or a shared link shows again.
 */
function filterFromUrl(): Filter {
  const p = new URLSearchParams(location.search);
  const f = { ...EMPTY };
  for (const k of FILTER_KEYS) {
    const v = p.get(k);
    if (!v) continue;
    // The time fields take Vietnam time to the minute; the address carries the instant.
    f[k] = k === 'from' || k === 'to' ? (Number.isNaN(Date.parse(v)) ? '' : isoToLocalInput(v)) : v;
  }
  return f;
}

/** The signed report as a file, for `vamco audit verify-report FILE` (exactly the bytes the API answered, re-serialised: the signature covers the content, not the spacing). */
function downloadReport(r: VerifyReport): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(r, null, 2) + '\n'], { type: 'application/json' }));
  a.download = `vamco-integrity-${r.finishedAt.slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

/** The credential's kind; a certificate also by the start of its SHA-256, the whole on hover (and to screen readers). */
function CredentialCell({ c }: { c: Credential | null | undefined }) {
  const { t } = useTranslation();
  if (!c) return <Text size="sm" c="dimmed">—</Text>;
  return (
    <>
      <Text size="sm" data-testid="message-credential">{t(`credential.${c.kind}`)}</Text>
      {c.kind === 'certificate' && (
        <Tooltip label={c.fingerprint} multiline w={300} style={{ wordBreak: 'break-all' }} withArrow>
          <Text size="xs" c="dimmed" ff="monospace" tabIndex={0} aria-label={`${t('messages.fingerprint')} ${c.fingerprint}`} data-testid="message-fingerprint">{c.fingerprint.slice(0, 12)}…</Text>
        </Tooltip>
      )}
    </>
  );
}

export function MessagesPage() {
  const { t } = useTranslation();
  const { role } = useRole();
  const names = useNames();
  // The log names clients and services with their instance ("DEV/GOV/…"); the registry without it
  // (its own instance's objects only): a record of another instance keeps its id.
  const instance = useSession().auth.platform?.instance;
  const nameOf = (id: string | null) => (id && instance && id.startsWith(instance + '/') ? names.name(id.slice(instance.length + 1)) : null);
  const named = (id: string | null) => (id ? <Named id={id} name={nameOf(id)} /> : <Text size="sm" c="dimmed">—</Text>);
  const [f, setF] = useState(filterFromUrl);
  const [items, setItems] = useState<Message[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [detail, setDetail] = useState<Message | null>(null);
  const search = useAction();
  const verify = useAction();
  const [result, setResult] = useState<VerifyReport | null>(null);
  const [elapsed, setElapsed] = useState(0);

  const filter = () => ({ from: localInputToIso(f.from), to: localInputToIso(f.to), client: f.client.trim(), service: f.service.trim(), status: f.status.trim(), messageId: f.messageId.trim(), credential: f.credential });
  // The export takes the filter of the list on screen (the last search), not fields typed since.
  const [shown, setShown] = useState<ReturnType<typeof filter>>({ from: undefined, to: undefined, client: '', service: '', status: '', messageId: '', credential: '' });
  const load = (more: boolean) => search.run(async () => {
    const q = more ? shown : filter();
    const r = await get<{ items: Message[]; nextCursor: string | null }>('/messages' + qs({ ...q, limit: 50, cursor: more ? cursor : undefined }));
    setShown(q);
    if (!more) history.replaceState(null, '', location.pathname + qs(q));
    setItems((prev) => (more && prev ? [...prev, ...r.items] : r.items));
    setCursor(r.nextCursor);
  });
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { void load(false); }, []);
  useEffect(() => {
    if (!verify.busy) return;
    const start = Date.now();
    const timer = setInterval(() => setElapsed((Date.now() - start) / 1000), 200);
    return () => clearInterval(timer);
  }, [verify.busy]);

  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement>) => setF({ ...f, [k]: e.currentTarget.value });
  return (
    <>
      <PageHeader title={t('messages.title')}>
        <ExportButtons path="/messages/export" query={shown} testId="messages-export" />
        {role !== 'agency_admin' && <Button leftSection={<IconShieldCheck size={16} />} variant="light" loading={verify.busy} data-testid="verify" onClick={() => { setResult(null); void verify.run(async () => setResult(await post<VerifyReport>('/audit/verify-report'))); }}>{t('messages.verify')}</Button>}
      </PageHeader>
      {verify.busy && (
        <Card withBorder mb="md"><Text size="sm" mb={6}>{t('messages.verifying')} {elapsed.toFixed(1)} s</Text><Progress value={100} animated striped /></Card>
      )}
      <ErrorAlert error={verify.error} />
      {result && (
        <Alert mb="md" color={result.result.ok ? 'green' : 'red'} variant="light" data-testid="verify-result" title={t('messages.verify')}>
          {result.result.ok ? t('messages.verifyOk', { records: result.result.records, checkpoints: result.result.checkpoints, adminRecords: result.result.adminRecords }) : t('messages.verifyBad', { where: `${result.result.firstBad?.chain} ${result.result.firstBad?.nodeId ?? ''} #${result.result.firstBad?.seq}`, reason: result.result.firstBad?.reason })}
          <Group justify="space-between" align="flex-end" mt="xs" wrap="wrap">
            <Stack gap={2}>
              <Text size="sm" data-testid="verify-time">{t('messages.verifyAt', { at: dateTime(result.finishedAt) })}</Text>
              <Text size="sm">{t('messages.verifySigner', { node: result.nodeId })} <Text span ff="monospace" size="xs" translate="no" style={{ overflowWrap: 'anywhere' }} data-testid="verify-fingerprint">{result.keyFingerprint}</Text></Text>
            </Stack>
            <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadReport(result)} data-testid="verify-download">{t('messages.verifyDownload')}</Button>
          </Group>
        </Alert>
      )}
      <Card withBorder radius="md" mb="md">
        <form onSubmit={(e) => { e.preventDefault(); void load(false); }}>
          <SimpleGrid cols={{ base: 1, sm: 3, lg: 4 }}>
            <DateTimeField label={t('messages.from')} value={f.from} onChange={(v) => setF({ ...f, from: v })} data-testid="messages-from" />
            <DateTimeField label={t('messages.to')} value={f.to} onChange={(v) => setF({ ...f, to: v })} data-testid="messages-to" />
            <TextInput label={t('messages.client')} placeholder="DEV/GOV/…/motcua" value={f.client} onChange={set('client')} />
            <TextInput label={t('messages.service')} placeholder="DEV/GOV/…/hotich/khaisinh" value={f.service} onChange={set('service')} />
            <TextInput label={t('messages.status')} placeholder={t('messages.statusHint')} value={f.status} onChange={set('status')} />
            <TextInput label={t('messages.messageId')} value={f.messageId} onChange={set('messageId')} />
            <Select label={t('messages.credential')} placeholder={t('messages.credentialAll')} clearable data-testid="messages-credential-filter"
              data={CREDENTIAL_KINDS.map((k) => ({ value: k, label: t(`credential.${k}`) }))} value={f.credential || null} onChange={(v) => setF({ ...f, credential: v ?? '' })} />
          </SimpleGrid>
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={() => setF(EMPTY)}>{t('common.reset')}</Button>
            <Button type="submit" loading={search.busy} data-testid="search">{t('common.search')}</Button>
          </Group>
        </form>
      </Card>
      <ErrorAlert error={search.error} />
      {items === null && search.busy && <Loading />}
      {items && items.length === 0 && <EmptyState>{t('messages.empty')}</EmptyState>}
      {items && items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          {/* Fits 1366 px without scrolling sideways: long ids wrap, the call's method and path sit under its service. */}
          <Table highlightOnHover verticalSpacing="xs" fz="sm" layout="fixed">
            <Table.Thead><Table.Tr><Table.Th w={110}>{t('messages.time')}</Table.Th><Table.Th w="26%">{t('messages.client')}</Table.Th><Table.Th>{t('messages.service')}</Table.Th><Table.Th w={130}>{t('messages.credential')}</Table.Th><Table.Th w={150}>{t('messages.status')}</Table.Th><Table.Th w={110} ta="right">{t('messages.duration')}</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {items.map((m) => (
                <Table.Tr key={`${m.nodeId}/${m.seq}`} {...openRow(() => void get<Message>(`/messages/${encodeURIComponent(m.nodeId)}/${m.seq}`).then(setDetail).catch(() => setDetail(m)))} data-testid="message-row">
                  <Table.Td>{dateTime(m.at)}</Table.Td>
                  <Table.Td data-testid="message-client">{named(m.client)}</Table.Td>
                  <Table.Td style={{ wordBreak: 'break-all' }}><div data-testid="message-service">{named(m.service)}</div><Text size="xs" c="dimmed" ff="monospace" lineClamp={2}>{m.method} {m.path}</Text></Table.Td>
                  <Table.Td><CredentialCell c={m.credential} /></Table.Td>
                  <Table.Td><Badge color={statusColor(m.status)} variant="light">{m.status}</Badge>{m.errorCode && <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>{m.errorCode}</Text>}</Table.Td>
                  <Table.Td ta="right">{num(m.durationMs, 1)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {cursor && <Group justify="center" p="sm"><Button variant="default" loading={search.busy} onClick={() => void load(true)}>{t('common.loadMore')}</Button></Group>}
        </Card>
      )}
      <Drawer opened={!!detail} onClose={() => setDetail(null)} position="right" size="lg" title={t('messages.detail')}>
        {detail && (
          <Stack gap="xs" data-testid="message-detail">
            {([
              ['messages.time', dateTime(detail.at)], ['messages.messageId', detail.messageId], ['messages.requestId', detail.requestId],
              ['messages.client', detail.client], ['messages.service', detail.service], ['services.method', detail.method], ['services.path', detail.path],
              ['messages.credential', detail.credential ? t(`credential.${detail.credential.kind}`) + (detail.credential.kind === 'certificate' ? ` SHA-256 ${detail.credential.fingerprint}` : '') : null],
              ['messages.status', `${detail.status}${detail.errorCode ? ' ' + detail.errorCode : ''}`], ['messages.duration', num(detail.durationMs, 3)],
              ['messages.size', `${num(detail.requestSize)} B → ${num(detail.responseSize)} B`], ['X-Road-UserId', detail.userId], ['X-Road-Issue', detail.issue],
              ['messages.digestRequest', detail.requestDigest], ['messages.digestResponse', detail.responseDigest],
              ['messages.nodeSeq', `${detail.nodeId} / ${detail.seq}`], ['messages.prevHash', detail.prevHash], ['messages.hash', detail.hash],
            ] as [string, string | null | undefined][]).map(([k, v]) => (
              <div key={k}><Text size="xs" c="dimmed">{k.includes('.') ? t(k) : k}</Text>
                {(k === 'messages.client' || k === 'messages.service') && v && nameOf(v) && <Text size="sm" fw={600} translate="no" data-testid={`detail-${k.slice(9)}-name`}>{nameOf(v)}</Text>}
                <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>{v ?? '—'}</Code></div>
            ))}
          </Stack>
        )}
      </Drawer>
    </>
  );
}
