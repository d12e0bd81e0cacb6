// Small building blocks every page uses: loading/empty/error states, copy fields, confirms.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { Alert, Button, Code, CopyButton, Group, Loader, Modal, Paper, Stack, Text, ThemeIcon, Title, Tooltip, ActionIcon } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconCopy, IconDownload, IconInbox, IconLock, IconMapSearch } from '@tabler/icons-react';
import { navigate } from '../router';
import { useTranslation } from 'react-i18next';
import { ApiError, qs } from '../api';
import i18n from '../i18n';

/**
 * The sentence for an error: the console's own (vi/en) for a problem's stable `reason` (with its
 * `params`), else the server's `detail`.
 */
export function errorText(e: unknown, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (!(e instanceof ApiError)) return t('common.error');
  if (e.code === 'NETWORK') return t('error.network');
  const reason = e.problem?.reason;
  if (typeof reason === 'string') {
    const text = t(`reason.${reason}`, { ...(e.problem?.params as Record<string, unknown> | undefined), defaultValue: '' });
    if (text) return text;
  }
  // Refusals without a reason the console knows (not allowed, not found): in Vietnamese, the
  // code's own sentence rather than the server's English detail. Other codes keep the detail,
  // whose explanation (which field, why) a generic sentence would lose.
  if (i18n.language !== 'en') {
    const generic = t(`problemText.${e.code}`, { defaultValue: '' });
    if (generic) return generic;
  }
  return e.message;
}

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  // A new error is brought into view (a long dialog's error would otherwise sit below the fold).
  useEffect(() => { if (error) ref.current?.scrollIntoView?.({ block: 'nearest' }); }, [error]);
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : '';
  return (
    <Alert ref={ref} role="alert" color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={t(`problem.${code}`, { defaultValue: t('common.error') })} data-testid="error">
      {errorText(error, t)}
    </Alert>
  );
}

/**
 * Props for a table row that opens something (a detail, a drawer): reachable by Tab and opened by
 * Enter or Space as well as by a click, so keyboard users can open what mouse users can.
 */
export function openRow(open: () => void) {
  return {
    tabIndex: 0,
    style: { cursor: 'pointer' },
    onClick: open,
    onKeyDown: (e: KeyboardEvent) => {
      if (e.target !== e.currentTarget || (e.key !== 'Enter' && e.key !== ' ')) return;
      e.preventDefault();
      open();
    },
  };
}

/**
 * Props for an in-app link: a real href (Tab, open in a new tab) that navigates without a reload;
 * inside an openRow row, the row does not also react.
 */
export function linkTo(path: string) {
  return {
    href: path,
    onClick: (e: MouseEvent) => {
      e.stopPropagation();
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(path);
    },
    onKeyDown: (e: KeyboardEvent) => e.stopPropagation(),
  };
}

export function EmptyState({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <Paper withBorder p="xl" radius="md" data-testid="empty">
      <Stack align="center" gap="sm">
        <ThemeIcon size={48} radius="xl" variant="light" color="gray"><IconInbox size={26} /></ThemeIcon>
        <Text c="dimmed" ta="center" maw={560}>{children}</Text>
        {action}
      </Stack>
    </Paper>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Group justify="space-between" mb="md" wrap="wrap">
      <Title order={2}>{title}</Title>
      <Group gap="xs">{children}</Group>
    </Group>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <Group justify="center" p="xl"><Loader size="sm" /><Text c="dimmed">{t('common.loading')}</Text></Group>;
}

export function CopyField({ value, testId }: { value: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Code block style={{ flex: 1, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid={testId}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? t('common.copied') : t('common.copy')} withArrow>
            <ActionIcon variant="light" color={copied ? 'teal' : 'blue'} onClick={copy} aria-label={t('common.copy')} size="lg">
              {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

/** Loads data on mount and when `deps` change; `reload` re-runs it after a change. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await fnRef.current());
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, []);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => { void reload(); }, deps);
  return { data, error, loading, reload, setData };
}

/** Says a change went through (a notice in the corner, read out by screen readers, gone after a while). */
export function notifySuccess(message: string): void {
  notifications.show({ color: 'green', message, icon: <IconCheck size={18} />, withBorder: true, autoClose: 6000, role: 'status', 'data-testid': 'notice', closeButtonProps: { 'aria-label': i18n.t('common.close') } } as Parameters<typeof notifications.show>[0]);
}

/**
 * Runs an action, keeping its busy flag and error for the form that started it; with `success`,
 * says so in a notice once it went through.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async <T,>(fn: () => Promise<T>, success?: string): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fn();
      if (success) notifySuccess(success);
      return r;
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

/**
 * The question before an action that cannot be undone (delete, revoke, reset): a dialog that names
 * the object and says what goes with it (`details`). Focus starts on Cancel (a stray Enter does
 * nothing), Escape or Cancel close it without acting, and focus goes back to what opened it.
 */
export function ConfirmDialog({ opened, title, confirmLabel = title, question, details, onConfirm, onClose, color = 'red', testId, returnFocusTo }: {
  opened: boolean; title: string; confirmLabel?: string; question: string; details?: string; onConfirm: () => void; onClose: () => void; color?: string; testId?: string;
  /** Where focus goes once closed, when what opened the dialog is gone by then (an item of a menu that closed). */
  returnFocusTo?: () => HTMLElement | null | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={title} returnFocus={!returnFocusTo} onExitTransitionEnd={() => returnFocusTo?.()?.focus()}>
      <Stack data-testid={testId ? testId + '-dialog' : 'confirm-dialog'}>
        <Text>{question}</Text>
        {details && <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} data-testid="confirm-details">{details}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus data-testid={testId ? testId + '-cancel' : 'confirm-cancel'}>{t('common.cancel')}</Button>
          <Button color={color} onClick={() => { onClose(); onConfirm(); }} data-testid={testId ? testId + '-confirm' : 'confirm'}>{confirmLabel}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** A button whose action cannot be undone: it asks first, in a ConfirmDialog. */
export function ConfirmButton({ label, question, details, onConfirm, color = 'red', size = 'xs', variant = 'light', testId }: { label: string; question: string; details?: string; onConfirm: () => void; color?: string; size?: string; variant?: string; testId?: string }) {
  const [asking, setAsking] = useState(false);
  return (
    <>
      <Button size={size} variant={variant} color={color} onClick={() => setAsking(true)} data-testid={testId}>{label}</Button>
      <ConfirmDialog opened={asking} onClose={() => setAsking(false)} title={label} question={question} details={details} onConfirm={onConfirm} color={color} testId={testId} />
    </>
  );
}

/** Saves `text` as a file the browser downloads (made here, so nothing is fetched again). */
export function downloadText(text: string, name: string, type = 'text/plain;charset=utf-8'): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Download links for the filtered view a list shows: CSV (spreadsheets) and JSON Lines (tools). */
export function ExportButtons({ path, query, testId }: { path: string; query: Record<string, string | number | undefined | null>; testId: string }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap">
      {(['csv', 'jsonl'] as const).map((format) => (
        <Button key={format} component="a" href={'/api/v1' + path + qs({ ...query, format })} download variant="default" size="sm" leftSection={<IconDownload size={16} />}
          title={t('common.exportHint')} data-testid={`${testId}-${format}`}>{t(`common.export_${format}`)}</Button>
      ))}
    </Group>
  );
}

/** "Page · Vamco": browser tabs, history and screen readers name the page (idempotent, so safe in render). */
export function setPageTitle(title: string): void {
  const next = `${title} · Vamco`;
  if (document.title !== next) document.title = next;
}

/** What an unknown address or a page the role may not open shows instead of another page. */
export function StatusPage({ kind }: { kind: 'notFound' | 'forbidden' }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="xl" radius="md" data-testid={kind === 'notFound' ? 'not-found' : 'forbidden'}>
      <Stack align="center" gap="sm">
        <ThemeIcon size={56} radius="xl" variant="light" color={kind === 'notFound' ? 'gray' : 'orange'}>
          {kind === 'notFound' ? <IconMapSearch size={30} /> : <IconLock size={30} />}
        </ThemeIcon>
        <Title order={2}>{t(`status.${kind}`)}</Title>
        <Text c="dimmed" ta="center" maw={560}>{t(`status.${kind}Hint`)}</Text>
        <Button component="a" href="/" onClick={(e: MouseEvent) => { e.preventDefault(); navigate('/'); }}>{t('status.home')}</Button>
      </Stack>
    </Paper>
  );
}
