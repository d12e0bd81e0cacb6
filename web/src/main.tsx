import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
// A monospace face with Vietnamese glyphs of its own (OFL-1.1): system monospace fonts draw tone
// marks detached in the OpenAPI box and the trail's JSON. Bundled, so no font host is needed.
import '@fontsource/jetbrains-mono/latin-400.css';
import '@fontsource/jetbrains-mono/vietnamese-400.css';
import '@fontsource/jetbrains-mono/latin-700.css';
import '@fontsource/jetbrains-mono/vietnamese-700.css';
import './i18n';
import { createRoot } from 'react-dom/client';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { App } from './App';

const theme = createTheme({
  primaryColor: 'red',
  fontFamily: 'Inter, "Be Vietnam Pro", "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif',
  fontFamilyMonospace: '"JetBrains Mono", ui-monospace, monospace',
  defaultRadius: 'md',
});

createRoot(document.getElementById('root')!).render(
  <MantineProvider theme={theme} defaultColorScheme="light">
    <Notifications position="top-right" />
    <App />
  </MantineProvider>,
);
