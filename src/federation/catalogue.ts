// Foreign services in the console's catalogue (issue 17, item 4): what each trusted peer offers,
// read from the last copy of its signed directory this platform kept. A directory never holds
// backend addresses, limits or credentials; the entry is still built field by field, so nothing
// a future directory version adds reaches the catalogue unreviewed.
import type { DirectoryContent } from './directory.js';

export interface ForeignServiceView {
  kind: 'foreign';
  /** The peer instance offering it (the first part of every id here). */
  instance: string;
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE, as a client here calls it through /r1. */
  id: string; memberId: string; memberName: string | null; subsystemId: string; subsystemName: string | null;
  serviceCode: string; type: string;
  /** From its OpenAPI description's info, when the peer published one. */
  title: string | null; description: string | null;
  endpoints: Array<{ method: string; path: string }>;
  /** When the peer made the directory this entry comes from. */
  generatedAt: string;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 2000) : null);

/** Every service of the peers' directories; `peers` are the ones to show (trusted, with a directory). */
export function foreignCatalogue(peers: readonly string[], content: (instance: string) => DirectoryContent | null): ForeignServiceView[] {
  const out: ForeignServiceView[] = [];
  for (const instance of peers) {
    const d = content(instance);
    if (!d) continue;
    const names = new Map<string, { name: string | null; subsystemName: string | null }>();
    for (const m of d.members) {
      const id = [m.id.member_class, m.id.member_code, m.id.subsystem_code].filter((x) => x !== undefined).join('/');
      names.set(id, { name: text(m.name), subsystemName: text(m.subsystem_name) });
    }
    for (const s of d.services) {
      const memberId = `${s.member_class}/${s.member_code}`;
      const subsystemId = `${memberId}/${s.subsystem_code}`;
      const local = `${subsystemId}/${s.service_code}`;
      const info = (d.openapi?.[local] as { info?: { title?: unknown; description?: unknown } } | undefined)?.info;
      out.push({
        kind: 'foreign', instance, id: `${instance}/${local}`, memberId: `${instance}/${memberId}`, memberName: names.get(memberId)?.name ?? null,
        subsystemId: `${instance}/${subsystemId}`, subsystemName: names.get(subsystemId)?.subsystemName ?? null,
        serviceCode: String(s.service_code), type: String(s.service_type), title: text(info?.title), description: text(info?.description),
        endpoints: (s.endpoint_list ?? []).map((e) => ({ method: String(e.method), path: String(e.path) })), generatedAt: d.generatedAt,
      });
    }
  }
  return out;
}
