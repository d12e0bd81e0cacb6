// Access requests: ask another agency for a service, and decide on requests to your agency.
import { useState } from 'react';
import { Badge, Button, Card, Group, Modal, SegmentedControl, Select, Stack, Table, Text, Textarea, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Named, useNames } from '../components/Named';
import { get, post, qs, type AccessRequest, type List, type Service, type Subsystem } from '../api';
import { ConfirmButton, EmptyState, ErrorAlert, Loading, PageHeader, useAction, useLoad } from '../components/ui';
import { dateTime, nfc } from '../format';
import { useRole } from '../session';

const STATE_COLORS = { pending: 'yellow', approved: 'green', rejected: 'red', withdrawn: 'gray' } as const;

export function RequestsPage() {
  const { t } = useTranslation();
  const { role, isAdmin, canWrite, member } = useRole();
  const names = useNames();
  const [direction, setDirection] = useState(role === 'agency_admin' ? 'incoming' : 'all');
  const [state, setState] = useState<string | null>(null);
  const { data, error, loading, reload } = useLoad(() => get<List<AccessRequest>>('/access-requests' + qs({ direction: direction === 'all' ? undefined : direction, state: state ?? undefined })), [direction, state]);
  const [asking, setAsking] = useState(false);
  const [deciding, setDeciding] = useState<{ r: AccessRequest; action: 'approve' | 'reject' } | null>(null);
  const act = useAction();
  return (
    <>
      <PageHeader title={t('requests.title')}>
        {role === 'agency_admin' && <SegmentedControl value={direction} onChange={setDirection} data={[{ value: 'incoming', label: t('requests.incoming') }, { value: 'outgoing', label: t('requests.outgoing') }]} />}
        <Select label={t('requests.state')} placeholder={t('common.all')} clearable value={state} onChange={setState} w={150} data={(['pending', 'approved', 'rejected', 'withdrawn'] as const).map((s) => ({ value: s, label: t(`requests.state.${s}`) }))} />
        {(role === 'agency_admin' || isAdmin) && <Button leftSection={<IconPlus size={16} />} onClick={() => setAsking(true)} data-testid="new-request">{t('requests.new')}</Button>}
      </PageHeader>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <EmptyState>{t('requests.empty')}</EmptyState>}
      <Stack>
        {data?.items.map((r) => (
          <Card withBorder radius="md" key={r.id} data-testid={`request-${r.id}`}>
            <Group justify="space-between" align="flex-start">
              <Stack gap={4} style={{ flex: 1 }}>
                <Group gap="xs">
                  <Badge color={STATE_COLORS[r.state]} data-testid="request-state">{t(`requests.state.${r.state}`)}</Badge>
                  <Named id={r.client} name={names.name(r.client)} fw={600} /><Text c="dimmed">→</Text><Named id={r.service} name={names.name(r.service)} fw={600} />
                  {r.endpoint && <Badge variant="outline">{r.endpoint.method} {r.endpoint.path}</Badge>}
                </Group>
                <Text size="sm">{r.reason}</Text>
                <Text size="xs" c="dimmed">{t('requests.by')}: {r.requestedBy} · {dateTime(r.requestedAt)}</Text>
                {r.decidedBy && <Text size="xs" c="dimmed">{t('requests.decidedBy')}: {r.decidedBy} · {dateTime(r.decidedAt)}{r.decisionNote ? ` — “${r.decisionNote}”` : ''}</Text>}
              </Stack>
              {r.state === 'pending' && (
                <Group gap="xs">
                  {canWrite(r.providerMember) && <Button size="xs" color="green" onClick={() => setDeciding({ r, action: 'approve' })} data-testid="approve">{t('requests.approve')}</Button>}
                  {canWrite(r.providerMember) && <Button size="xs" color="red" variant="light" onClick={() => setDeciding({ r, action: 'reject' })} data-testid="reject">{t('requests.reject')}</Button>}
                  {canWrite(r.clientMember) && r.clientMember === member && <ConfirmButton label={t('requests.withdraw')} color="gray" variant="default" question={t('requests.confirmWithdraw', { id: r.id, service: r.service })} onConfirm={() => void act.run(async () => { await post(`/access-requests/${r.id}/withdraw`); await reload(); }, t('notice.withdrawn', { id: r.id }))} />}
                </Group>
              )}
            </Group>
          </Card>
        ))}
      </Stack>
      <Ask opened={asking} onClose={() => setAsking(false)} onDone={async () => { setDirection(role === 'agency_admin' ? 'outgoing' : 'all'); await reload(); }} />
      <Decide d={deciding} onClose={() => setDeciding(null)} onDone={reload} />
    </>
  );
}

function Ask({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { isAdmin, member } = useRole();
  const services = useLoad(() => get<List<Service>>('/services'), [opened]);
  const subs = useLoad(() => get<List<Subsystem>>('/subsystems' + qs({ member: isAdmin ? undefined : member })), [opened]);
  const [service, setService] = useState<string | null>(null);
  const [client, setClient] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const { busy, error, run } = useAction();
  const others = (services.data?.items ?? []).filter((s) => isAdmin || !s.id.startsWith(member + '/'));
  return (
    <Modal opened={opened} onClose={onClose} title={t('requests.new')} size="lg">
      <Stack>
        <Select label={t('access.service')} data={others.map((s) => s.id)} value={service} onChange={setService} searchable required data-testid="request-service" />
        <Select label={t('access.client')} data={(subs.data?.items ?? []).map((s) => s.id)} value={client} onChange={setClient} searchable required data-testid="request-client" />
        <Textarea label={t('requests.reason')} description={t('requests.reasonHint')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} autosize minRows={3} required data-testid="request-reason" />
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
          <Button loading={busy} disabled={!service || !client} data-testid="request-submit" onClick={() => void run(async () => { await post('/access-requests', { service, client, reason: nfc(reason) }); setReason(''); await onDone(); onClose(); }, t('notice.requested', { service: service ?? '' }))}>{t('requests.new')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Decide({ d, onClose, onDone }: { d: { r: AccessRequest; action: 'approve' | 'reject' } | null; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  return (
    <Modal opened={!!d} onClose={onClose} title={d ? `${t(`requests.${d.action}`)}: ${d.r.client} → ${d.r.service}` : ''}>
      <Stack>
        <TextInput label={t('requests.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
          <Button color={d?.action === 'approve' ? 'green' : 'red'} loading={busy} data-testid="decide-submit" onClick={() => void run(async () => { await post(`/access-requests/${d!.r.id}/${d!.action}`, { note: nfc(note) || undefined }); setNote(''); await onDone(); onClose(); }, d ? t(`notice.${d.action}d`, { id: d.r.id }) : undefined)}>{d ? t(`requests.${d.action}`) : ''}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
