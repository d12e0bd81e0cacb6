// The shell: log-in gate, navigation by role, language switch, and the page for the path.
import { lazy, Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { AppShell, Burger, Group, NavLink, ScrollArea, SegmentedControl, Stack, Text, ThemeIcon, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconChartLine, IconBuilding, IconApi, IconLock, IconMailForward, IconKey, IconListSearch, IconHistory, IconUsers, IconUserCircle, IconLogout, IconFileDescription, IconCertificate, IconWorld, IconArrowUpRight,
} from '@tabler/icons-react';
import { PUBLICADMIN_NAV, publicAdminPage } from './pages/publicadmin';
import { useTranslation } from 'react-i18next';
import { api, setUnauthenticatedHandler, type AuthState, type Principal } from './api';
import { setLanguage } from './i18n';
import { navigate, revealHash, usePath } from './router';
import { SessionContext, type Session } from './session';
import { Loading, StatusPage, setPageTitle } from './components/ui';
import { LoginPage } from './pages/Login';
import { UserMenu } from './components/UserMenu';
import { lazyPage } from './lazy';

// Each page is its own chunk, loaded when first opened: the first screen downloads the shell only.
const DashboardPage = lazyPage(() => import('./pages/Dashboard'), 'DashboardPage');
const MembersPage = lazyPage(() => import('./pages/Members'), 'MembersPage');
const ServicesPage = lazyPage(() => import('./pages/Services'), 'ServicesPage');
const ServiceDetailPage = lazyPage(() => import('./pages/Services'), 'ServiceDetailPage');
const AccessPage = lazyPage(() => import('./pages/Access'), 'AccessPage');
const RequestsPage = lazyPage(() => import('./pages/Requests'), 'RequestsPage');
const KeysPage = lazyPage(() => import('./pages/Keys'), 'KeysPage');
const CertificatesPage = lazyPage(() => import('./pages/Certificates'), 'CertificatesPage');
const PeersPage = lazyPage(() => import('./pages/Federation'), 'PeersPage');
const OutboundPage = lazyPage(() => import('./pages/Federation'), 'OutboundPage');
const MessagesPage = lazyPage(() => import('./pages/Messages'), 'MessagesPage');
const EdocPage = lazyPage(() => import('./pages/Edoc'), 'EdocPage');
const EdocJourneyPage = lazyPage(() => import('./pages/Edoc'), 'EdocJourneyPage');
const TrailPage = lazyPage(() => import('./pages/Trail'), 'TrailPage');
const UsersPage = lazyPage(() => import('./pages/Users'), 'UsersPage');
const AccountPage = lazyPage(() => import('./pages/Account'), 'AccountPage');

interface Item { path: string; label: string; icon: ReactNode; show: boolean }

export function App() {
  const { t, i18n } = useTranslation();
  const path = usePath();
  const [auth, setAuth] = useState<AuthState | null | undefined>(undefined);
  const [opened, { toggle, close }] = useDisclosure();

  const reload = useCallback(async () => {
    try {
      setAuth(await api<AuthState>('GET', '/auth/me', undefined, { quiet401: true }));
    } catch {
      setAuth(null);
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = i18n.language;
    setUnauthenticatedHandler(() => setAuth(null));
    void reload();
  }, [reload, i18n.language]);
  // An address with a #section (a bookmark of /account#two-step) lands on it once logged in.
  const full = auth?.stage === 'full';
  useEffect(() => { if (full) revealHash(); }, [full]);

  const langSwitch = (
    <SegmentedControl size="xs" value={i18n.language} onChange={(v) => setLanguage(v as 'vi' | 'en')} data-testid="lang"
      data={[{ value: 'vi', label: 'VI' }, { value: 'en', label: 'EN' }]} />
  );

  if (auth === undefined) return <Loading />;
  if (!auth || auth.stage !== 'full' || !auth.principal) {
    setPageTitle(t('login.title'));
    return <LoginPage state={auth ?? null} onDone={reload} langSwitch={langSwitch} />;
  }
  const principal: Principal = auth.principal;
  const session: Session = {
    auth, principal, reload,
    logout: async () => { await api('POST', '/auth/logout').catch(() => undefined); setAuth(null); navigate('/'); },
  };
  const admin = principal.role === 'platform_admin';
  const items: Item[] = [
    { path: '/', label: t('nav.dashboard'), icon: <IconChartLine size={18} />, show: true },
    { path: '/members', label: t('nav.members'), icon: <IconBuilding size={18} />, show: true },
    { path: '/services', label: t('nav.services'), icon: <IconApi size={18} />, show: true },
    { path: '/access', label: t('nav.access'), icon: <IconLock size={18} />, show: true },
    { path: '/access-requests', label: t('nav.requests'), icon: <IconMailForward size={18} />, show: true },
    { path: '/keys', label: t('nav.credentials'), icon: <IconKey size={18} />, show: principal.role !== 'auditor' },
    { path: '/certificates', label: t('nav.certificates'), icon: <IconCertificate size={18} />, show: true },
    { path: '/peers', label: t('nav.peers'), icon: <IconWorld size={18} />, show: true },
    { path: '/outbound', label: t('nav.outbound'), icon: <IconArrowUpRight size={18} />, show: true },
    { path: '/messages', label: t('nav.messages'), icon: <IconListSearch size={18} />, show: true },
    { path: '/edoc', label: t('nav.edoc'), icon: <IconFileDescription size={18} />, show: true },
    ...PUBLICADMIN_NAV.map((i) => ({ ...i, label: t(i.label), show: true })),
    { path: '/trail', label: t('nav.trail'), icon: <IconHistory size={18} />, show: principal.role !== 'agency_admin' },
    { path: '/users', label: t('nav.users'), icon: <IconUsers size={18} />, show: admin },
    { path: '/account', label: t('nav.account'), icon: <IconUserCircle size={18} />, show: !!auth.user },
  ];

  // Every page the console has, with who may open it: an unknown path shows "not found", a
  // page the role may not open shows "forbidden" (never the dashboard in its place).
  const role = principal.role;
  const routes: { match: (p: string) => boolean; allowed: boolean; title: string; page: () => ReactNode }[] = [
    { match: (p) => p === '/', allowed: true, title: t('nav.dashboard'), page: () => <DashboardPage /> },
    { match: (p) => p === '/members', allowed: true, title: t('nav.members'), page: () => <MembersPage /> },
    { match: (p) => p === '/services', allowed: true, title: t('nav.services'), page: () => <ServicesPage /> },
    { match: (p) => p.startsWith('/services/') && p.length > '/services/'.length, allowed: true, title: t('nav.services'),
      page: () => <ServiceDetailPage id={decodeURIComponent(path.slice('/services/'.length))} /> },
    { match: (p) => p === '/access', allowed: true, title: t('nav.access'), page: () => <AccessPage /> },
    { match: (p) => p === '/access-requests', allowed: true, title: t('nav.requests'), page: () => <RequestsPage /> },
    { match: (p) => p === '/keys', allowed: role !== 'auditor', title: t('nav.credentials'), page: () => <KeysPage /> },
    { match: (p) => p === '/certificates', allowed: true, title: t('nav.certificates'), page: () => <CertificatesPage /> },
    { match: (p) => p === '/peers', allowed: true, title: t('nav.peers'), page: () => <PeersPage /> },
    { match: (p) => p === '/outbound', allowed: true, title: t('nav.outbound'), page: () => <OutboundPage /> },
    { match: (p) => p === '/messages', allowed: true, title: t('nav.messages'), page: () => <MessagesPage /> },
    { match: (p) => p === '/edoc', allowed: true, title: t('nav.edoc'), page: () => <EdocPage /> },
    { match: (p) => p.startsWith('/edoc/') && p.length > '/edoc/'.length, allowed: true, title: t('edoc.journey'), page: () => <EdocJourneyPage docId={decodeURIComponent(path.slice('/edoc/'.length))} /> },
    ...PUBLICADMIN_NAV.map((i) => ({ match: (p: string) => p === i.path || p.startsWith(i.path + '/'), allowed: true, title: t(i.label), page: () => publicAdminPage(path) })),
    { match: (p) => p === '/trail', allowed: role !== 'agency_admin', title: t('nav.trail'), page: () => <TrailPage /> },
    { match: (p) => p === '/users', allowed: admin, title: t('nav.users'), page: () => <UsersPage /> },
    { match: (p) => p === '/account', allowed: !!auth.user, title: t('nav.account'), page: () => <AccountPage /> },
  ];
  const route = routes.find((r) => r.match(path));
  const page: ReactNode = !route || (route.allowed && route.page() === null)
    ? <StatusPage kind="notFound" />
    : !route.allowed ? <StatusPage kind="forbidden" /> : route.page();
  const title = !route ? t('status.notFound') : !route.allowed ? t('status.forbidden') : route.title;
  setPageTitle(title);
  const active = (p: string) => (p === '/' ? path === '/' : path === p || path.startsWith(p + '/'));

  return (
    <SessionContext.Provider value={session}>
      <AppShell header={{ height: 56 }} navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between">
            <Group gap="sm">
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" />
              <UnstyledButton onClick={() => navigate('/')}>
                <Group gap={8}>
                  <ThemeIcon radius="md" size={30} color="red"><Text fw={800} size="sm">V</Text></ThemeIcon>
                  <Stack gap={0}>
                    <Text fw={700} lh={1.1}>Vamco</Text>
                    <Text size="xs" c="dimmed" lh={1.1} visibleFrom="sm">{t('app.tagline')}</Text>
                  </Stack>
                </Group>
              </UnstyledButton>
            </Group>
            <Group gap="sm">
              {langSwitch}
              <UserMenu />
            </Group>
          </Group>
        </AppShell.Header>
        <AppShell.Navbar p="xs">
          <AppShell.Section grow component={ScrollArea}>
            {items.filter((i) => i.show).map((i) => (
              <NavLink key={i.path} href={i.path} label={i.label} leftSection={i.icon} active={active(i.path)} data-testid={`nav-${i.path.slice(1) || 'dashboard'}`}
                onClick={(e) => { e.preventDefault(); navigate(i.path); close(); }} />
            ))}
          </AppShell.Section>
          <AppShell.Section>
            <NavLink component="button" label={t('nav.logout')} leftSection={<IconLogout size={18} />} onClick={() => void session.logout()} data-testid="logout" />
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main><Suspense fallback={<Loading />}>{page}</Suspense></AppShell.Main>
      </AppShell>
    </SessionContext.Provider>
  );
}
