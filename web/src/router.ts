// A few pages need no router library: the path is state, links push history.
import { useEffect, useState } from 'react';

const listeners = new Set<(p: string) => void>();

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  listeners.forEach((l) => l(path));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    const onNav = () => setPath(location.pathname);
    window.addEventListener('popstate', onPop);
    listeners.add(onNav);
    return () => { window.removeEventListener('popstate', onPop); listeners.delete(onNav); };
  }, []);
  return path;
}
