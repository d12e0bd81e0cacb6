// The shell: log-in gate, navigation by role, language switch, and the page for the path.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { AppShell, Badge, Burger, Group, NavLink, ScrollArea, SegmentedControl, Stack, Text, ThemeIcon, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconChartLine, IconBuilding, IconApi, IconLock, IconMailForward, IconKey, IconListSearch, IconHistory, IconUsers, IconUserCircle, IconLogout,
} from '@tabler/icons-react';
import { PUBLICADMIN_NAV, publicAdminPage } from './pages/publicadmin';
import { useTranslation } from 'react-i18next';
import { api, setUnauthenticatedHandler, type AuthState, type Principal } from './api';
import { setLanguage } from './i18n';
import { navigate, usePath } from './router';
import { SessionContext, type Session } from './session';
import { Loading } from './components/ui';
import { LoginPage } from './pages/Login';
import { DashboardPage } from './pages/Dashboard';
import { MembersPage } from './pages/Members';
import { ServicesPage, ServiceDetailPage } from './pages/Services';
import { AccessPage } from './pages/Access';
import { RequestsPage } from './pages/Requests';
import { KeysPage } from './pages/Keys';
import { MessagesPage } from './pages/Messages';
import { TrailPage } from './pages/Trail';
import { UsersPage } from './pages/Users';
import { AccountPage } from './pages/Account';

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

  const langSwitch = (
    <SegmentedControl size="xs" value={i18n.language} onChange={(v) => setLanguage(v as 'vi' | 'en')} data-testid="lang"
      data={[{ value: 'vi', label: 'VI' }, { value: 'en', label: 'EN' }]} />
  );

  if (auth === undefined) return <Loading />;
  if (!auth || auth.stage !== 'full' || !auth.principal) {
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
    { path: '/messages', label: t('nav.messages'), icon: <IconListSearch size={18} />, show: true },
    ...PUBLICADMIN_NAV.map((i) => ({ ...i, label: t(i.label), show: true })),
    { path: '/trail', label: t('nav.trail'), icon: <IconHistory size={18} />, show: principal.role !== 'agency_admin' },
    { path: '/users', label: t('nav.users'), icon: <IconUsers size={18} />, show: admin },
    { path: '/account', label: t('nav.account'), icon: <IconUserCircle size={18} />, show: !!auth.user },
  ];

  let page: ReactNode;
  const paPage = publicAdminPage(path);
  if (paPage) page = paPage;
  else if (path.startsWith('/services/')) page = <ServiceDetailPage id={decodeURIComponent(path.slice('/services/'.length))} />;
  else {
    switch (path) {
      case '/members': page = <MembersPage />; break;
      case '/services': page = <ServicesPage />; break;
      case '/access': page = <AccessPage />; break;
      case '/access-requests': page = <RequestsPage />; break;
      case '/keys': page = <KeysPage />; break;
      case '/messages': page = <MessagesPage />; break;
      case '/trail': page = <TrailPage />; break;
      case '/users': page = admin ? <UsersPage /> : <DashboardPage />; break;
      case '/account': page = <AccountPage />; break;
      default: page = <DashboardPage />;
    }
  }
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
              <Stack gap={0} align="flex-end" visibleFrom="sm">
                <Text size="sm" fw={600} data-testid="whoami">{principal.name}</Text>
                <Group gap={4}>
                  <Badge size="xs" variant="light">{t(`role.${principal.role}`)}</Badge>
                  {principal.memberId && <Badge size="xs" variant="outline" color="gray">{principal.memberId}</Badge>}
                </Group>
              </Stack>
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
            <NavLink label={t('nav.logout')} leftSection={<IconLogout size={18} />} onClick={() => void session.logout()} data-testid="logout" />
          </AppShell.Section>
        </AppShell.Navbar>
        <AppShell.Main>{page}</AppShell.Main>
      </AppShell>
    </SessionContext.Provider>
  );
}
