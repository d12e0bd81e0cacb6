// Log-in steps as the server drives them: password → code (or enrolment) → new password.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Anchor, Button, Center, Group, Paper, PasswordInput, PinInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { api, type AuthState } from '../api';
import { ErrorAlert, useAction } from '../components/ui';
import { RecoveryCodes, TwoStepSetup, type Enrolment } from '../components/TwoStep';

export function LoginPage({ state, onDone, langSwitch }: { state: AuthState | null; onDone: () => Promise<void>; langSwitch: ReactNode }) {
  const { t } = useTranslation();
  const [stage, setStage] = useState<string>(state?.stage ?? 'password');
  useEffect(() => { setStage(state?.stage ?? 'password'); }, [state]);
  const { busy, error, run } = useAction();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [enrol, setEnrol] = useState<Enrolment | null>(null);
  // After the set-up: its recovery codes, shown before the next step; and a recovery code typed instead of a code.
  const [fresh, setFresh] = useState<{ codes: string[]; next: AuthState } | null>(null);
  const [useRecovery, setUseRecovery] = useState(false);
  const [recovery, setRecovery] = useState('');
  const [pw1, setPw1] = useState('');
  const [pw2, setPw2] = useState('');
  const [mismatch, setMismatch] = useState(false);

  const advance = async (r: AuthState | undefined) => {
    if (!r) return;
    setCode('');
    if (r.stage === 'full') await onDone();
    else setStage(r.stage);
  };

  useEffect(() => {
    if (stage === 'totp_enrol' && !enrol) void run(async () => setEnrol(await api('POST', '/auth/totp/enrol', {}, { quiet401: true })));
  }, [stage, enrol, run]);

  const submit = (fn: () => Promise<AuthState>) => (e: FormEvent) => { e.preventDefault(); void run(fn).then(advance); };

  const confirm = async (): Promise<AuthState> => {
    const r = await api<AuthState & { recoveryCodes: string[] }>('POST', '/auth/totp/confirm', { code }, { quiet401: true });
    setFresh({ codes: r.recoveryCodes, next: r });
    return r;
  };

  let body: ReactNode;
  if (fresh) {
    body = (
      <Stack>
        <Title order={3}>{t('twostep.recoveryTitle')}</Title>
        <RecoveryCodes codes={fresh.codes} username={fresh.next.user?.username ?? ''} onDone={() => { const next = fresh.next; setFresh(null); void advance(next); }} />
      </Stack>
    );
  } else if (stage === 'totp' && useRecovery) {
    body = (
      <form onSubmit={submit(() => api('POST', '/auth/totp/verify', { recoveryCode: recovery }, { quiet401: true }))}>
        <Stack>
          <Title order={3}>{t('login.totpTitle')}</Title>
          <Text size="sm" c="dimmed">{t('twostep.recoveryLoginHint')}</Text>
          <TextInput label={t('twostep.recoveryCode')} value={recovery} onChange={(e) => setRecovery(e.currentTarget.value)} required autoComplete="one-time-code" data-testid="recovery-code" autoFocus />
          <ErrorAlert error={error} />
          <Button type="submit" loading={busy} data-testid="recovery-submit">{t('login.verify')}</Button>
          <Anchor component="button" type="button" size="sm" onClick={() => setUseRecovery(false)} data-testid="use-totp">{t('twostep.useCode')}</Anchor>
        </Stack>
      </form>
    );
  } else if (stage === 'totp' || stage === 'totp_enrol') {
    body = (
      <form onSubmit={(e) => { e.preventDefault(); void run(stage === 'totp' ? () => api<AuthState>('POST', '/auth/totp/verify', { code }, { quiet401: true }) : confirm).then((r) => { if (stage === 'totp') void advance(r); }); }}>
        <Stack>
          <Title order={3}>{stage === 'totp' ? t('login.totpTitle') : t('login.enrolTitle')}</Title>
          {stage === 'totp' && <Text size="sm" c="dimmed">{t('login.totpHint')}</Text>}
          {stage === 'totp_enrol' && enrol && <TwoStepSetup enrolment={enrol} hint={t('login.enrolHint')} />}
          <Stack gap={4}>
            <Text size="sm" fw={500}>{t('login.code')}</Text>
            <PinInput length={6} type="number" oneTimeCode value={code} onChange={setCode} data-testid="totp-code" autoFocus aria-label={t('login.code')} />
          </Stack>
          <ErrorAlert error={error} />
          <Button type="submit" loading={busy} disabled={code.length !== 6} data-testid="totp-submit">{t('login.verify')}</Button>
          {stage === 'totp' && <Anchor component="button" type="button" size="sm" onClick={() => setUseRecovery(true)} data-testid="use-recovery">{t('twostep.useRecovery')}</Anchor>}
          <Anchor size="sm" onClick={() => { document.cookie = 'vamco_session=; Max-Age=0; path=/'; setStage('password'); }}>{t('login.back')}</Anchor>
        </Stack>
      </form>
    );
  } else if (stage === 'password_change') {
    body = (
      <form onSubmit={(e) => { e.preventDefault(); if (pw1 !== pw2) { setMismatch(true); return; } setMismatch(false); void run(() => api<AuthState>('POST', '/auth/password', { newPassword: pw1 }, { quiet401: true })).then(advance); }}>
        <Stack>
          <Title order={3}>{t('login.changeTitle')}</Title>
          <Text size="sm" c="dimmed">{t('login.changeHint')}</Text>
          <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.togglePassword'), tabIndex: 0 }} label={t('login.newPassword')} value={pw1} onChange={(e) => setPw1(e.currentTarget.value)} required data-testid="new-password" autoComplete="new-password" />
          <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.togglePassword'), tabIndex: 0 }} label={t('login.repeat')} value={pw2} onChange={(e) => setPw2(e.currentTarget.value)} required data-testid="repeat-password" autoComplete="new-password"
            error={mismatch ? t('login.mismatch') : undefined} />
          <ErrorAlert error={error} />
          <Button type="submit" loading={busy} data-testid="password-submit">{t('common.save')}</Button>
        </Stack>
      </form>
    );
  } else {
    body = (
      <form onSubmit={submit(() => api('POST', '/auth/login', { username, password }, { quiet401: true }))}>
        <Stack>
          <Title order={3}>{t('login.title')}</Title>
          <TextInput label={t('login.username')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} required autoComplete="username" data-testid="username" autoFocus />
          <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.togglePassword'), tabIndex: 0 }} label={t('login.password')} value={password} onChange={(e) => setPassword(e.currentTarget.value)} required autoComplete="current-password" data-testid="password" />
          <ErrorAlert error={error} />
          <Button type="submit" loading={busy} data-testid="login-submit">{t('login.submit')}</Button>
          <Text size="xs" c="dimmed">{t('login.hint')}</Text>
        </Stack>
      </form>
    );
  }

  return (
    <Center mih="100vh" bg="gray.0" p="md">
      <Stack w={440} gap="md">
        <Group justify="space-between">
          <Stack gap={0}>
            <Title order={1} c="red.8">Vamco</Title>
            <Text size="sm" c="dimmed">{t('app.tagline')}</Text>
          </Stack>
          {langSwitch}
        </Group>
        <Paper withBorder shadow="sm" p="xl" radius="md">{body}</Paper>
      </Stack>
    </Center>
  );
}
