// Everything by name, with its identifier on hover and one click to copy it (issue 14): the
// registry's names are loaded once per page and looked up by id.
import { ActionIcon, CopyButton, Group, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { get, type List, type Member, type Service, type Subsystem } from '../api';
import { useLoad } from './ui';

export interface Names { name(id: string | null | undefined): string | null }

/** Names of members ("GOV/CODE"), systems ("GOV/CODE/app") and services ("GOV/CODE/app/svc", from their OpenAPI title). */
export function useNames(): Names {
  const { data } = useLoad(async () => {
    const [m, s, v] = await Promise.all([get<List<Member>>('/members'), get<List<Subsystem>>('/subsystems'), get<List<Service>>('/services')]);
    return new Map<string, string>([
      ...m.items.map((x) => [x.id, x.name] as const),
      ...s.items.filter((x) => x.name).map((x) => [x.id, x.name!] as const),
      ...v.items.filter((x) => x.title).map((x) => [x.id, x.title!] as const),
    ]);
  }, []);
  return { name: (id) => (id ? data?.get(id) ?? null : null) };
}

/** A name with its id on hover and a copy button; an object without a name shows its id. */
export function Named({ id, name, size = 'sm', fw }: { id: string; name?: string | null; size?: string; fw?: number }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap" data-testid="named" data-id={id}>
      <Tooltip label={id} withArrow openDelay={200}>
        <Text span size={size} fw={fw} ff={name ? undefined : 'monospace'} translate="no" tabIndex={0} style={{ overflowWrap: 'anywhere' }}>{name || id}</Text>
      </Tooltip>
      <CopyButton value={id}>
        {({ copied, copy }) => (
          <ActionIcon variant="subtle" color={copied ? 'teal' : 'gray'} size="xs" onClick={(e) => { e.stopPropagation(); copy(); }} aria-label={t('common.copyId', { id })}>
            {copied ? <IconCheck size={12} /> : <IconCopy size={12} />}
          </ActionIcon>
        )}
      </CopyButton>
    </Group>
  );
}
