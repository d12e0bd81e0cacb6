// Members (agencies) and their information systems (subsystems).
import { useState } from 'react';
import { Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { api, del, get, idPath, patch, post, type List, type Member, type Subsystem } from '../api';
import { ConfirmButton, EmptyState, ErrorAlert, Loading, PageHeader, useAction, useLoad } from '../components/ui';
import { BackendAuthCard } from '../components/BackendAuthCard';
import { Named } from '../components/Named';
import { dateTime, matches, nfc } from '../format';
import { useRole, useSession } from '../session';

/** Quyết định 20/2020/QĐ-TTg: V1V2V3.Z1Z2.Y1Y2.MX1X2 (the server's AGENCY_CODE). */
const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

export function MembersPage() {
  const { t } = useTranslation();
  const { isAdmin, canWrite, member: myMember } = useRole();
  const { data, error, loading, reload } = useLoad(async () => {
    const [m, s] = await Promise.all([get<List<Member>>('/members'), get<List<Subsystem>>('/subsystems')]);
    return { members: m.items, subsystems: s.items };
  });
  const [addMember, setAddMember] = useState(false);
  const [addSub, setAddSub] = useState<string | null>(null);
  const [authOf, setAuthOf] = useState<string | null>(null);
  const authSub = data?.subsystems.find((s) => s.id === authOf);
  const [renaming, setRenaming] = useState<{ kind: 'member' | 'subsystem'; id: string; name: string } | null>(null);
  const act = useAction();
  const [query, setQuery] = useState('');
  // A member shows when it or one of its systems matches; of a matching member, every system.
  const shown = (data?.members ?? []).flatMap((m) => {
    const all = data!.subsystems.filter((s) => s.memberId === m.id);
    const subs = matches(query, m.name, m.id) ? all : all.filter((s) => matches(query, s.id, s.name));
    return matches(query, m.name, m.id) || subs.length ? [{ m, subs, all }] : [];
  });

  return (
    <>
      <PageHeader title={t('members.title')}>
        <TextInput aria-label={t('members.search')} placeholder={t('members.search')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={280} data-testid="members-search" />
        {isAdmin && <Button leftSection={<IconPlus size={16} />} onClick={() => setAddMember(true)} data-testid="add-member">{t('members.add')}</Button>}
        {!isAdmin && myMember && <Button leftSection={<IconPlus size={16} />} onClick={() => setAddSub(myMember)} data-testid="add-subsystem">{t('members.addSubsystem')}</Button>}
      </PageHeader>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.members.length === 0 && <EmptyState action={isAdmin && <Button onClick={() => setAddMember(true)}>{t('members.add')}</Button>}>{t('members.empty')}</EmptyState>}
      <Stack>
        {data && data.members.length > 0 && shown.length === 0 && <EmptyState>{t('common.noMatch', { q: query.trim() })}</EmptyState>}
        {shown.map(({ m, subs, all }) => {
          return (
            <Card withBorder radius="md" key={m.id} data-testid={`member-${m.id}`}>
              <Group justify="space-between" mb="xs">
                <Group gap="sm">
                  <Badge variant="light" size="lg">{m.memberClass}</Badge>
                  <Stack gap={0}>
                    <Text fw={700}>{m.name}</Text>
                    <Text size="sm" c="dimmed" ff="monospace">{m.id}</Text>
                  </Stack>
                </Group>
                <Group gap="xs">
                  {canWrite(m.id) && <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setAddSub(m.id)}>{t('members.addSubsystem')}</Button>}
                  {isAdmin && <Button size="xs" variant="default" onClick={() => setRenaming({ kind: 'member', id: m.id, name: m.name })} data-testid={`rename-${m.id}`}>{t('common.rename')}</Button>}
                  {isAdmin && <ConfirmButton label={t('common.delete')} testId={`delete-${m.id}`} question={t('members.confirmDelete', { name: m.name, id: m.id })} details={t('members.deleteDetails', { count: all.length })}
                    onConfirm={() => void act.run(async () => { await del(`/members/${idPath(m.id)}`); await reload(); }, t('notice.deleted', { what: m.name }))} />}
                </Group>
              </Group>
              {subs.length === 0 ? <Text size="sm" c="dimmed">{t('members.noSubsystems')}</Text> : (
                <Table>
                  <Table.Thead><Table.Tr><Table.Th>{t('members.subsystemCode')}</Table.Th><Table.Th>{t('common.name')}</Table.Th><Table.Th>{t('common.created')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
                  <Table.Tbody>
                    {subs.map((s) => (
                      <Table.Tr key={s.id}>
                        <Table.Td><Named id={s.id} name={s.subsystemCode} /></Table.Td>
                        <Table.Td>{s.name ?? '—'}</Table.Td>
                        <Table.Td>{dateTime(s.createdAt)}</Table.Td>
                        <Table.Td ta="right">{canWrite(m.id) && <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="default" onClick={() => setRenaming({ kind: 'subsystem', id: s.id, name: s.name ?? '' })} data-testid={`rename-${s.id}`}>{t('common.rename')}</Button>
                          <Button size="xs" variant="default" onClick={() => setAuthOf(s.id)} data-testid={`backend-auth-${s.id}`}>{t('backendAuth.button')}</Button>
                          <ConfirmButton label={t('common.delete')} testId={`delete-${s.id}`} question={t('members.confirmDeleteSubsystem', { id: s.id })} details={t('members.deleteSubsystemDetails')}
                            onConfirm={() => void act.run(async () => { await del(`/subsystems/${idPath(s.id)}`); await reload(); }, t('notice.deleted', { what: s.id }))} />
                        </Group>}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
          );
        })}
      </Stack>
      <AddMember opened={addMember} onClose={() => setAddMember(false)} onDone={reload} />
      <AddSubsystem member={addSub} members={data?.members ?? []} onClose={() => setAddSub(null)} onDone={reload} />
      <Rename target={renaming} onClose={() => setRenaming(null)} onDone={reload} />
      <Modal opened={!!authOf} onClose={() => setAuthOf(null)} title={authOf ?? ''} size="lg">
        {authSub && <BackendAuthCard key={JSON.stringify(authSub.backendAuth ?? null)} what={authSub.id} value={authSub.backendAuth ?? null} owner="subsystem" writable
          onSave={async (backendAuth) => { await api('PUT', `/subsystems/${idPath(authSub.id)}/backend-auth`, backendAuth); await reload(); }} />}
      </Modal>
    </>
  );
}

function AddMember({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const classes = useSession().auth.platform?.memberClasses ?? ['GOV', 'COM', 'ORG', 'NGO', 'EDU'];
  const [cls, setCls] = useState(classes[0]);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [codeError, setCodeError] = useState(false);
  const { busy, error, run } = useAction();
  // Agencies (GOV) are registered by their electronic identifier, as the field's hint says.
  const codeOk = (c: string) => cls !== 'GOV' || AGENCY_CODE.test(c);
  return (
    <Modal opened={opened} onClose={onClose} title={t('members.add')}>
      <form onSubmit={(e) => {
        e.preventDefault();
        if (!codeOk(code.trim())) { setCodeError(true); return; }
        setCodeError(false);
        void run(async () => { await post('/members', { memberClass: cls, memberCode: code.trim(), name: nfc(name) }); await onDone(); setCode(''); setName(''); onClose(); }, t('notice.created', { what: nfc(name) }));
      }}>
        <Stack>
          <Select label={t('members.class')} data={classes} value={cls} onChange={(v) => setCls(v ?? classes[0])} allowDeselect={false} data-testid="member-class" />
          <TextInput label={t('members.code')} description={cls === 'GOV' ? t('members.codeHint') : undefined} value={code} onChange={(e) => { setCode(e.currentTarget.value); setCodeError(false); }} required data-testid="member-code"
            error={codeError ? t('members.codeInvalid') : undefined} />
          <TextInput label={t('common.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required data-testid="member-name" />
          <ErrorAlert error={error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>{t('common.cancel')}</Button><Button type="submit" loading={busy} data-testid="member-submit">{t('common.create')}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}

function AddSubsystem({ member, members, onClose, onDone }: { member: string | null; members: Member[]; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();
  return (
    <Modal opened={!!member} onClose={onClose} title={t('members.addSubsystem')}>
      <form onSubmit={(e) => { e.preventDefault(); void run(async () => { await post('/subsystems', { id: `${member}/${code.trim()}`, name: nfc(name) || undefined }); await onDone(); setCode(''); setName(''); onClose(); }, t('notice.created', { what: `${member}/${code.trim()}` })); }}>
        <Stack>
          <TextInput label={t('members.member')} value={`${member ?? ''} — ${members.find((m) => m.id === member)?.name ?? ''}`} readOnly />
          <TextInput label={t('members.subsystemCode')} placeholder="motcua" value={code} onChange={(e) => setCode(e.currentTarget.value)} required data-testid="subsystem-code" />
          <TextInput label={t('common.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="subsystem-name" />
          <ErrorAlert error={error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>{t('common.cancel')}</Button><Button type="submit" loading={busy} data-testid="subsystem-submit">{t('common.create')}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Renames a member or a subsystem (their identifiers never change: other systems call them by it). */
function Rename({ target, onClose, onDone }: { target: { kind: 'member' | 'subsystem'; id: string; name: string } | null; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [name, setName] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const close = () => { setName(null); onClose(); };
  const value = name ?? target?.name ?? '';
  return (
    <Modal opened={!!target} onClose={close} title={t('members.renameTitle', { id: target?.id ?? '' })}>
      <form onSubmit={(e) => {
        e.preventDefault();
        if (!target) return;
        const path = target.kind === 'member' ? `/members/${idPath(target.id)}` : `/subsystems/${idPath(target.id)}`;
        void run(async () => { await patch(path, { name: target.kind === 'member' ? nfc(value) : nfc(value) || null }); await onDone(); close(); }, t('notice.renamed', { id: target.id, name: nfc(value) || '—' }));
      }}>
        <Stack>
          <TextInput label={t('common.name')} description={t('members.renameHint')} value={value} onChange={(e) => setName(e.currentTarget.value)} required={target?.kind === 'member'} data-autofocus data-testid="rename-name" />
          <ErrorAlert error={error} />
          <Group justify="flex-end"><Button variant="default" onClick={close}>{t('common.cancel')}</Button><Button type="submit" loading={busy} data-testid="rename-submit">{t('common.save')}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}
