// The header's user menu (issue 14): who is logged in and in which role, their own account's
// pages (two-step verification, password), and log out. Mantine's Menu is the WAI-ARIA menu button
// pattern: the button says it opens a menu (aria-haspopup, aria-expanded), Enter, Space or the
// arrow keys open it, the arrows move between items, Escape closes it and focus goes back to the button.
import { Badge, Group, Menu, Stack, Text, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { IconChevronDown, IconKey, IconLogout, IconShieldLock, IconUserCircle } from '@tabler/icons-react';
import { useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { navigate } from '../router';
import { useSession } from '../session';

export function UserMenu() {
  const { t } = useTranslation();
  const { auth, principal, logout } = useSession();
  const user = auth.user;
  // Opened also by the arrow keys on the button, and focus starts on the first item (not on
  // Mantine's placeholder), as the menu button pattern has it.
  const [opened, setOpened] = useState(false);
  const onKeyDown = (e: KeyboardEvent) => { if (!opened && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) { e.preventDefault(); setOpened(true); } };
  // An item that goes to a page of the console: a real link (open in a new tab works), navigated without a reload.
  const link = (href: string, label: string, icon: ReactNode, testId: string, first = false) => (
    <Menu.Item component="a" href={href} leftSection={icon} data-testid={testId} data-autofocus={first || undefined}
      onClick={(e: MouseEvent) => { if (e.ctrlKey || e.metaKey || e.shiftKey) return; e.preventDefault(); navigate(href); }}>{label}</Menu.Item>
  );
  return (
    <Menu position="bottom-end" width={260} withinPortal opened={opened} onChange={setOpened} withInitialFocusPlaceholder={false}>
      <Menu.Target>
        {/* Named by what it shows (name, role, agency); on a narrow screen, where those are hidden, by the same words unseen. */}
        <UnstyledButton data-testid="user-menu" onKeyDown={onKeyDown} px={6} py={2} style={{ borderRadius: 6 }}>
          <Group gap={6} wrap="nowrap">
            <IconUserCircle size={22} aria-hidden />
            <Stack gap={0} align="flex-end" visibleFrom="sm">
              <Text size="sm" fw={600} data-testid="whoami" translate="no">{principal.name}</Text>
              <Group gap={4}>
                <Badge size="xs" variant="light">{t(`role.${principal.role}`)}</Badge>
                {principal.memberId && <Badge size="xs" variant="outline" color="gray" translate="no">{principal.memberId}</Badge>}
              </Group>
            </Stack>
            <VisuallyHidden hiddenFrom="sm">{t('userMenu.button', { name: principal.name, role: t(`role.${principal.role}`) })}</VisuallyHidden>
            <IconChevronDown size={14} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown data-testid="user-menu-dropdown">
        <Menu.Label>{t('userMenu.signedInAs')}</Menu.Label>
        <Stack gap={2} px="sm" pb="xs" data-testid="user-menu-who">
          <Text size="sm" fw={600} translate="no">{principal.name}</Text>
          {user && user.username !== principal.name && <Text size="xs" c="dimmed" translate="no">{user.username}</Text>}
          <Group gap={4}>
            <Badge size="xs" variant="light">{t(`role.${principal.role}`)}</Badge>
            {principal.memberId && <Badge size="xs" variant="outline" color="gray" translate="no">{principal.memberId}</Badge>}
          </Group>
        </Stack>
        {user && (
          <>
            <Menu.Divider />
            {link('/account', t('nav.account'), <IconUserCircle size={16} />, 'user-menu-account', true)}
            {link('/account#two-step', t('login.totpTitle'), <IconShieldLock size={16} />, 'user-menu-two-step')}
            {link('/account#password', t('account.password'), <IconKey size={16} />, 'user-menu-password')}
          </>
        )}
        <Menu.Divider />
        <Menu.Item leftSection={<IconLogout size={16} />} data-autofocus={!user || undefined} onClick={() => void logout()} data-testid="user-menu-logout">{t('nav.logout')}</Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
