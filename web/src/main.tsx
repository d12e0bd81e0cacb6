import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/dates/styles.css';
import 'dayjs/locale/vi';
import 'dayjs/locale/en-gb';
// A monospace face with Vietnamese glyphs of its own (OFL-1.1): system monospace fonts draw tone
// marks detached in the OpenAPI box and the trail's JSON. Bundled, so no font host is needed.
import '@fontsource/jetbrains-mono/latin-400.css';
import '@fontsource/jetbrains-mono/vietnamese-400.css';
import '@fontsource/jetbrains-mono/latin-700.css';
import '@fontsource/jetbrains-mono/vietnamese-700.css';
import './i18n';
import { createRoot } from 'react-dom/client';
import { createTheme, DEFAULT_THEME, Drawer, MantineProvider, Modal, PasswordInput, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { DatesProvider } from '@mantine/dates';
import { useTranslation } from 'react-i18next';
import { useMemo, type ReactNode } from 'react';
import { App } from './App';

/** Mantine's palette with its darkest shade darker where white text or a tinted background would fall short of WCAG AA (4.5:1). */
const darker = (name: string, shade9: string): MantineColorsTuple => [...DEFAULT_THEME.colors[name].slice(0, 9), shade9] as unknown as MantineColorsTuple;

const makeTheme = (close: string) => createTheme({
  primaryColor: 'red',
  // Filled buttons and badges at shade 9, light variants' text is shade 9: readable on white and on their tint.
  primaryShade: 9,
  colors: { green: darker('green', '#1f6f30'), orange: darker('orange', '#a3420c'), yellow: darker('yellow', '#80540a'), teal: darker('teal', '#076b5a') },
  components: {
    // The show/hide toggle is an action like any other: reachable by Tab.
    PasswordInput: PasswordInput.extend({ defaultProps: { visibilityToggleButtonProps: { tabIndex: 0 } } }),
    // Dialogs' and drawers' close buttons are icons: named in the console's language.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': close } } }),
    Drawer: Drawer.extend({ defaultProps: { closeButtonProps: { 'aria-label': close } } }),
  },
  fontFamily: 'Inter, "Be Vietnam Pro", "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", ui-monospace, monospace',
  defaultRadius: 'md',
});

// Mantine's dimmed text (gray 6) is 3.3:1 on white; gray 7 reads at 8:1.
const cssVariables: CSSVariablesResolver = () => ({ variables: {}, light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' }, dark: {} });

/** Theme and date pickers in the console's language (close labels, month and day names; weeks start on Monday). */
function Root({ children }: { children: ReactNode }) {
  const { t, i18n } = useTranslation();
  const theme = useMemo(() => makeTheme(t('common.close')), [t, i18n.language]);
  return (
    <MantineProvider theme={theme} defaultColorScheme="light" cssVariablesResolver={cssVariables}>
      <DatesProvider settings={{ locale: i18n.language === 'en' ? 'en-gb' : 'vi', firstDayOfWeek: 1 }}>{children}</DatesProvider>
    </MantineProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <Root>
    <Notifications position="top-right" />
    <App />
  </Root>,
);
