// My account: password, two-step verification, personal API tokens.
import { useState } from 'react';
import { Alert, Badge, Button, Card, Grid, Group, PasswordInput, PinInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { del, get, post, type List, type Token } from '../api';
import { ConfirmButton, CopyField, ErrorAlert, useAction, useLoad } from '../components/ui';
import { dateTime } from '../format';
import { useSession } from '../session';

export function AccountPage() {
  const { t } = useTranslation();
  const { auth, reload } = useSession();
  const user = auth.user!;
  const pw = useAction();
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [changed, setChanged] = useState(false);
  const totp = useAction();
  const [enrol, setEnrol] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const tokens = useLoad(() => get<List<Token>>('/tokens'));
  const tok = useAction();
  const [label, setLabel] = useState('');
  const [newToken, setNewToken] = useState<string | null>(null);
  return (
    <>
      <Title order={2} mb="md">{t('account.title')}</Title>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card withBorder radius="md" h="100%">
            <Title order={4} mb="sm">{t('account.password')}</Title>
            <Stack>
              <Text size="sm">{user.displayName} · <Badge variant="light">{t(`role.${user.role}`)}</Badge> {user.memberId && <Badge variant="outline" color="gray">{user.memberId}</Badge>}</Text>
              <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.togglePassword'), tabIndex: 0 }} label={t('account.current')} value={cur} onChange={(e) => setCur(e.currentTarget.value)} autoComplete="current-password" />
              <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.togglePassword'), tabIndex: 0 }} label={t('login.newPassword')} value={next} onChange={(e) => setNext(e.currentTarget.value)} autoComplete="new-password" />
              <ErrorAlert error={pw.error} />
              {changed && <Alert color="green" variant="light">{t('account.passwordChanged')}</Alert>}
              <Group justify="flex-end"><Button loading={pw.busy} onClick={() => void pw.run(async () => { await post('/auth/password', { currentPassword: cur, newPassword: next }); setCur(''); setNext(''); setChanged(true); }, t('account.passwordChanged'))}>{t('common.save')}</Button></Group>
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Card withBorder radius="md" h="100%">
            <Title order={4} mb="sm">{t('login.totpTitle')}</Title>
            <Stack>
              <Text size="sm">{user.totpEnabled ? t('account.totpOn') : t('account.totpOff')}</Text>
              {enrol && <><Text size="sm">{t('login.enrolHint')}</Text><CopyField value={enrol.secret.replace(/(.{4})/g, '$1 ').trim()} /></>}
              {(enrol || (user.totpEnabled && user.role !== 'platform_admin')) && <PinInput length={6} type="number" value={code} onChange={setCode} />}
              <ErrorAlert error={totp.error} />
              <Group justify="flex-end">
                {!user.totpEnabled && !enrol && <Button loading={totp.busy} onClick={() => void totp.run(async () => setEnrol(await post('/auth/totp/enrol')))}>{t('account.enableTotp')}</Button>}
                {enrol && <Button loading={totp.busy} disabled={code.length !== 6} onClick={() => void totp.run(async () => { await post('/auth/totp/confirm', { code }); setEnrol(null); setCode(''); await reload(); }, t('notice.totpOn'))}>{t('login.verify')}</Button>}
                {user.totpEnabled && user.role !== 'platform_admin' && <Button color="red" variant="light" loading={totp.busy} disabled={code.length !== 6} onClick={() => void totp.run(async () => { await post('/auth/totp/disable', { code }); setCode(''); await reload(); }, t('notice.totpOff'))}>{t('account.disableTotp')}</Button>}
              </Group>
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={12}>
          <Card withBorder radius="md">
            <Title order={4}>{t('account.tokens')}</Title>
            <Text size="sm" c="dimmed" mb="sm">{t('account.tokensHint')}</Text>
            {newToken && <Stack mb="sm"><Alert color="yellow" variant="light">{t('common.showOnce')}</Alert><CopyField value={newToken} testId="new-token" /></Stack>}
            <Group align="flex-end" mb="sm">
              <TextInput label={t('keys.label')} value={label} onChange={(e) => setLabel(e.currentTarget.value)} style={{ flex: 1 }} />
              <Button loading={tok.busy} onClick={() => void tok.run(async () => { const r = await post<{ token: string }>('/tokens', { label: label.trim() || undefined }); setNewToken(r.token); setLabel(''); await tokens.reload(); }, t('notice.tokenCreated'))}>{t('account.newToken')}</Button>
            </Group>
            <ErrorAlert error={tok.error ?? tokens.error} />
            {tokens.data && tokens.data.items.length === 0 ? <Text size="sm" c="dimmed">{t('account.noTokens')}</Text> : (
              <Table fz="sm">
                <Table.Thead><Table.Tr><Table.Th>{t('keys.prefix')}</Table.Th><Table.Th>{t('keys.label')}</Table.Th><Table.Th>{t('common.created')}</Table.Th><Table.Th>{t('account.expires')}</Table.Th><Table.Th>{t('account.lastUsed')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
                <Table.Tbody>{tokens.data?.items.map((k) => (
                  <Table.Tr key={k.id}><Table.Td ff="monospace">{k.prefix}…</Table.Td><Table.Td>{k.label ?? '—'}</Table.Td><Table.Td>{dateTime(k.createdAt)}</Table.Td><Table.Td>{dateTime(k.expiresAt)}</Table.Td><Table.Td>{dateTime(k.lastUsedAt)}</Table.Td>
                    <Table.Td ta="right">{k.revokedAt ? <Badge color="gray">{t('keys.revoked')}</Badge> : <ConfirmButton label={t('keys.revoke')} question={t('tokens.confirmRevoke', { prefix: k.prefix })} details={t('tokens.revokeDetails')} onConfirm={() => void tok.run(async () => { await del(`/tokens/${k.id}`); await tokens.reload(); }, t('notice.revokedKey', { prefix: k.prefix }))} />}</Table.Td></Table.Tr>
                ))}</Table.Tbody>
              </Table>
            )}
          </Card>
        </Grid.Col>
      </Grid>
    </>
  );
}
