// How the gateway authenticates itself to a provider's backend (issue 16): the credential set on a
// service or on its provider system, shown without its secrets, and a form to set it. A secret left
// empty keeps the one stored for the same scheme (the API's rule), so a scope or a budget can be
// changed without typing the secret again; secrets never come back from the server.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Badge, Button, Card, Group, PasswordInput, Select, Stack, Table, Text, TextInput, Textarea, Title, ActionIcon } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { errorText, useAction } from './ui';
import { ApiError, type BackendAuthView } from '../api';

type Scheme = 'inherit' | 'none' | 'static' | 'oauth2' | 'signed';

/** The national population database's scheme, offered as the starting template (spec.ts). */
const SIGNED_EXAMPLE = JSON.stringify({ algorithm: 'sha256', input: ['url', 'user', 'timestamp', 'secret'], encoding: 'hex', timestamp: 'unix-ms', headers: { Timestamp: '{timestamp}', Authorization: 'Basic {basic}' } }, null, 2);

export function BackendAuthCard({ what, value, owner, writable, onSave }: {
  /** The service or system, named in the success notice. */
  what: string;
  value: BackendAuthView | null;
  /** A service without one uses its provider system's; a system without one leaves it to each service. */
  owner: 'service' | 'subsystem';
  writable: boolean;
  onSave: (input: Record<string, unknown>) => Promise<void>;
}) {
  const { t } = useTranslation();
  const act = useAction();
  const current: Scheme = value?.scheme ?? 'inherit';
  const label = (s: Scheme) => t(s === 'inherit' && owner === 'subsystem' ? 'backendAuth.scheme.unset' : `backendAuth.scheme.${s}`);
  const [scheme, setScheme] = useState<Scheme>(current);
  const [budget, setBudget] = useState(value?.budget ?? '');
  const [headers, setHeaders] = useState<{ name: string; value: string }[]>(value?.scheme === 'static' ? value.headers.map((name) => ({ name, value: '' })) : [{ name: '', value: '' }]);
  const [tokenUrl, setTokenUrl] = useState(value?.scheme === 'oauth2' ? value.tokenUrl : '');
  const [clientId, setClientId] = useState(value?.scheme === 'oauth2' ? value.clientId : '');
  const [scope, setScope] = useState(value?.scheme === 'oauth2' ? value.scope ?? '' : '');
  const [clientAuth, setClientAuth] = useState<string>(value?.scheme === 'oauth2' ? value.clientAuth : 'basic');
  const [user, setUser] = useState(value?.scheme === 'signed' ? value.user : '');
  const [template, setTemplate] = useState(value?.scheme === 'signed' ? JSON.stringify(value.template, null, 2) : SIGNED_EXAMPLE);
  const [secret, setSecret] = useState('');
  // A stored secret of the chosen scheme may be kept by leaving the field empty.
  const kept = value?.scheme === scheme && (scheme === 'oauth2' || scheme === 'signed');
  const secretHint = kept ? t('backendAuth.secretKept') : t('backendAuth.secretRequired');

  const input = (): Record<string, unknown> => {
    const b = budget.trim() ? { budget: budget.trim() } : { budget: null };
    switch (scheme) {
      case 'inherit': return { scheme: 'inherit' };
      case 'none': return { scheme: 'none', ...b };
      case 'static': return { scheme: 'static', headers: headers.filter((h) => h.name.trim()).map((h) => ({ name: h.name.trim(), ...(h.value ? { value: h.value } : {}) })), ...b };
      case 'oauth2': return { scheme: 'oauth2', tokenUrl: tokenUrl.trim(), clientId: clientId.trim(), scope: scope.trim() || null, clientAuth, ...(secret ? { clientSecret: secret } : {}), ...b };
      case 'signed': {
        let parsed: unknown;
        try { parsed = JSON.parse(template); } catch { throw new Error(t('backendAuth.templateNotJson')); }
        return { scheme: 'signed', user: user.trim(), template: parsed, ...(secret ? { secret } : {}), ...b };
      }
    }
  };

  return (
    <Card withBorder radius="md" data-testid="backend-auth">
      <Title order={5} mb="xs">{t('backendAuth.title')}</Title>
      <Text size="sm" c="dimmed" mb="sm">{t('backendAuth.intro')}</Text>
      <Group gap="xs" mb="sm" data-testid="backend-auth-current">
        <Badge variant="light">{label(current)}</Badge>
        {value?.scheme === 'static' && <Text size="sm">{t('backendAuth.headers')}: {value.headers.join(', ')}</Text>}
        {value?.scheme === 'oauth2' && <Text size="sm">{value.clientId} @ {value.tokenUrl}{value.scope ? ` · ${t('backendAuth.scope')}: ${value.scope}` : ''}</Text>}
        {value?.scheme === 'signed' && <Text size="sm">{t('backendAuth.user')}: {value.user}</Text>}
        {value && 'secretSet' in value && <Badge color="gray" variant="outline">{t('backendAuth.secretSet')}</Badge>}
        {value?.budget && <Text size="sm">{t('backendAuth.budget')}: {value.budget}</Text>}
      </Group>
      {writable && (
        <Stack>
          <Select label={t('backendAuth.schemeLabel')} data-testid="backend-auth-scheme" allowDeselect={false} value={scheme} onChange={(v) => { setScheme((v ?? current) as Scheme); setSecret(''); }}
            data={(['inherit', 'none', 'static', 'oauth2', 'signed'] as const).map((s) => ({ value: s, label: label(s) }))} />
          {scheme === 'static' && (
            <Table>
              <Table.Thead><Table.Tr><Table.Th>{t('backendAuth.headerName')}</Table.Th><Table.Th>{t('backendAuth.headerValue')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
              <Table.Tbody>{headers.map((h, i) => (
                <Table.Tr key={i}>
                  <Table.Td><TextInput aria-label={t('backendAuth.headerName')} value={h.name} data-testid={`backend-auth-header-name-${i}`} onChange={(e) => { const v = e.currentTarget.value; setHeaders((hs) => hs.map((x, j) => (j === i ? { ...x, name: v } : x))); }} /></Table.Td>
                  <Table.Td><PasswordInput aria-label={t('backendAuth.headerValue')} value={h.value} placeholder={value?.scheme === 'static' && value.headers.some((n) => n.toLowerCase() === h.name.trim().toLowerCase()) ? t('backendAuth.secretKept') : ''} data-testid={`backend-auth-header-value-${i}`} onChange={(e) => { const v = e.currentTarget.value; setHeaders((hs) => hs.map((x, j) => (j === i ? { ...x, value: v } : x))); }} /></Table.Td>
                  <Table.Td><ActionIcon variant="subtle" color="red" aria-label={t('common.delete')} disabled={headers.length === 1} onClick={() => setHeaders((hs) => hs.filter((_, j) => j !== i))}><IconTrash size={16} /></ActionIcon></Table.Td>
                </Table.Tr>
              ))}</Table.Tbody>
            </Table>
          )}
          {scheme === 'static' && headers.length < 10 && <Group><Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setHeaders((hs) => [...hs, { name: '', value: '' }])}>{t('backendAuth.addHeader')}</Button></Group>}
          {scheme === 'oauth2' && (
            <>
              <TextInput label={t('backendAuth.tokenUrl')} placeholder="https://api.ngsp.gov.vn/token" value={tokenUrl} onChange={(e) => setTokenUrl(e.currentTarget.value)} data-testid="backend-auth-token-url" />
              <Group grow>
                <TextInput label={t('backendAuth.clientId')} value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} data-testid="backend-auth-client-id" />
                <TextInput label={t('backendAuth.scope')} value={scope} onChange={(e) => setScope(e.currentTarget.value)} data-testid="backend-auth-scope" />
              </Group>
              <Select label={t('backendAuth.clientAuth')} allowDeselect={false} value={clientAuth} onChange={(v) => setClientAuth(v ?? 'basic')}
                data={[{ value: 'basic', label: t('backendAuth.clientAuthBasic') }, { value: 'body', label: t('backendAuth.clientAuthBody') }]} />
            </>
          )}
          {scheme === 'signed' && (
            <>
              <TextInput label={t('backendAuth.user')} value={user} onChange={(e) => setUser(e.currentTarget.value)} data-testid="backend-auth-user" />
              <Textarea label={t('backendAuth.template')} description={t('backendAuth.templateHint')} autosize minRows={4} ff="monospace" value={template} onChange={(e) => setTemplate(e.currentTarget.value)} data-testid="backend-auth-template" />
            </>
          )}
          {(scheme === 'oauth2' || scheme === 'signed') && (
            <PasswordInput label={scheme === 'oauth2' ? t('backendAuth.clientSecret') : t('backendAuth.secret')} description={secretHint} value={secret} onChange={(e) => setSecret(e.currentTarget.value)} autoComplete="new-password" data-testid="backend-auth-secret" />
          )}
          {scheme !== 'inherit' && <TextInput label={t('backendAuth.budget')} description={t('backendAuth.budgetHint')} placeholder="6000/m" value={budget} onChange={(e) => setBudget(e.currentTarget.value)} data-testid="backend-auth-budget" />}
          {act.error ? <Text c="red" size="sm" role="alert" data-testid="backend-auth-error">{act.error instanceof ApiError || !(act.error instanceof Error) ? errorText(act.error, t) : act.error.message}</Text> : null}
          <Group justify="flex-end"><Button loading={act.busy} data-testid="backend-auth-save" onClick={() => void act.run(async () => { await onSave(input()); setSecret(''); }, t('notice.saved', { what }))}>{t('common.save')}</Button></Group>
        </Stack>
      )}
    </Card>
  );
}
