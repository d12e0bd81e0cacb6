// The public-administration pages' nav entries and routes, so the shell needs one line each.
import type { ReactNode } from 'react';
import { IconBuildingBank, IconCalendarEvent, IconChartBar, IconFileText, IconFolders, IconMapPin } from '@tabler/icons-react';
import { lazyPage } from '../../lazy';

// Each page its own chunk (see App.tsx).
const AgenciesPage = lazyPage(() => import('./Agencies'), 'AgenciesPage');
const DossiersPage = lazyPage(() => import('./Dossiers'), 'DossiersPage');
const DossierDetailPage = lazyPage(() => import('./Dossiers'), 'DossierDetailPage');
const HolidaysPage = lazyPage(() => import('./Holidays'), 'HolidaysPage');
const ProceduresPage = lazyPage(() => import('./Procedures'), 'ProceduresPage');
const StatsPage = lazyPage(() => import('./Stats'), 'StatsPage');
const UnitsPage = lazyPage(() => import('./Units'), 'UnitsPage');

/** Labels are i18n keys; every role sees these pages (the API scopes dossiers for agency admins). */
export const PUBLICADMIN_NAV: { path: string; label: string; icon: ReactNode }[] = [
  { path: '/units', label: 'nav.units', icon: <IconMapPin size={18} /> },
  { path: '/agencies', label: 'nav.agencies', icon: <IconBuildingBank size={18} /> },
  { path: '/procedures', label: 'nav.procedures', icon: <IconFileText size={18} /> },
  { path: '/dossiers', label: 'nav.dossiers', icon: <IconFolders size={18} /> },
  { path: '/stats', label: 'nav.stats', icon: <IconChartBar size={18} /> },
  { path: '/holidays', label: 'nav.holidays', icon: <IconCalendarEvent size={18} /> },
];

export function publicAdminPage(path: string): ReactNode | null {
  if (path.startsWith('/dossiers/')) return <DossierDetailPage code={decodeURIComponent(path.slice('/dossiers/'.length))} />;
  switch (path) {
    case '/units': return <UnitsPage />;
    case '/agencies': return <AgenciesPage />;
    case '/procedures': return <ProceduresPage />;
    case '/dossiers': return <DossiersPage />;
    case '/stats': return <StatsPage />;
    case '/holidays': return <HolidaysPage />;
    default: return null;
  }
}
