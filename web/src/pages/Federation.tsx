// Peers (other instances, issue 17) and outbound rules (which local client may call which
// foreign service) in the console: list, add, withdraw or give back trust, remove.
import { useState } from 'react';
import { Badge, Button, Card, Checkbox, Group, Modal, SegmentedControl, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { del, get, patch, post, type List, type OutboundRule, type Peer, type Subsystem } from '../api';
import { ConfirmButton, EmptyState, ErrorAlert, Loading, PageHeader, useAction, useLoad } from '../components/ui';
import { PemInput } from './Certificates';
import { dateTime } from '../format';
import { Named } from '../components/Named';
import { useRole } from '../session';

/** "3 min" ago, in the console's language. */
function age(iso: string | null, lang: string): string | null {
  if (!iso) return null;
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  const [n, unit] = s < 60 ? [s, 'second'] : s < 3600 ? [Math.round(s / 60), 'minute'] : s < 86400 ? [Math.round(s / 3600), 'hour'] : [Math.round(s / 86400), 'day'];
  return new Intl.RelativeTimeFormat(lang, { numeric: 'always' }).format(-n, unit as Intl.RelativeTimeFormatUnit);
}

export function PeersPage() {
  const { t, i18n } = useTranslation();
  const { isAdmin } = useRole();
  const { data, error, loading, reload } = useLoad(() => get<List<Peer>>('/peers'));
  const [adding, setAdding] = useState(false);
  const act = useAction();
  return (
    <>
      <PageHeader title={t('peers.title')}>
        {isAdmin && <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-peer">{t('peers.add')}</Button>}
      </PageHeader>
      <Text c="dimmed" size="sm" mb="md">{t('peers.intro')}</Text>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <EmptyState>{t('peers.empty')}</EmptyState>}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead><Table.Tr>
              <Table.Th>{t('peers.instance')}</Table.Th><Table.Th>{t('peers.url')}</Table.Th><Table.Th>{t('peers.trust')}</Table.Th><Table.Th>{t('peers.directory')}</Table.Th><Table.Th />
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {data.items.map((p) => {
                const d = p.directory;
                const fetched = age(d.fetchedAt, i18n.language);
                return (
                  <Table.Tr key={p.instance} data-testid={`peer-${p.instance}`}>
                    <Table.Td><Text fw={600} translate="no">{p.instance}</Text>
                      <Badge color={p.trusted ? 'green' : 'gray'} style={{ minWidth: 'max-content' }} data-testid={`peer-${p.instance}-state`}>{t(p.trusted ? 'peers.trusted' : 'peers.withdrawn')}</Badge></Table.Td>
                    <Table.Td><Text ff="monospace" size="xs" style={{ wordBreak: 'break-all' }} translate="no">{p.url}</Text></Table.Td>
                    <Table.Td data-testid={`peer-${p.instance}-trust`}>
                      {p.ca ? (
                        <Tooltip label={`SHA-256 ${p.ca.sha256}`} multiline maw={360}><Text size="sm" style={{ wordBreak: 'break-word' }} translate="no">{t('peers.byCa')}: {p.ca.subject}</Text></Tooltip>
                      ) : (
                        <Text size="xs" ff="monospace" maw={200} style={{ wordBreak: 'break-all' }} translate="no">{t('peers.byFingerprint')}: {p.fingerprint}</Text>
                      )}
                    </Table.Td>
                    <Table.Td data-testid={`peer-${p.instance}-directory`}>
                      {fetched ? <Tooltip label={dateTime(d.fetchedAt)}><Text size="sm">{t('peers.fetched', { age: fetched })}</Text></Tooltip> : <Text size="sm" c="dimmed">{t('peers.noDirectory')}</Text>}
                      {d.error ? <Text size="xs" c="red" maw={260} style={{ wordBreak: 'break-word' }}>{t('peers.lastFailed', { error: d.error })}</Text>
                        : d.attemptedAt ? <Text size="xs" c="dimmed">{t('peers.lastOk')}</Text> : null}
                    </Table.Td>
                    <Table.Td ta="right">{isAdmin && (
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        {p.trusted ? (
                          <ConfirmButton label={t('peers.withdraw')} testId={`withdraw-peer-${p.instance}`} color="orange" question={t('peers.confirmWithdraw', { instance: p.instance })} details={t('peers.withdrawDetails')}
                            onConfirm={() => void act.run(async () => { await patch(`/peers/${encodeURIComponent(p.instance)}`, { trusted: false }); await reload(); }, t('peers.withdrawnNotice', { instance: p.instance }))} />
                        ) : (
                          <Button size="xs" variant="light" data-testid={`trust-peer-${p.instance}`} onClick={() => void act.run(async () => { await patch(`/peers/${encodeURIComponent(p.instance)}`, { trusted: true }); await reload(); }, t('peers.trustedNotice', { instance: p.instance }))}>{t('peers.trustAgain')}</Button>
                        )}
                        <ConfirmButton label={t('peers.remove')} testId={`remove-peer-${p.instance}`} question={t('peers.confirmRemove', { instance: p.instance })} details={t('peers.removeDetails')}
                          onConfirm={() => void act.run(async () => { await del(`/peers/${encodeURIComponent(p.instance)}`); await reload(); }, t('peers.removedNotice', { instance: p.instance }))} />
                      </Group>
                    )}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <AddPeer opened={adding} onClose={() => setAdding(false)} onDone={reload} />
    </>
  );
}

function AddPeer({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [instance, setInstance] = useState('');
  const [url, setUrl] = useState('https://');
  const [by, setBy] = useState<'ca' | 'fingerprint'>('ca');
  const [ca, setCa] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [dirKey, setDirKey] = useState('');
  const [tofu, setTofu] = useState(false);
  const { busy, error, run, setError } = useAction();
  const close = () => { setInstance(''); setUrl('https://'); setCa(''); setFingerprint(''); setDirKey(''); setTofu(false); setError(undefined); onClose(); };
  const ready = instance.trim() && url.trim() && (by === 'ca' ? ca.trim() : fingerprint.trim()) && (tofu || dirKey.trim());
  return (
    <Modal opened={opened} onClose={close} title={t('peers.add')} size="lg">
      <Stack>
        <TextInput label={t('peers.instance')} description={t('peers.instanceHint')} value={instance} onChange={(e) => setInstance(e.currentTarget.value)} required data-testid="peer-instance" />
        <TextInput label={t('peers.url')} description={t('peers.urlHint')} value={url} onChange={(e) => setUrl(e.currentTarget.value)} required data-testid="peer-url" />
        <SegmentedControl value={by} onChange={(v) => setBy(v as 'ca' | 'fingerprint')} data={[{ value: 'ca', label: t('peers.byCa') }, { value: 'fingerprint', label: t('peers.byFingerprint') }]} data-testid="peer-by" />
        {by === 'ca'
          ? <PemInput label={t('peers.ca')} hint={t('peers.caHint')} placeholder="-----BEGIN CERTIFICATE-----" value={ca} onChange={setCa} testId="peer-ca" />
          : <TextInput label={t('peers.fingerprint')} description={t('peers.fingerprintHint')} value={fingerprint} onChange={(e) => setFingerprint(e.currentTarget.value)} data-testid="peer-fingerprint" />}
        {!tofu && <PemInput label={t('peers.directoryKey')} hint={t('peers.directoryKeyHint')} placeholder="-----BEGIN PUBLIC KEY-----" value={dirKey} onChange={setDirKey} testId="peer-directory-key" />}
        <Checkbox label={t('peers.tofu')} description={t('peers.tofuHint')} checked={tofu} onChange={(e) => setTofu(e.currentTarget.checked)} data-testid="peer-tofu" />
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
          <Button loading={busy} disabled={!ready} data-testid="peer-submit" onClick={() => void run(async () => {
            await post('/peers', {
              instance: instance.trim(), url: url.trim(), ...(by === 'ca' ? { ca: ca.trim() } : { fingerprint: fingerprint.trim() }),
              ...(tofu ? { directoryKeyOnFirstUse: true } : { directoryKey: dirKey.trim() }),
            });
            await onDone();
            close();
          }, t('peers.addedNotice', { instance: instance.trim() }))}>{t('peers.addSubmit')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function OutboundPage() {
  const { t } = useTranslation();
  const { isAdmin } = useRole();
  const { data, error, loading, reload } = useLoad(() => get<List<OutboundRule>>('/outbound-rules'));
  const subs = useLoad(() => get<List<Subsystem>>('/subsystems'));
  const names = new Map((subs.data?.items ?? []).map((s) => [s.id, s.name]));
  const [adding, setAdding] = useState(false);
  const [service, setService] = useState('');
  const [client, setClient] = useState<string | null>(null);
  const act = useAction();
  const add = useAction();
  const close = () => { setService(''); setClient(null); add.setError(undefined); setAdding(false); };
  return (
    <>
      <PageHeader title={t('outbound.title')}>
        {isAdmin && <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-outbound">{t('outbound.add')}</Button>}
      </PageHeader>
      <Text c="dimmed" size="sm" mb="md">{t('outbound.intro')}</Text>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <EmptyState>{t('outbound.empty')}</EmptyState>}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th>{t('outbound.service')}</Table.Th><Table.Th>{t('outbound.client')}</Table.Th><Table.Th>{t('outbound.since')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {data.items.map((r) => (
                <Table.Tr key={r.id} data-testid={`outbound-${r.id}`}>
                  <Table.Td><Badge variant="light" mr={6} translate="no">{r.serviceId.split('/')[0]}</Badge><Text span ff="monospace" size="sm" style={{ wordBreak: 'break-all' }} translate="no">{r.serviceId.split('/').slice(1).join('/')}</Text></Table.Td>
                  <Table.Td><div data-testid={`outbound-${r.id}-client`}><Named id={r.clientId} name={names.get(r.clientId)} /></div></Table.Td>
                  <Table.Td>{dateTime(r.createdAt)}</Table.Td>
                  <Table.Td ta="right">{isAdmin && (
                    <ConfirmButton label={t('outbound.remove')} testId={`remove-outbound-${r.id}`} question={t('outbound.confirmRemove', { service: r.serviceId, client: r.clientId })} details={t('outbound.removeDetails')}
                      onConfirm={() => void act.run(async () => { await del(`/outbound-rules/${r.id}`); await reload(); }, t('outbound.removedNotice', { service: r.serviceId }))} />
                  )}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <Modal opened={adding} onClose={close} title={t('outbound.add')} size="lg">
        <Stack>
          <TextInput label={t('outbound.service')} description={t('outbound.serviceHint')} placeholder="VN-B/GOV/000.00.00.B01/hotich/records" value={service} onChange={(e) => setService(e.currentTarget.value)} required data-testid="outbound-service" />
          <Select label={t('outbound.client')} data={(subs.data?.items ?? []).map((s) => ({ value: s.id, label: s.name ? `${s.name} (${s.id})` : s.id }))} value={client} onChange={setClient} searchable required data-testid="outbound-client" />
          <ErrorAlert error={add.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
            <Button loading={add.busy} disabled={!service.trim() || !client} data-testid="outbound-submit" onClick={() => void add.run(async () => {
              await post('/outbound-rules', { service: service.trim(), client });
              await reload();
              close();
            }, t('outbound.addedNotice', { service: service.trim() }))}>{t('outbound.addSubmit')}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
