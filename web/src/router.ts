// A few pages need no router library: the path is state, links push history.
import { useEffect, useState } from 'react';

const listeners = new Set<(p: string) => void>();

export function navigate(path: string): void {
  if (path !== location.pathname + location.search + location.hash) {
    history.pushState(null, '', path);
    listeners.forEach((l) => l(path));
  }
  if (path.includes('#')) revealHash();
}

/**
 * Brings the section the address's #fragment names into view and moves focus to it (a keyboard or
 * screen-reader user lands where the link said). Pages load in their own chunk, so the section may
 * appear only after a while: looked for on each frame, for at most ten seconds.
 */
export function revealHash(): void {
  // A malformed escape in a hand-typed fragment names no section: nothing to reveal (decoding
  // would throw inside the app's effect and leave a blank page).
  let id: string;
  try { id = decodeURIComponent(location.hash.slice(1)); } catch { return; }
  if (!id) return;
  const until = Date.now() + 10_000;
  const look = () => {
    const el = document.getElementById(id);
    if (el) {
      if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
      el.scrollIntoView({ block: 'start' });
      el.focus({ preventScroll: true });
    } else if (Date.now() < until) requestAnimationFrame(look);
  };
  look();
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
