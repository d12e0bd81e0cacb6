// Route-level code splitting: a page component loaded from its own chunk on first use.
import { lazy, type ComponentType } from 'react';

/** `lazyPage(() => import('./pages/X'), 'XPage')`: React.lazy for a named export. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function lazyPage<M extends Record<string, unknown>, K extends keyof M>(load: () => Promise<M>, name: K): ComponentType<any> {
  return lazy(async () => ({ default: (await load())[name] as ComponentType<unknown> }));
}
