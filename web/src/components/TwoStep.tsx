// Two-step verification pieces shared by the login steps and My account (issue 14): the set-up
// (QR code, with the secret and otpauth link to copy for apps without a camera) and the
// recovery codes, shown once with copy and download.
import { useEffect, useState } from 'react';
import { Alert, Button, Group, Image, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { CopyField, downloadText } from './ui';

export interface Enrolment { secret: string; otpauthUri: string }

/** The otpauth:// link as a QR code (SVG), for authenticator apps to scan. */
function QrCode({ uri }: { uri: string }) {
  const { t } = useTranslation();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Error correction M: what authenticator apps expect; the margin is the quiet zone scanners need.
    // The encoder is loaded when a set-up is shown, not with the log-in screen every visit loads.
    void import('qrcode').then((QRCode) => QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 })).then((svg) => {
      if (live) setSrc('data:image/svg+xml;base64,' + btoa(svg));
    });
    return () => { live = false; };
  }, [uri]);
  if (!src) return null;
  return <Image src={src} w={200} h={200} alt={t('twostep.qrAlt')} data-testid="totp-qr" style={{ background: 'white' }} />;
}

export function TwoStepSetup({ enrolment, hint }: { enrolment: Enrolment; hint?: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      {hint && <Text size="sm" c="dimmed">{hint}</Text>}
      <Text size="sm">{t('twostep.scan')}</Text>
      <Group justify="center"><QrCode uri={enrolment.otpauthUri} /></Group>
      <Text size="sm" fw={600}>{t('login.secret')}</Text>
      <CopyField value={enrolment.secret.replace(/(.{4})/g, '$1 ').trim()} testId="totp-secret" />
      <Text size="sm" fw={600} mt="xs">{t('login.uri')}</Text>
      <CopyField value={enrolment.otpauthUri} testId="totp-uri" />
    </Stack>
  );
}

/** Fresh recovery codes: the only time they are shown. */
export function RecoveryCodes({ codes, username, onDone }: { codes: string[]; username: string; onDone: () => void }) {
  const { t } = useTranslation();
  const text = codes.join('\n');
  return (
    <Stack data-testid="recovery-codes">
      <Alert color="yellow" variant="light">{t('twostep.recoveryHint', { count: codes.length })}</Alert>
      <CopyField value={text} testId="recovery-list" />
      <Group justify="space-between">
        <Button variant="default" leftSection={<IconDownload size={16} />} data-testid="recovery-download"
          onClick={() => downloadText(`${t('twostep.recoveryFileTitle', { user: username })}\n\n${text}\n`, `vamco-recovery-codes-${username}.txt`)}>{t('twostep.download')}</Button>
        <Button onClick={onDone} data-testid="recovery-done">{t('twostep.saved')}</Button>
      </Group>
    </Stack>
  );
}
