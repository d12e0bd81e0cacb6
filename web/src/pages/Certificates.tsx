// TLS client certificates of information systems (issue 8): list, issue from a CSR (the key
// stays with the system), register an existing certificate, revoke; and the platform CA to trust.
import { useState } from 'react';
import { Badge, Button, Card, FileButton, Group, Modal, Select, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { IconCertificate, IconDownload, IconPlus, IconUpload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Named, useNames } from '../components/Named';
import { del, get, post, qs, type ClientCert, type List, type Subsystem } from '../api';
import { ConfirmButton, CopyField, EmptyState, ErrorAlert, Loading, PageHeader, downloadText, useAction, useLoad } from '../components/ui';
import { date } from '../format';
import { memberOf, useRole } from '../session';

type Mode = 'issue' | 'register';

/** Active, revoked, or past its end of validity (the gateway refuses the last two). */
const stateOf = (c: ClientCert): 'active' | 'revoked' | 'expired' => (c.revokedAt ? 'revoked' : Date.parse(c.notAfter) <= Date.now() ? 'expired' : 'active');
const STATE_COLOR = { active: 'green', revoked: 'gray', expired: 'orange' } as const;

export function CertificatesPage() {
  const { t } = useTranslation();
  const { role, isAdmin, member, canWrite } = useRole();
  const names = useNames();
  const [subsystem, setSubsystem] = useState<string | null>(null);
  const subs = useLoad(() => get<List<Subsystem>>('/subsystems' + qs({ member: isAdmin ? undefined : member })));
  const { data, error, loading, reload } = useLoad(() => get<List<ClientCert>>('/client-certificates' + qs({ subsystem: subsystem ?? undefined })), [subsystem]);
  const [mode, setMode] = useState<Mode | null>(null);
  const act = useAction();
  const writer = role !== 'auditor';
  return (
    <>
      <PageHeader title={t('certs.title')}>
        <Select label={t('certs.subsystem')} placeholder={t('common.all')} clearable searchable data={(subs.data?.items ?? []).map((s) => s.id)} value={subsystem} onChange={setSubsystem} w={280} />
        <Button component="a" href="/api/v1/ca-certificate" download variant="default" leftSection={<IconDownload size={16} />} data-testid="download-ca">{t('certs.downloadCa')}</Button>
        {writer && <Button variant="light" leftSection={<IconUpload size={16} />} onClick={() => setMode('register')} data-testid="register-cert">{t('certs.register')}</Button>}
        {writer && <Button leftSection={<IconPlus size={16} />} onClick={() => setMode('issue')} data-testid="issue-cert">{t('certs.issue')}</Button>}
      </PageHeader>
      <Text c="dimmed" size="sm" mb="md">{t('certs.intro')}</Text>
      <ErrorAlert error={error ?? act.error} />
      {loading && !data && <Loading />}
      {data && data.items.length === 0 && <EmptyState action={writer ? <Button onClick={() => setMode('issue')}>{t('certs.issue')}</Button> : undefined}>{t('certs.empty')}</EmptyState>}
      {data && data.items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table verticalSpacing="sm" highlightOnHover>
            <Table.Thead><Table.Tr>
              <Table.Th>{t('certs.subsystem')}</Table.Th><Table.Th>{t('certs.subject')}</Table.Th><Table.Th>{t('certs.fingerprint')}</Table.Th>
              <Table.Th>{t('certs.validFrom')}</Table.Th><Table.Th>{t('certs.validUntil')}</Table.Th><Table.Th>{t('certs.state')}</Table.Th><Table.Th />
            </Table.Tr></Table.Thead>
            <Table.Tbody>
              {data.items.map((c) => {
                const state = stateOf(c);
                return (
                  <Table.Tr key={c.id} data-testid={`cert-${c.id}`}>
                    <Table.Td><Named id={c.subsystemId} name={names.name(c.subsystemId)} />{c.label && <Text size="xs" c="dimmed">{c.label}</Text>}</Table.Td>
                    <Table.Td><Text size="sm" translate="no" style={{ wordBreak: 'break-word' }}>{c.subject}</Text></Table.Td>
                    <Table.Td><Text ff="monospace" size="xs" maw={170} style={{ wordBreak: 'break-all' }} translate="no" data-testid={`cert-${c.id}-fingerprint`}>{c.fingerprint}</Text></Table.Td>
                    <Table.Td data-testid={`cert-${c.id}-from`}>{date(c.notBefore)}</Table.Td>
                    <Table.Td data-testid={`cert-${c.id}-until`}>{date(c.notAfter)}</Table.Td>
                    <Table.Td><Badge color={STATE_COLOR[state]} style={{ minWidth: 'max-content' }} data-testid={`cert-${c.id}-state`}>{t(`certs.states.${state}`)}</Badge></Table.Td>
                    <Table.Td ta="right">{!c.revokedAt && canWrite(memberOf(c.subsystemId)) && (
                      <ConfirmButton label={t('certs.revoke')} testId={`revoke-cert-${c.id}`} question={t('certs.confirmRevoke', { subject: c.subject, subsystem: c.subsystemId })} details={t('certs.revokeDetails')}
                        onConfirm={() => void act.run(async () => { await del(`/client-certificates/${c.id}`); await reload(); }, t('certs.revoked', { subject: c.subject }))} />
                    )}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <AddCertificate mode={mode} subsystems={subs.data?.items ?? []} onClose={() => setMode(null)} onDone={reload} />
    </>
  );
}

/** A PEM text field that can also be filled from a file. */
export function PemInput({ label, hint, placeholder, value, onChange, testId }: { label: string; hint: string; placeholder: string; value: string; onChange: (v: string) => void; testId: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500} component="label" htmlFor={testId}>{label}</Text>
        <FileButton accept=".pem,.csr,.req,.crt,.cer" inputProps={{ 'data-testid': `${testId}-file` } as object} onChange={(f) => { if (f) void f.text().then(onChange); }}>
          {(props) => <Button {...props} size="xs" variant="light" leftSection={<IconUpload size={14} />}>{t('certs.fromFile')}</Button>}
        </FileButton>
      </Group>
      <Textarea id={testId} description={hint} placeholder={placeholder} value={value} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={4} maxRows={12}
        styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} data-testid={testId} />
    </Stack>
  );
}

function AddCertificate({ mode, subsystems, onClose, onDone }: { mode: Mode | null; subsystems: Subsystem[]; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [subsystem, setSubsystem] = useState<string | null>(null);
  const [pem, setPem] = useState('');
  const [label, setLabel] = useState('');
  const [issued, setIssued] = useState<{ pem: string; subsystem: string } | null>(null);
  const { busy, error, run, setError } = useAction();
  const close = () => { setIssued(null); setPem(''); setLabel(''); setError(undefined); onClose(); };
  const issue = mode === 'issue';
  const download = (text: string, name: string) => downloadText(text, name, 'application/x-pem-file');
  return (
    <Modal opened={mode !== null} onClose={close} title={issued ? t('certs.issued') : issue ? t('certs.issue') : t('certs.register')} size="lg">
      {issued ? (
        <Stack>
          <Text size="sm">{t('certs.issuedHint')}</Text>
          <CopyField value={issued.pem} testId="issued-pem" />
          <Group justify="space-between">
            <Button variant="light" leftSection={<IconCertificate size={16} />} onClick={() => download(issued.pem, `${issued.subsystem.split('/').pop()}.crt`)} data-testid="issued-download">{t('certs.downloadIssued')}</Button>
            <Button onClick={close} data-testid="cert-done">{t('common.done')}</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <Select label={t('certs.subsystem')} data={subsystems.map((s) => s.id)} value={subsystem} onChange={setSubsystem} searchable required data-testid="cert-subsystem" />
          <PemInput label={issue ? t('certs.csr') : t('certs.certificate')} hint={issue ? t('certs.csrHint') : t('certs.certificateHint')}
            placeholder={issue ? '-----BEGIN CERTIFICATE REQUEST-----' : '-----BEGIN CERTIFICATE-----'} value={pem} onChange={setPem} testId="cert-pem" />
          <TextInput label={t('certs.label')} value={label} onChange={(e) => setLabel(e.currentTarget.value)} data-testid="cert-label" />
          <ErrorAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>{t('common.cancel')}</Button>
            <Button loading={busy} disabled={!subsystem || !pem.trim()} data-testid="cert-submit" onClick={() => void run(async () => {
              const body = { subsystem, label: label.trim() || undefined, ...(issue ? { csr: pem.trim() } : { certificate: pem.trim() }) };
              const r = await post<ClientCert & { certificate?: string }>('/client-certificates', body);
              await onDone();
              if (issue && r.certificate) setIssued({ pem: r.certificate, subsystem: subsystem! });
              else close();
            }, issue ? t('certs.issuedNotice', { subsystem: subsystem ?? '' }) : t('certs.registeredNotice', { subsystem: subsystem ?? '' }))}>{issue ? t('certs.issueSubmit') : t('certs.registerSubmit')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
