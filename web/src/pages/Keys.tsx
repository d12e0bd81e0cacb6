// API keys of client systems: create (shown once, with a ready curl), list, revoke.
import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Named, useNames } from '../components/Named';
import { del, get, post, qs, type Key, type List, type Service, type Subsystem } from '../api';
import { ConfirmButton, CopyField, EmptyState, ErrorAlert, Loading, PageHeader, useAction, useLoad } from '../components/ui';
import { dateMinute, dateTime } from '../format';
import { DateField } from '../components/DateField';
import { memberOf, useRole, useSession } from '../session';

export function KeysPage() {
  const { t } = useTranslation();
  const { isAdmin, member, canWrite } = useRole();
  const names = useNames();
  const [subsystem, setSubsystem] = useState<string | null>(null);
  const subs = useLoad(() => get<List<Subsystem>>('/subsystems' + qs({ member: isAdmin ? undefined : member })));
  const { data, error, loading, reload } = useLoad(() => get<List<Key>>('/keys' + qs({ subsystem: subsystem ?? undefined })), [subsystem]);
  const [creating, setCreating] = useState(false);
  const act = useAction();
  return (
    <>
      <PageHeader title={t('keys.title')}>
        <Select label={t('keys.subsystem')} placeholder={t('common.all')} clearable searchable data={(subs.data?.items ?? []).map((s) => s.id)} value={subsystem} onChange={setSubsystem} w={280} />
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="create-key">{t('keys.create')}</Button>
      </PageHeader>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <EmptyState action={<Button onClick={() => setCreating(true)}>{t('keys.create')}</Button>}>{t('keys.empty')}</EmptyState>}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead><Table.Tr><Table.Th>{t('keys.prefix')}</Table.Th><Table.Th>{t('keys.subsystem')}</Table.Th><Table.Th>{t('keys.label')}</Table.Th><Table.Th>{t('common.created')}</Table.Th><Table.Th>{t('keys.expires')}</Table.Th><Table.Th>{t('keys.lastUsed')}</Table.Th><Table.Th>{t('users.status')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
            <Table.Tbody>
              {data.items.map((k) => (
                <Table.Tr key={k.id} data-testid={`key-${k.id}`}>
                  <Table.Td><Text ff="monospace" size="sm">{k.prefix}…</Text></Table.Td>
                  <Table.Td><Named id={k.subsystemId} name={names.name(k.subsystemId)} /></Table.Td>
                  <Table.Td>{k.label ?? '—'}</Table.Td>
                  <Table.Td>{dateTime(k.createdAt)}</Table.Td>
                  <Table.Td data-testid="key-expires">{k.expiresAt ? dateMinute(k.expiresAt) : t('keys.neverExpires')}</Table.Td>
                  <Table.Td data-testid="key-last-used">{k.lastUsedAt ? dateMinute(k.lastUsedAt) : t('keys.neverUsed')}</Table.Td>
                  <Table.Td data-testid="key-status">{k.status === 'revoked' ? <Badge color="gray">{t('keys.revoked')}</Badge> : k.status === 'expired' ? <Badge color="orange">{t('keys.expired')}</Badge> : <Badge color="green">{t('keys.active')}</Badge>}</Table.Td>
                  <Table.Td ta="right">{!k.revokedAt && canWrite(memberOf(k.subsystemId)) && <ConfirmButton label={t('keys.revoke')} testId={`revoke-key-${k.id}`} question={t('keys.confirmRevoke', { prefix: k.prefix })} details={t('keys.revokeDetails', { subsystem: k.subsystemId })} onConfirm={() => void act.run(async () => { await del(`/keys/${k.id}`); await reload(); }, t('notice.revokedKey', { prefix: k.prefix }))} />}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <CreateKey opened={creating} subsystems={subs.data?.items ?? []} onClose={() => setCreating(false)} onDone={reload} />
    </>
  );
}

function CreateKey({ opened, subsystems, onClose, onDone }: { opened: boolean; subsystems: Subsystem[]; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { auth } = useSession();
  const [subsystem, setSubsystem] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<{ key: string; subsystem: string; service?: Service } | null>(null);
  const { busy, error, run } = useAction();
  const close = () => { setCreated(null); setLabel(''); setExpires(''); onClose(); };
  const instance = auth.platform?.instance ?? 'DEV';
  const gw = `${location.protocol}//${location.hostname}:${auth.platform?.gatewayPort ?? 8080}`;
  return (
    <Modal opened={opened} onClose={close} title={created ? t('keys.newKey') : t('keys.create')} size="lg">
      {created ? (
        <Stack>
          <Alert color="yellow" variant="light">{t('common.showOnce')}</Alert>
          <CopyField value={created.key} testId="new-key" />
          <Text fw={600} size="sm">{t('keys.curl')}</Text>
          <CopyField testId="curl" value={`curl -H 'X-Road-Client: ${instance}/${created.subsystem}' \\\n     -H 'X-API-Key: ${created.key}' \\\n     ${gw}/r1/${instance}/${created.service?.id ?? '<CLASS>/<MEMBER>/<SYSTEM>/<SERVICE>'}/`} />
          <Group justify="flex-end"><Button onClick={close} data-testid="key-done">{t('common.done')}</Button></Group>
        </Stack>
      ) : (
        <Stack>
          <Select label={t('keys.subsystem')} data={subsystems.map((s) => s.id)} value={subsystem} onChange={setSubsystem} searchable required data-testid="key-subsystem" />
          <TextInput label={t('keys.label')} value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
          <DateField label={t('keys.expires')} description={t('keys.expiresHint')} value={expires} onChange={setExpires} minDate={new Date()} data-testid="key-expires-input" />
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
            <Button loading={busy} disabled={!subsystem} data-testid="key-submit" onClick={() => void run(async () => {
              const r = await post<{ key: string }>('/keys', { subsystem, label: label.trim() || undefined, expires: expires || undefined });
              // Offer a curl for a service this system may already call.
              const rights = await get<List<{ serviceId: string }>>('/access-rights' + qs({ client: subsystem! })).catch(() => ({ items: [] as { serviceId: string }[] }));
              setCreated({ key: r.key, subsystem: subsystem!, service: rights.items[0] ? ({ id: rights.items[0].serviceId } as Service) : undefined });
              await onDone();
            }, t('notice.keyCreated', { subsystem: subsystem ?? '' }))}>{t('keys.create')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
