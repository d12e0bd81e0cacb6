// Users (platform admins only): create, role and agency, disable, reset password or two-step.
import { useRef, useState } from 'react';
import { Alert, Badge, Button, Card, Group, Menu, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconDots, IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { get, patch, post, type List, type Member, type Role, type User } from '../api';
import { ConfirmDialog, CopyField, ErrorAlert, Loading, PageHeader, useAction, useLoad } from '../components/ui';
import { dateTime, nfc } from '../format';

const ROLES: Role[] = ['platform_admin', 'agency_admin', 'auditor'];

export function UsersPage() {
  const { t } = useTranslation();
  const { data, error, loading, reload } = useLoad(() => get<List<User>>('/users'));
  const members = useLoad(() => get<List<Member>>('/members'));
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [otp, setOtp] = useState<{ user: string; password: string } | null>(null);
  // The account whose two-step verification is about to be removed (asked first: it cannot be undone).
  const [removing, setRemoving] = useState<User | null>(null);
  // Each row's actions button: focus returns there when the dialog closes (the menu item that opened it is gone).
  const actionButtons = useRef(new Map<string, HTMLButtonElement>());
  const removed = useRef<string | null>(null);
  const act = useAction();
  const action = (fn: () => Promise<unknown>, success: string) => void act.run(async () => { await fn(); await reload(); }, success);
  return (
    <>
      <PageHeader title={t('users.title')}><Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} data-testid="add-user">{t('users.add')}</Button></PageHeader>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && (
        <Card withBorder radius="md" p={0}>
          <Table.ScrollContainer minWidth={800}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead><Table.Tr><Table.Th>{t('users.username')}</Table.Th><Table.Th>{t('users.displayName')}</Table.Th><Table.Th>{t('users.role')}</Table.Th><Table.Th>{t('users.member')}</Table.Th><Table.Th>{t('users.status')}</Table.Th><Table.Th>{t('users.totp')}</Table.Th><Table.Th>{t('users.lastLogin')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>
                {data.items.map((u) => (
                  <Table.Tr key={u.id} data-testid={`user-${u.username}`}>
                    <Table.Td ff="monospace" translate="no">{u.username}</Table.Td>
                    <Table.Td>{u.displayName}</Table.Td>
                    <Table.Td><Badge variant="light">{t(`role.${u.role}`)}</Badge></Table.Td>
                    <Table.Td ff="monospace">{u.memberId ?? '—'}</Table.Td>
                    <Table.Td>{u.disabled ? <Badge color="gray">{t('users.disabled')}</Badge> : u.lockedUntil ? <Badge color="orange">{t('users.locked')}</Badge> : <Badge color="green">{t('users.enabled')}</Badge>}</Table.Td>
                    <Table.Td>{u.totpEnabled ? '✓' : '—'}</Table.Td>
                    <Table.Td>{dateTime(u.lastLoginAt)}</Table.Td>
                    <Table.Td ta="right">
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target><Button size="xs" variant="subtle" aria-label={t('common.actions')} ref={(el) => { if (el) actionButtons.current.set(u.username, el); }}><IconDots size={16} /></Button></Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => setEditing(u)}>{t('common.edit')}</Menu.Item>
                          <Menu.Item onClick={() => action(() => patch(`/users/${u.username}`, { disabled: !u.disabled }), t(u.disabled ? 'notice.userEnabled' : 'notice.userDisabled', { user: u.username }))}>{u.disabled ? t('users.enable') : t('users.disable')}</Menu.Item>
                          <Menu.Item onClick={() => void act.run(async () => { const r = await post<{ oneTimePassword: string }>(`/users/${u.username}/reset-password`); setOtp({ user: u.username, password: r.oneTimePassword }); await reload(); })}>{t('users.resetPassword')}</Menu.Item>
                          {u.totpEnabled && <Menu.Item onClick={() => { removed.current = u.username; setRemoving(u); }} data-testid={`reset-totp-${u.username}`}>{t('users.resetTotp')}</Menu.Item>}
                          {u.lockedUntil && <Menu.Item onClick={() => action(() => post(`/users/${u.username}/unlock`), t('notice.unlocked', { user: u.username }))}>{t('users.unlock')}</Menu.Item>}
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <ConfirmDialog opened={!!removing} onClose={() => setRemoving(null)} title={t('users.resetTotp')} testId="reset-totp"
        returnFocusTo={() => (removed.current ? actionButtons.current.get(removed.current) : null)}
        question={t('users.confirmResetTotp', { user: removing?.username ?? '' })}
        details={t(removing && (removing.role === 'platform_admin' || removing.role === 'agency_admin') ? 'users.resetTotpDetailsAdmin' : 'users.resetTotpDetails')}
        onConfirm={() => { const u = removing!; action(() => post(`/users/${u.username}/reset-totp`), t('notice.totpReset', { user: u.username })); }} />
      <EditUser user={editing} members={members.data?.items ?? []} onClose={() => setEditing(null)} onCreated={(user, password) => setOtp({ user, password })} onDone={reload} />
      <Modal opened={!!otp} onClose={() => setOtp(null)} title={otp ? t('users.oneTime', { user: otp.user }) : ''}>
        {otp && <Stack><Alert color="yellow" variant="light">{t('users.oneTimeHint')}</Alert><CopyField value={otp.password} testId="one-time-password" /><Group justify="flex-end"><Button onClick={() => setOtp(null)}>{t('common.done')}</Button></Group></Stack>}
      </Modal>
    </>
  );
}

function EditUser({ user, members, onClose, onCreated, onDone }: { user: User | 'new' | null; members: Member[]; onClose: () => void; onCreated: (u: string, p: string) => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const isNew = user === 'new';
  const u = user && user !== 'new' ? user : null;
  const [username, setUsername] = useState('');
  const [name, setName] = useState<string | null>(null);
  const [role, setRole] = useState<Role | null>(null);
  const [member, setMember] = useState<string | null | undefined>(undefined);
  const { busy, error, run } = useAction();
  const r = role ?? u?.role ?? 'agency_admin';
  const m = member === undefined ? u?.memberId ?? null : member;
  const close = () => { setUsername(''); setName(null); setRole(null); setMember(undefined); onClose(); };
  return (
    <Modal opened={!!user} onClose={close} title={isNew ? t('users.add') : `${t('common.edit')}: ${u?.username}`}>
      <Stack>
        {isNew && <TextInput label={t('users.username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} required data-testid="user-username" />}
        <TextInput label={t('users.displayName')} value={name ?? u?.displayName ?? ''} onChange={(e) => setName(e.currentTarget.value)} data-testid="user-name" />
        <Select label={t('users.role')} data={ROLES.map((x) => ({ value: x, label: t(`role.${x}`) }))} value={r} onChange={(v) => setRole(v as Role)} allowDeselect={false} data-testid="user-role" />
        {r === 'agency_admin' && <Select label={t('users.member')} data={members.map((x) => ({ value: x.id, label: `${x.id} — ${x.name}` }))} value={m} onChange={setMember} searchable required data-testid="user-member" />}
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
          <Button loading={busy} data-testid="user-submit" onClick={() => void run(async () => {
            const body = { displayName: nfc(name ?? u?.displayName ?? ''), role: r, memberId: r === 'agency_admin' ? m : null };
            if (isNew) {
              const res = await post<{ user: User; oneTimePassword: string }>('/users', { username: username.trim(), ...body, displayName: body.displayName || undefined });
              onCreated(res.user.username, res.oneTimePassword);
            } else await patch(`/users/${u!.username}`, body);
            await onDone(); close();
          }, t(isNew ? 'notice.created' : 'notice.saved', { what: isNew ? username.trim() : u?.username ?? '' }))}>{isNew ? t('common.create') : t('common.save')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
