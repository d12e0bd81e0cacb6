// The admin trail: who did what, when, from where, with before/after.
import { Fragment, useEffect, useState } from 'react';
import { Button, Card, Code, Group, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { get, qs, type TrailItem } from '../api';
import { EmptyState, ErrorAlert, ExportButtons, Loading, PageHeader, openRow, useAction } from '../components/ui';
import { dateTime } from '../format';

const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 2));

type T = (k: string, o?: Record<string, unknown>) => string;
/** "access_request.approve" → "Duyệt yêu cầu truy cập"; an action without a sentence stays as it is. */
export const actionLabel = (t: T, action: string) => t(`trailAction.${action.replace(/\./g, '_')}`, { defaultValue: action });
/** "user:admin" → "Người dùng admin", "cli:root" → "Dòng lệnh (root)", "token:…" → "Token quản trị". */
export function actorLabel(t: T, actor: string): string {
  const i = actor.indexOf(':');
  const kind = i < 0 ? actor : actor.slice(0, i);
  const name = i < 0 ? '' : actor.slice(i + 1);
  // The platform's own steps by name too ("first-start" → "lần khởi động đầu tiên").
  const shown = kind === 'system' ? t(`trailSystem.${name}`, { defaultValue: name }) : name;
  return t(`trailActor.${kind}`, { name: shown, defaultValue: actor });
}

/** Groups of actions the filter offers (an action's first part). */
const ACTION_GROUPS = ['auth', 'member', 'subsystem', 'service', 'endpoint', 'access', 'access_request', 'key', 'token', 'cert', 'peer', 'outbound', 'user', 'publicadmin', 'edoc'];

export function TrailPage() {
  const { t } = useTranslation();
  const [items, setItems] = useState<TrailItem[] | null>(null);
  const [before, setBefore] = useState<number | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [text, setText] = useState('');
  const [group, setGroup] = useState<string | null>(null);
  // The export takes the filter of the list on screen (the last search).
  const [shown, setShown] = useState<{ q?: string; action?: string }>({});
  const { busy, error, run } = useAction();
  const load = (more: boolean) => run(async () => {
    const q = more ? shown : { q: text.trim() || undefined, action: group ?? undefined };
    const r = await get<{ items: TrailItem[]; nextBefore: number | null }>('/admin-trail' + qs({ ...q, limit: 50, before: more ? before : undefined }));
    setShown(q);
    setItems((p) => (more && p ? [...p, ...r.items] : r.items));
    setBefore(r.nextBefore);
  });
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { void load(false); }, []);
  return (
    <>
      <PageHeader title={t('trail.title')}>
        <ExportButtons path="/admin-trail/export" query={shown} testId="trail-export" />
        <Button variant="default" onClick={() => void load(false)}>{t('common.refresh')}</Button>
      </PageHeader>
      <Card withBorder radius="md" mb="md">
        <form onSubmit={(e) => { e.preventDefault(); void load(false); }}>
          <Group align="flex-end">
            <TextInput label={t('trail.search')} description={t('trail.searchHint')} value={text} onChange={(e) => setText(e.currentTarget.value)} style={{ flex: 1 }} data-testid="trail-search" />
            <Select label={t('trail.action')} placeholder={t('common.all')} clearable data={ACTION_GROUPS.map((g) => ({ value: g, label: t(`trailGroup.${g}`) }))} value={group} onChange={setGroup} w={260} data-testid="trail-group" />
            <Button type="submit" loading={busy} data-testid="trail-submit">{t('common.search')}</Button>
          </Group>
        </form>
      </Card>
      <ErrorAlert error={error} />
      {!items && busy && <Loading />}
      {items && items.length === 0 && <EmptyState>{t('trail.empty')}</EmptyState>}
      {items && items.length > 0 && (
        <Card withBorder radius="md" p={0}>
          <Table.ScrollContainer minWidth={800}>
            <Table verticalSpacing="xs" fz="sm" highlightOnHover>
              <Table.Thead><Table.Tr><Table.Th w={30} /><Table.Th>#</Table.Th><Table.Th>{t('messages.time')}</Table.Th><Table.Th>{t('trail.actor')}</Table.Th><Table.Th>{t('trail.action')}</Table.Th><Table.Th>{t('trail.target')}</Table.Th><Table.Th>{t('trail.address')}</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {items.map((i) => (
                  <Fragment key={i.seq}>
                    <Table.Tr {...openRow(() => setOpen(open === i.seq ? null : i.seq))} data-testid="trail-row">
                      {/* The row is the control (Tab, Enter, click); the chevron only shows its state. */}
                      <Table.Td>{open === i.seq ? <IconChevronDown size={14} aria-label={t('trail.collapse')} /> : <IconChevronRight size={14} aria-label={t('common.details')} />}</Table.Td>
                      <Table.Td>{i.seq}</Table.Td><Table.Td>{dateTime(i.at)}</Table.Td>
                      <Table.Td title={i.actor}>{actorLabel(t, i.actor)}</Table.Td><Table.Td title={i.action}><Text size="sm" fw={600}>{actionLabel(t, i.action)}</Text></Table.Td>
                      <Table.Td ff="monospace">{i.target}</Table.Td><Table.Td>{i.address ?? '—'}</Table.Td>
                    </Table.Tr>
                    {open === i.seq && (
                      <Table.Tr><Table.Td colSpan={7}>
                        <SimpleGrid cols={2}>
                          <div><Text size="xs" c="dimmed">{t('trail.before')}</Text><Code block>{json(i.before)}</Code></div>
                          <div><Text size="xs" c="dimmed">{t('trail.after')}</Text><Code block>{json(i.after)}</Code></div>
                        </SimpleGrid>
                      </Table.Td></Table.Tr>
                    )}
                  </Fragment>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {before !== null && <Group justify="center" p="sm"><Button variant="default" loading={busy} onClick={() => void load(true)}>{t('common.loadMore')}</Button></Group>}
        </Card>
      )}
    </>
  );
}
