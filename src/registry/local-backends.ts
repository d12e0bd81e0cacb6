// Backends every node runs itself (the publicadmin wing, the demo): registered once under a
// name in the reserved .invalid domain (RFC 6761: it never resolves), which each node's
// snapshot maps to its own loopback server. A registered loopback port would follow whichever
// node started last, and answer 502 on every other node once that one stops.
export const LOCAL_BACKEND_DOMAIN = 'vamco.invalid';

/** hostname (e.g. publicadmin.vamco.invalid) → this node's base URL (http://127.0.0.1:PORT). */
export type LocalBackends = Readonly<Record<string, string>>;

export const localBackendUrl = (name: string): string => `http://${name}.${LOCAL_BACKEND_DOMAIN}`;

/** The URL this node calls for a registered one: its own server for a local name, else as is. */
export function resolveLocal(url: URL, local: LocalBackends | undefined): URL {
  const base = local?.[url.hostname];
  if (!base) return url;
  const b = new URL(base);
  return new URL(b.origin + b.pathname.replace(/\/$/, '') + url.pathname + url.search);
}
