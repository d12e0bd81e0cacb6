// My account: password, two-step verification, personal API tokens.
import { useState, type ReactNode } from 'react';
import { Alert, Badge, Button, Card, Grid, Group, Modal, PasswordInput, PinInput, Radio, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { del, get, post, type List, type Token } from '../api';
import { ConfirmButton, CopyField, ErrorAlert, useAction, useLoad } from '../components/ui';
import { dateTime } from '../format';
import { useSession } from '../session';
import { RecoveryCodes, TwoStepSetup, type Enrolment } from '../components/TwoStep';

export function AccountPage() {
  const { t } = useTranslation();
  const { auth, reload } = useSession();
  const user = auth.user!;
  const pw = useAction();
  const [cur, setCur] = useState('');
  const [next, setNext] = useState('');
  const [changed, setChanged] = useState(false);
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
            <Title order={4} mb="sm" id="password" tabIndex={-1}>{t('account.password')}</Title>
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
          <TwoStepCard />
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

type Dialog = null | 'regenerate' | 'redo';

/**
 * Two-step verification of one's own account: set up (those not required to have it), recovery
 * codes left and new ones, redoing the set-up for a new phone, turning it off (auditors only).
 * Each change asks for proof first, in a dialog that says what it does.
 */
function TwoStepCard() {
  const { t } = useTranslation();
  const { auth, reload } = useSession();
  const user = auth.user!;
  const required = user.role !== 'auditor';
  const act = useAction();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [proof, setProof] = useState<'code' | 'password'>('code');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [enrol, setEnrol] = useState<Enrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const close = () => { setDialog(null); setCode(''); setPassword(''); setEnrol(null); setCodes(null); act.setError(undefined); };
  const confirmSetUp = () => void act.run(async () => {
    const r = await post<{ recoveryCodes: string[] }>('/auth/totp/confirm', { code });
    setEnrol(null); setCode(''); setCodes(r.recoveryCodes);
  }, t('notice.totpOn'));
  const codeInput = (testId: string) => <PinInput length={6} type="number" value={code} onChange={setCode} data-testid={testId} aria-label={t('login.code')} />;
  const left = user.recoveryCodesLeft ?? 0;

  let dialogBody: ReactNode = null;
  if (codes) dialogBody = <RecoveryCodes codes={codes} username={user.username} onDone={() => { close(); void reload(); }} />;
  else if (enrol) {
    dialogBody = (
      <Stack>
        <TwoStepSetup enrolment={enrol} hint={t('twostep.redoScan')} />
        <Text size="sm" fw={500}>{t('login.code')}</Text>
        {codeInput('redo-code')}
        <ErrorAlert error={act.error} />
        <Group justify="flex-end"><Button loading={act.busy} disabled={code.length !== 6} onClick={confirmSetUp} data-testid="redo-confirm-code">{t('login.verify')}</Button></Group>
      </Stack>
    );
  } else if (dialog === 'regenerate') {
    dialogBody = (
      <Stack data-testid="regenerate-dialog">
        <Text>{t('twostep.regenerateQuestion')}</Text>
        <Alert color="orange" variant="light">{t('twostep.regenerateDetails')}</Alert>
        <Text size="sm" fw={500}>{t('login.code')}</Text>
        {codeInput('regenerate-code')}
        <ErrorAlert error={act.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
          <Button color="orange" loading={act.busy} disabled={code.length !== 6} data-testid="regenerate-confirm"
            onClick={() => void act.run(async () => { const r = await post<{ recoveryCodes: string[] }>('/auth/recovery-codes', { code }); setCode(''); setCodes(r.recoveryCodes); }, t('notice.recoveryRegenerated'))}>{t('twostep.regenerate')}</Button>
        </Group>
      </Stack>
    );
  } else if (dialog === 'redo') {
    dialogBody = (
      <Stack data-testid="redo-dialog">
        <Text>{t('twostep.redoQuestion')}</Text>
        <Alert color="orange" variant="light">{t('twostep.redoDetails')}</Alert>
        <Radio.Group value={proof} onChange={(v) => setProof(v as 'code' | 'password')} data-testid="redo-proof">
          <Group><Radio value="code" label={t('twostep.proofCode')} /><Radio value="password" label={t('twostep.proofPassword')} /></Group>
        </Radio.Group>
        {proof === 'code' ? codeInput('redo-current-code') : (
          <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.togglePassword'), tabIndex: 0 }} label={t('account.current')} value={password}
            onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" data-testid="redo-password" />
        )}
        <ErrorAlert error={act.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
          <Button color="orange" loading={act.busy} data-testid="redo-confirm"
            onClick={() => void act.run(async () => { setEnrol(await post<Enrolment>('/auth/totp/redo', proof === 'code' ? { code } : { password })); setCode(''); setPassword(''); })}>{t('twostep.redo')}</Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Card withBorder radius="md" h="100%">
      <Title order={4} mb="sm" id="two-step" tabIndex={-1}>{t('login.totpTitle')}</Title>
      <Stack>
        <Text size="sm" data-testid="totp-state">{user.totpEnabled ? t('account.totpOn') : t('account.totpOff')}</Text>
        {user.totpEnabled && (
          <Text size="sm" c={left <= 2 ? 'red' : undefined} data-testid="recovery-left">{t('twostep.left', { count: left })}</Text>
        )}
        {!user.totpEnabled && !dialog && enrol && (
          <Stack>
            <TwoStepSetup enrolment={enrol} hint={t('twostep.enableScan')} />
            {codeInput('enable-code')}
          </Stack>
        )}
        {user.totpEnabled && !required && !dialog && codeInput('disable-code')}
        {!dialog && <ErrorAlert error={act.error} />}
        <Group justify="flex-end" gap="xs">
          {!user.totpEnabled && !enrol && <Button loading={act.busy} onClick={() => void act.run(async () => setEnrol(await post('/auth/totp/enrol')))} data-testid="enable-totp">{t('account.enableTotp')}</Button>}
          {!user.totpEnabled && enrol && !dialog && <Button loading={act.busy} disabled={code.length !== 6} onClick={() => { setDialog(null); confirmSetUp(); }} data-testid="enable-confirm">{t('login.verify')}</Button>}
          {user.totpEnabled && <Button variant="light" onClick={() => { close(); setDialog('regenerate'); }} data-testid="regenerate-recovery">{t('twostep.regenerate')}</Button>}
          {user.totpEnabled && <Button variant="light" color="orange" onClick={() => { close(); setDialog('redo'); }} data-testid="redo-totp">{t('twostep.redo')}</Button>}
          {user.totpEnabled && !required && <Button color="red" variant="light" loading={act.busy} disabled={code.length !== 6} onClick={() => void act.run(async () => { await post('/auth/totp/disable', { code }); setCode(''); await reload(); }, t('notice.totpOff'))}>{t('account.disableTotp')}</Button>}
        </Group>
      </Stack>
      <Modal opened={dialog !== null || (!!codes && !dialog)} onClose={codes ? () => undefined : close} withCloseButton={!codes} closeOnClickOutside={!codes}
        title={codes ? t('twostep.recoveryTitle') : dialog === 'redo' ? t('twostep.redo') : t('twostep.regenerate')} size="lg">
        {dialogBody}
      </Modal>
    </Card>
  );
}
