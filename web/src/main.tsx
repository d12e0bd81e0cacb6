import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './i18n';
import { createRoot } from 'react-dom/client';
import { createTheme, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { App } from './App';

const theme = createTheme({
  primaryColor: 'red',
  fontFamily: 'Inter, "Be Vietnam Pro", "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif',
  defaultRadius: 'md',
});

createRoot(document.getElementById('root')!).render(
  <MantineProvider theme={theme} defaultColorScheme="light">
    <Notifications position="top-right" />
    <App />
  </MantineProvider>,
);
