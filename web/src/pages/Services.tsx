// The service catalogue, registering a service (with an OpenAPI import), and one service's
// settings, endpoints, rendered documentation and a ready curl.
import { lazy, Suspense, useState } from 'react';
import { Anchor, Badge, Button, Card, FileButton, Grid, Group, Modal, NumberInput, Select, Stack, Switch, Table, Tabs, Text, TextInput, Textarea, Title } from '@mantine/core';
import { IconDownload, IconPlus, IconSearch, IconUpload } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { del, get, idPath, patch, post, qs, type AccessRight, type CertificateInfo, type ForeignService, type List, type Member, type Service, type Subsystem } from '../api';
import { Named, useNames } from '../components/Named';
import { ConfirmButton, CopyField, EmptyState, ErrorAlert, Loading, PageHeader, linkTo, openRow, useAction, useLoad } from '../components/ui';
import { BackendAuthCard } from '../components/BackendAuthCard';
import { dateTime, matches } from '../format';
import { navigate } from '../router';
import { memberOf, useRole, useSession } from '../session';

// The renderer is the largest dependency after the charts: its own chunk, fetched when a document is shown.
const OpenApiView = lazy(() => import('../components/OpenApiView'));

const METHOD_COLORS: Record<string, string> = { GET: 'blue', POST: 'green', PUT: 'orange', PATCH: 'yellow', DELETE: 'red' };
export const MethodBadge = ({ m }: { m: string }) => <Badge color={METHOD_COLORS[m] ?? 'gray'} variant="light" w={70}>{m}</Badge>;

function parseOpenApi(text: string): object | undefined {
  if (!text.trim()) return undefined;
  return JSON.parse(text) as object;
}

/**
 * The service catalogue every role browses: search, agency, description from the OpenAPI
 * document. The backend address shows only where the admin API gives it (own agency, platform
 * admins, auditors).
 */
export function ServicesPage() {
  const { t } = useTranslation();
  const { isAdmin, role } = useRole();
  const [agency, setAgency] = useState<string>('all');
  const members = useLoad(() => get<List<Member>>('/members'), []);
  const { data, error, loading, reload } = useLoad(() => get<List<Service>>('/services' + qs({ member: agency === 'all' ? undefined : agency })), [agency]);
  const names = new Map((members.data?.items ?? []).map((m) => [m.id, m.name]));
  const [adding, setAdding] = useState(false);
  const [query, setQuery] = useState('');
  const canAdd = isAdmin || role === 'agency_admin';
  // Peers' services (issue 17) are no agency's here: shown with "all agencies" only.
  const foreign = useLoad(() => get<List<ForeignService>>('/foreign-services'), []);
  const shown = (data?.items ?? []).filter((s) => matches(query, s.id, s.title, s.description, names.get(s.memberId), s.url, ...s.endpoints.map((e) => e.path)));
  const shownForeign = agency === 'all' ? (foreign.data?.items ?? []).filter((s) => matches(query, s.id, s.title, s.description, s.memberName, s.instance, ...s.endpoints.map((e) => e.path))) : [];
  const seesUrl = shown.some((s) => s.url !== undefined);
  const none = data && data.items.length === 0 && (agency !== 'all' || !foreign.data?.items.length);
  return (
    <>
      <PageHeader title={t('services.title')}>
        <TextInput label={t('services.search')} placeholder={t('services.searchHint')} leftSection={<IconSearch size={16} />} value={query} onChange={(e) => setQuery(e.currentTarget.value)} w={240} data-testid="services-search" />
        <Select label={t('services.agency')} value={agency} onChange={(v) => setAgency(v ?? 'all')} allowDeselect={false} searchable w={260} data-testid="services-agency"
          data={[{ value: 'all', label: t('common.all') }, ...(members.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.name} (${m.id})` }))]} />
        {canAdd && <Button mt={24} leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)} data-testid="add-service">{t('services.add')}</Button>}
      </PageHeader>
      <ErrorAlert error={error} />
      {loading && !data && <Loading />}
      {none && <EmptyState action={canAdd && <Button onClick={() => setAdding(true)}>{t('services.add')}</Button>}>{t(agency === 'all' ? 'services.empty' : 'services.emptyAgency')}</EmptyState>}
      {data && !none && shown.length + shownForeign.length === 0 && <EmptyState>{t('common.noMatch', { q: query.trim() })}</EmptyState>}
      {shown.length + shownForeign.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table.ScrollContainer minWidth={700}>
            <Table highlightOnHover verticalSpacing="sm" layout="fixed">
              <Table.Thead><Table.Tr>
                <Table.Th w="30%">{t('access.service')}</Table.Th><Table.Th w="20%">{t('services.agency')}</Table.Th><Table.Th>{t('services.description')}</Table.Th>
                {seesUrl && <Table.Th w="18%">{t('services.url')}</Table.Th>}<Table.Th w={90}>{t('services.endpoints')}</Table.Th>
              </Table.Tr></Table.Thead>
              <Table.Tbody>
                {shown.map((s) => (
                  <Table.Tr key={s.id} {...openRow(() => navigate(`/services/${encodeURIComponent(s.id)}`))} data-testid={`service-${s.id}`}>
                    <Table.Td>
                      <Anchor size="sm" fw={600} {...linkTo(`/services/${encodeURIComponent(s.id)}`)} translate="no">{s.title ?? s.serviceCode}</Anchor>
                      <Named id={s.id} name={s.id} size="xs" />
                    </Table.Td>
                    <Table.Td><Named id={s.memberId} name={names.get(s.memberId)} /></Table.Td>
                    <Table.Td><Text size="sm" lineClamp={2} translate="no" data-testid="service-description">{s.description ?? '—'}</Text></Table.Td>
                    {seesUrl && <Table.Td><Text size="sm" c="dimmed" truncate translate="no" data-testid="service-url-cell">{s.url ?? '—'}</Text></Table.Td>}
                    <Table.Td>{s.endpoints.length || '—'}</Table.Td>
                  </Table.Tr>
                ))}
                {shownForeign.map((s) => (
                  <Table.Tr key={s.id} data-testid={`foreign-service-${s.id}`}>
                    <Table.Td>
                      <Text size="sm" fw={600} translate="no">{s.title ?? s.serviceCode}</Text>
                      <Text size="xs" c="dimmed" translate="no">{s.id}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color="grape" data-testid="foreign-badge">{t('services.foreign', { instance: s.instance })}</Badge>
                      <Text size="sm" translate="no">{s.memberName ?? s.memberId}</Text>
                    </Table.Td>
                    <Table.Td><Text size="sm" lineClamp={2} translate="no" data-testid="service-description">{s.description ?? '—'}</Text></Table.Td>
                    {seesUrl && <Table.Td><Text size="sm" c="dimmed">—</Text></Table.Td>}
                    <Table.Td>{s.endpoints.length || '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      <AddService opened={adding} onClose={() => setAdding(false)} onDone={reload} />
    </>
  );
}

function AddService({ opened, onClose, onDone }: { opened: boolean; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { isAdmin, member } = useRole();
  const subs = useLoad(() => get<List<Subsystem>>('/subsystems' + qs({ member: isAdmin ? undefined : member })), [opened]);
  const [provider, setProvider] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [url, setUrl] = useState('');
  const [timeout, setTimeoutS] = useState<number | string>('');
  const [rate, setRate] = useState('');
  const [openapi, setOpenapi] = useState('');
  const [ca, setCa] = useState('');
  const { busy, error, run, setError } = useAction();
  return (
    <Modal opened={opened} onClose={onClose} title={t('services.add')} size="lg">
      <form onSubmit={(e) => {
        e.preventDefault();
        let doc: object | undefined;
        try { doc = parseOpenApi(openapi); } catch (err) { setError(err); return; }
        void run(async () => {
          const id = `${provider}/${code.trim()}`;
          await post('/services', { id, url: url.trim(), ...(timeout !== '' ? { timeout: `${timeout}s` } : {}), ...(rate.trim() ? { rateLimit: rate.trim() } : {}), ...(doc ? { openapi: doc } : {}), ...(ca.trim() ? { backendCa: ca } : {}) });
          await onDone();
          onClose();
          navigate(`/services/${encodeURIComponent(id)}`);
        }, t('notice.created', { what: `${provider}/${code.trim()}` }));
      }}>
        <Stack>
          <Select label={t('services.provider')} data={(subs.data?.items ?? []).map((s) => ({ value: s.id, label: s.id + (s.name ? ` — ${s.name}` : '') }))} value={provider} onChange={setProvider} required searchable data-testid="service-provider" />
          <TextInput label={t('services.code')} placeholder="khaisinh" value={code} onChange={(e) => setCode(e.currentTarget.value)} required data-testid="service-code" />
          <TextInput label={t('services.url')} placeholder="https://hotich.tinh.gov.vn/api" value={url} onChange={(e) => setUrl(e.currentTarget.value)} required data-testid="service-url" />
          <Group grow>
            <NumberInput label={`${t('services.timeout')} (s)`} value={timeout} onChange={setTimeoutS} min={1} max={600} placeholder="30" />
            <TextInput label={t('services.rateLimit')} description={t('services.rateLimitHint')} value={rate} onChange={(e) => setRate(e.currentTarget.value)} />
          </Group>
          {url.trim().startsWith('https:') && <CaBundleInput value={ca} onChange={setCa} />}
          <OpenApiInput value={openapi} onChange={setOpenapi} />
          <ErrorAlert error={error} />
          <Group justify="flex-end"><Button variant="default" onClick={onClose}>{t('common.cancel')}</Button><Button type="submit" loading={busy} disabled={!provider} data-testid="service-submit">{t('common.create')}</Button></Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** PEM CA certificates an https backend is verified with, besides the system's CAs (public: no secret here). */
function CaBundleInput({ value, onChange, current }: { value: string; onChange: (v: string) => void; current?: CertificateInfo[] | null }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>{t('services.backendCa')}</Text>
        <FileButton accept=".pem,.crt,.cer" onChange={(f) => { if (f) void f.text().then(onChange); }}>
          {(props) => <Button {...props} size="xs" variant="light" leftSection={<IconUpload size={14} />}>{t('services.file')}</Button>}
        </FileButton>
      </Group>
      {current && current.length > 0 && <Stack gap={2} data-testid="backend-ca-current">{current.map((c) => <Text key={c.sha256} size="xs" c="dimmed">{c.subject} · {t('services.validUntil')} {dateTime(c.notAfter)}</Text>)}</Stack>}
      <Textarea description={t('services.backendCaHint')} placeholder="-----BEGIN CERTIFICATE-----" value={value} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={2} maxRows={8} styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} data-testid="backend-ca" />
    </Stack>
  );
}

function OpenApiInput({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>{t('services.openapi')}</Text>
        <FileButton accept="application/json,.json" inputProps={{ 'aria-label': t('services.file') }} onChange={(f) => { if (f) void f.text().then(onChange); }}>
          {(props) => <Button {...props} size="xs" variant="light" leftSection={<IconUpload size={14} />}>{t('services.file')}</Button>}
        </FileButton>
      </Group>
      <Textarea aria-label={t('services.openapi')} description={t('services.openapiHint')} value={value} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={3} maxRows={10} styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} data-testid="openapi" />
    </Stack>
  );
}

/** Who may call the service: the grants the admin API shows this role (all of them to its own agency, platform admins and auditors; to another agency, its own). */
function WhoHasAccess({ id }: { id: string }) {
  const { t } = useTranslation();
  const names = useNames();
  const { data, error } = useLoad(() => get<List<AccessRight>>('/access-rights' + qs({ service: id })), [id]);
  return (
    <Card withBorder radius="md" data-testid="who-has-access">
      <Title order={5} mb="xs">{t('services.whoHasAccess')}</Title>
      <ErrorAlert error={error} />
      {data && data.items.length === 0 && <Text size="sm" c="dimmed">{t('services.nobodyHasAccess')}</Text>}
      <Stack gap={4}>
        {data?.items.map((g) => (
          <Group key={g.id} gap="xs" justify="space-between" wrap="nowrap" data-testid="grant">
            <Named id={g.clientId} name={names.name(g.clientId)} />
            <Text size="xs" c="dimmed" ff="monospace">{g.endpoint ? `${g.endpoint.method} ${g.endpoint.path}` : t('services.wholeService')}</Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** Saves the document as a file (the admin API's copy: without the backend's host for those who may not see it). */
function downloadSpec(id: string, doc: object): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  a.download = `${id.replace(/\//g, '_')}.openapi.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

export function ServiceDetailPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { canWrite } = useRole();
  const { auth } = useSession();
  const { data, error, loading, reload } = useLoad(async () => {
    const s = await get<Service>(`/services/${idPath(id)}`);
    const doc = await get<object>(`/services/${idPath(id)}/openapi`).catch(() => null);
    return { s, doc };
  }, [id]);
  const act = useAction();
  const [url, setUrl] = useState<string | null>(null);
  const [rate, setRate] = useState<string | null>(null);
  const [logBodies, setLogBodies] = useState<boolean | null>(null);
  const [timeoutS, setTimeoutS] = useState<number | string | null>(null);
  const [connectS, setConnectS] = useState<number | string | null>(null);
  const [ca, setCa] = useState('');
  const [method, setMethod] = useState<string | null>('GET');
  const [path, setPath] = useState('');
  const [openapi, setOpenapi] = useState('');
  if (loading && !data) return <Loading />;
  if (!data) return <ErrorAlert error={error} />;
  const s = data.s;
  const writable = canWrite(memberOf(s.id));
  const instance = auth.platform?.instance ?? 'DEV';
  const gw = `${location.protocol}//${location.hostname}:${auth.platform?.gatewayPort ?? 8080}`;
  const curl = `curl -H 'X-Road-Client: ${instance}/GOV/<member>/<system>' \\\n     -H 'X-API-Key: <key>' \\\n     ${gw}/r1/${instance}/${s.id}${s.endpoints[0]?.path && !s.endpoints[0].path.includes('{') ? s.endpoints[0].path : '/'}`;
  return (
    <>
      <PageHeader title={s.id}>
        <Button variant="default" onClick={() => navigate('/services')}>← {t('services.title')}</Button>
        {writable && <ConfirmButton size="sm" label={t('common.delete')} testId="service-delete" question={t('services.confirmDelete', { id: s.id })} details={t('services.deleteDetails', { endpoints: s.endpoints.length })}
          onConfirm={() => void act.run(async () => { await del(`/services/${idPath(s.id)}`); navigate('/services'); }, t('notice.deleted', { what: s.id }))} />}
      </PageHeader>
      <ErrorAlert error={error ?? act.error} />
      <Tabs defaultValue="settings" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="settings">{t('services.settings')}</Tabs.Tab>
          <Tabs.Tab value="endpoints">{t('services.endpoints')} ({s.endpoints.length})</Tabs.Tab>
          <Tabs.Tab value="docs" data-testid="tab-docs">{t('services.docs')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="settings">
          <Grid>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Card withBorder radius="md">
                <Stack>
                  {s.title && <Text fw={600} translate="no" data-testid="service-title">{s.title}</Text>}
                  {s.description && <Text size="sm" translate="no">{s.description}</Text>}
                  {s.url !== undefined && <TextInput label={t('services.url')} value={url ?? s.url} onChange={(e) => setUrl(e.currentTarget.value)} readOnly={!writable} data-testid="service-url-field" />}
                  <TextInput label={t('services.rateLimit')} description={t('services.rateLimitHint')} value={rate ?? s.rateLimit ?? ''} onChange={(e) => setRate(e.currentTarget.value)} readOnly={!writable} />
                  <Group grow>
                    <NumberInput label={`${t('services.timeout')} (s)`} value={timeoutS ?? (s.timeoutMs ? s.timeoutMs / 1000 : '')} onChange={setTimeoutS} min={1} max={3600} placeholder="30" readOnly={!writable} data-testid="service-timeout" />
                    <NumberInput label={`${t('services.connectTimeout')} (s)`} value={connectS ?? (s.connectTimeoutMs ? s.connectTimeoutMs / 1000 : '')} onChange={setConnectS} min={1} max={3600} placeholder="5" readOnly={!writable} data-testid="service-connect-timeout" />
                  </Group>
                  <Text size="sm">{t('services.type')}: {s.type} · {t('common.created')}: {dateTime(s.createdAt)} · {t('services.updated')}: {dateTime(s.updatedAt)}</Text>
                  <Switch label={t('services.logBodies')} description={t('services.logBodiesHint')} checked={logBodies ?? s.logBodies} onChange={(e) => setLogBodies(e.currentTarget.checked)} disabled={!writable} />
                  {(url ?? s.url ?? '').startsWith('https:') && (writable ? <CaBundleInput value={ca} onChange={setCa} current={s.backendCa} />
                    : s.backendCa && <Text size="sm">{t('services.backendCa')}: {s.backendCa.map((c) => c.subject).join('; ')}</Text>)}
                  {writable && s.backendCa && <Group><ConfirmButton size="xs" label={t('services.backendCaRemove')} question={t('services.backendCaRemoveQuestion', { id: s.id })} details={t('services.backendCaRemoveDetails')} onConfirm={() => void act.run(async () => { await patch(`/services/${idPath(s.id)}`, { backendCa: null }); await reload(); }, t('notice.saved', { what: s.id }))} /></Group>}
                  {writable && <Group justify="flex-end"><Button loading={act.busy} data-testid="service-save" onClick={() => void act.run(async () => {
                    const secs = (v: number | string | null) => (v === null ? undefined : v === '' ? null : `${v}s`);
                    const timeout = secs(timeoutS); const connectTimeout = secs(connectS);
                    await patch(`/services/${idPath(s.id)}`, {
                      ...(url !== null ? { url } : {}), ...(rate !== null ? { rateLimit: rate.trim() || null } : {}), ...(logBodies !== null ? { logBodies } : {}), ...(ca.trim() ? { backendCa: ca } : {}),
                      ...(timeout !== undefined ? { timeout } : {}), ...(connectTimeout !== undefined ? { connectTimeout } : {}),
                    });
                    setUrl(null); setRate(null); setLogBodies(null); setCa(''); setTimeoutS(null); setConnectS(null); await reload();
                  }, t('notice.saved', { what: s.id }))}>{t('common.save')}</Button></Group>}
                </Stack>
              </Card>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Stack>
              <Card withBorder radius="md">
                <Title order={5} mb="xs">{t('services.howToCall')}</Title>
                <CopyField value={curl} />
              </Card>
              <WhoHasAccess id={s.id} />
              {s.backendAuth !== undefined && <BackendAuthCard key={JSON.stringify(s.backendAuth ?? null)} what={s.id} value={s.backendAuth ?? null} owner="service" writable={writable}
                onSave={async (backendAuth) => { await patch(`/services/${idPath(s.id)}`, { backendAuth }); await reload(); }} />}
              </Stack>
            </Grid.Col>
          </Grid>
        </Tabs.Panel>
        <Tabs.Panel value="endpoints">
          <Card withBorder radius="md">
            {s.endpoints.length === 0 ? <Text c="dimmed" size="sm">{t('services.noEndpoints')}</Text> : (
              <Table>
                <Table.Thead><Table.Tr><Table.Th>{t('services.method')}</Table.Th><Table.Th>{t('services.path')}</Table.Th><Table.Th /></Table.Tr></Table.Thead>
                <Table.Tbody>{s.endpoints.map((e) => (
                  <Table.Tr key={e.id}><Table.Td><MethodBadge m={e.method} /></Table.Td><Table.Td ff="monospace">{e.path}</Table.Td>
                    <Table.Td ta="right">{writable && <ConfirmButton label={t('common.delete')} question={t('services.confirmDeleteEndpoint', { endpoint: `${e.method} ${e.path}`, id: s.id })} details={t('services.deleteEndpointDetails')} onConfirm={() => void act.run(async () => { await del(`/services/${idPath(s.id)}/endpoints/${e.id}`); await reload(); }, t('notice.deleted', { what: `${e.method} ${e.path}` }))} />}</Table.Td></Table.Tr>
                ))}</Table.Tbody>
              </Table>
            )}
            {writable && (
              <Group mt="md" align="flex-end">
                <Select label={t('services.method')} data={['GET', 'POST', 'PUT', 'PATCH', 'DELETE']} value={method} onChange={setMethod} w={120} allowDeselect={false} />
                <TextInput label={t('services.path')} placeholder="/records/{id}" value={path} onChange={(e) => setPath(e.currentTarget.value)} style={{ flex: 1 }} />
                <Button leftSection={<IconPlus size={14} />} loading={act.busy} onClick={() => void act.run(async () => { await post(`/services/${idPath(s.id)}/endpoints`, { method, path }); setPath(''); await reload(); }, t('notice.created', { what: `${method} ${path}` }))}>{t('services.addEndpoint')}</Button>
              </Group>
            )}
          </Card>
        </Tabs.Panel>
        <Tabs.Panel value="docs">
          <Stack>
            {data.doc ? (
              <>
                <Group justify="flex-end"><Button variant="default" leftSection={<IconDownload size={16} />} onClick={() => downloadSpec(s.id, data.doc!)} data-testid="download-openapi">{t('services.downloadSpec')}</Button></Group>
                <Suspense fallback={<Loading />}><OpenApiView spec={data.doc} /></Suspense>
              </>
            ) : <EmptyState>{t('services.noDocs')}</EmptyState>}
            {writable && (
              <Card withBorder radius="md">
                <OpenApiInput value={openapi} onChange={setOpenapi} />
                <Group justify="flex-end" mt="sm"><Button loading={act.busy} disabled={!openapi.trim()} onClick={() => void act.run(async () => { await patch(`/services/${idPath(s.id)}`, { openapi: parseOpenApi(openapi) }); setOpenapi(''); await reload(); }, t('notice.saved', { what: s.id }))} data-testid="import-openapi">{t('services.import')}</Button></Group>
              </Card>
            )}
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
