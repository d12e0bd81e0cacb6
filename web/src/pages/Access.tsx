// Access rights per service and endpoint: grant and revoke (default deny).
import { useState } from 'react';
import { Badge, Button, Card, Group, Modal, Select, Stack, Table, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Named, useNames } from '../components/Named';
import { del, get, post, qs, type AccessRight, type List, type Service, type Subsystem } from '../api';
import { ConfirmButton, EmptyState, ErrorAlert, Loading, PageHeader, useAction, useLoad } from '../components/ui';
import { dateTime } from '../format';
import { memberOf, useRole } from '../session';
import { MethodBadge } from './Services';

export function AccessPage() {
  const { t } = useTranslation();
  const { canWrite, role, isAdmin, member } = useRole();
  const names = useNames();
  const [service, setService] = useState<string | null>(null);
  const services = useLoad(() => get<List<Service>>('/services' + qs({ member: isAdmin || role === 'auditor' ? undefined : member })));
  const { data, error, loading, reload } = useLoad(() => get<List<AccessRight>>('/access-rights' + qs({ service: service ?? undefined })), [service]);
  const [granting, setGranting] = useState(false);
  const act = useAction();
  const canGrant = role !== 'auditor';
  return (
    <>
      <PageHeader title={t('access.title')}>
        <Select label={t('access.service')} placeholder={t('common.all')} clearable searchable data={(services.data?.items ?? []).map((s) => s.id)} value={service} onChange={setService} w={320} />
        {canGrant && <Button leftSection={<IconPlus size={16} />} onClick={() => setGranting(true)} data-testid="grant">{t('access.grant')}</Button>}
      </PageHeader>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <EmptyState>{t('access.empty')}</EmptyState>}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead><Table.Tr><Table.Th>{t('access.service')}</Table.Th><Table.Th>{t('access.endpoint')}</Table.Th><Table.Th>{t('access.client')}</Table.Th><Table.Th>{t('common.created')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.items.map((r) => {
                  // Foreign rights are numbered apart from local ones: the kind keeps ids, test ids and the revoke path apart.
                  const foreign = r.kind === 'foreign';
                  const tid = foreign ? `foreign-${r.id}` : String(r.id);
                  return (
                  <Table.Tr key={`${r.kind}-${r.id}`} data-testid={`right-${tid}`}>
                    <Table.Td><Named id={r.serviceId} name={names.name(r.serviceId)} /></Table.Td>
                    <Table.Td>{r.endpoint ? <Group gap={6}><MethodBadge m={r.endpoint.method} /><Text ff="monospace" size="sm">{r.endpoint.path}</Text></Group> : <Badge variant="light" color="gray">{t('access.wholeService')}</Badge>}</Table.Td>
                    <Table.Td>
                      {foreign
                        ? <Group gap={6} wrap="nowrap"><Badge variant="light" color="grape" data-testid="right-foreign">{t('access.foreign', { instance: r.instance })}</Badge><Text size="sm" translate="no">{r.clientId}</Text></Group>
                        : <Named id={r.clientId} name={names.name(r.clientId)} />}
                    </Table.Td>
                    <Table.Td>{dateTime(r.createdAt)}</Table.Td>
                    <Table.Td ta="right">{canWrite(memberOf(r.serviceId)) && <ConfirmButton label={t('access.revoke')} testId={`revoke-${tid}`} question={t('access.confirmRevoke', { client: r.clientId, service: r.serviceId })} details={t('access.revokeDetails')} onConfirm={() => void act.run(async () => { await del(`/access-rights/${foreign ? 'foreign/' : ''}${r.id}`); await reload(); }, t('notice.revokedAccess', { client: r.clientId, service: r.serviceId }))} />}</Table.Td>
                  </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <Grant opened={granting} onClose={() => setGranting(false)} services={(services.data?.items ?? []).filter((s) => canWrite(memberOf(s.id)))} onDone={reload} />
    </>
  );
}

function Grant({ opened, onClose, services, onDone }: { opened: boolean; onClose: () => void; services: Service[]; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const subs = useLoad(() => get<List<Subsystem>>('/subsystems'), [opened]);
  const [service, setService] = useState<string | null>(null);
  const [client, setClient] = useState<string | null>(null);
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const svc = services.find((s) => s.id === service);
  return (
    <Modal opened={opened} onClose={onClose} title={t('access.grant')} size="lg">
      <Stack>
        <Select label={t('access.service')} data={services.map((s) => s.id)} value={service} onChange={(v) => { setService(v); setEndpoint(null); }} searchable required data-testid="grant-service" />
        <Select label={t('access.endpoint')} data={[{ value: '', label: t('access.wholeService') }, ...(svc?.endpoints ?? []).map((e) => ({ value: String(e.id), label: `${e.method} ${e.path}` }))]} value={endpoint ?? ''} onChange={(v) => setEndpoint(v || null)} />
        <Select label={t('access.client')} data={(subs.data?.items ?? []).map((s) => ({ value: s.id, label: s.id + (s.name ? ` — ${s.name}` : '') }))} value={client} onChange={setClient} searchable required data-testid="grant-client" />
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>{t('common.cancel')}</Button>
          <Button loading={busy} disabled={!service || !client} data-testid="grant-submit" onClick={() => void run(async () => {
            const e = svc?.endpoints.find((x) => String(x.id) === endpoint);
            await post('/access-rights', { service, client, ...(e ? { endpoint: { method: e.method, path: e.path } } : {}) });
            await onDone(); onClose();
          }, t('notice.granted', { client: client ?? '', service: service ?? '' }))}>{t('access.grant')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
