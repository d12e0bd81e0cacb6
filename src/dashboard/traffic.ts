// Traffic aggregates for the dashboard, computed from message_log in SQL that runs the same on
// SQLite and PostgreSQL. Latency percentiles come from a histogram: the database counts
// records per (group, latency bin) — a few thousand rows at most whatever the traffic — and
// p50/p95 are read off the cumulative counts, interpolated within the bin.
import { sql, type RawBuilder } from 'kysely';
import { VamcoError } from '../core/errors.js';
import { RESERVED_SERVICE_CODES } from '../core/ids.js';
import type { Store } from '../store/index.js';

export type Range = 'hour' | 'day' | 'week';

/** Bucket width follows from how many characters of the ISO time are kept: minute, 10 minutes, hour. */
const RANGES: Record<Range, { ms: number; prefix: number; bucketMs: number }> = {
  hour: { ms: 3_600_000, prefix: 16, bucketMs: 60_000 },
  day: { ms: 86_400_000, prefix: 15, bucketMs: 600_000 },
  week: { ms: 7 * 86_400_000, prefix: 13, bucketMs: 3_600_000 },
};

/** Upper bounds of the latency bins in ms, ~25% apart, from 0.25 ms to 2 min; the last bin is open. */
export const BIN_EDGES: readonly number[] = (() => {
  const edges: number[] = [];
  for (let e = 0.25; e < 120_000; e *= 1.25) edges.push(Math.round(e * 1000) / 1000);
  return edges;
})();

function binExpr(): RawBuilder<number> {
  const whens = BIN_EDGES.map((e, i) => sql`when duration_ms < ${sql.lit(e)} then ${sql.lit(i)}`);
  return sql<number>`case ${sql.join(whens, sql` `)} else ${sql.lit(BIN_EDGES.length)} end`;
}

export interface Stats {
  requests: number; clientErrors: number; serverErrors: number; errorRate: number;
  /** Calls the gateway itself refused (authentication, access, rate limits, bad requests: 403, 429, … whatever the status X-Road gives them). */
  refusals: number; refusalRate: number;
  /** Calls the provider's backend failed: unreachable, timed out, bad answer, open circuit, or its own 5xx. */
  backendFailures: number; backendFailureRate: number;
  p50: number | null; p95: number | null;
}

/**
 * The gateway's codes for a failure of (or towards) the provider's backend. Every other code a
 * record carries is the gateway refusing the call; a record without a code and a 5xx status is the
 * backend's own answer.
 */
export const BACKEND_FAILURE_CODES: readonly string[] = [
  'UPSTREAM_UNREACHABLE', 'UPSTREAM_BAD_RESPONSE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TLS_FAILED', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_FAULT', 'CIRCUIT_OPEN',
];
/** Failures of the platform itself: neither a refusal nor the backend's. */
const PLATFORM_CODES: readonly string[] = ['INTERNAL', 'NOT_READY', 'CONFIG_ERROR'];
export interface Bucket extends Stats { t: string }
export interface Group extends Stats { key: string }
/**
 * Requests counted in the totals but in no row (issue 14): the rows list registered services and
 * clients only, so an operator's table is not filled with what a caller mistyped or made up.
 */
export interface SetApart {
  /** listMethods, allowedMethods, getOpenAPI: answered by the gateway itself, no provider's service. */
  metaservices: number;
  /** Calls naming a service that is not registered here (or none at all). */
  unregisteredServices: number;
  /** Calls from a client that is not registered here (or that named none). */
  unregisteredClients: number;
}
export interface Traffic {
  range: Range; from: string; to: string; bucketSeconds: number;
  totals: Stats; buckets: Bucket[]; services: Group[]; clients: Group[]; setApart: SetApart;
}

interface Acc { n: number; e4: number; e5: number; ref: number; bf: number; bins: Map<number, number> }
const newAcc = (): Acc => ({ n: 0, e4: 0, e5: 0, ref: 0, bf: 0, bins: new Map() });
const rate = (k: number, n: number) => (n ? Math.round((k / n) * 10_000) / 10_000 : 0);

function percentile(acc: Acc, q: number): number | null {
  if (acc.n === 0) return null;
  const target = q * acc.n;
  let seen = 0;
  for (const [bin, count] of [...acc.bins.entries()].sort((a, b) => a[0] - b[0])) {
    if (seen + count >= target) {
      const lo = bin === 0 ? 0 : BIN_EDGES[bin - 1];
      const hi = BIN_EDGES[bin] ?? lo * 1.25;
      const frac = count ? (target - seen) / count : 1;
      return Math.round((lo + (hi - lo) * frac) * 100) / 100;
    }
    seen += count;
  }
  return null;
}

function stats(acc: Acc): Stats {
  return {
    requests: acc.n, clientErrors: acc.e4, serverErrors: acc.e5,
    errorRate: rate(acc.e4 + acc.e5, acc.n),
    refusals: acc.ref, refusalRate: rate(acc.ref, acc.n), backendFailures: acc.bf, backendFailureRate: rate(acc.bf, acc.n),
    p50: percentile(acc, 0.5), p95: percentile(acc, 0.95),
  };
}

export interface TrafficQuery {
  range?: Range;
  /** Restrict to traffic where this member ("CLASS/CODE") is client or provider (agency admins). */
  member?: string;
  /** Full ids as logged: "INSTANCE/CLASS/MEMBER/SUB/SERVICE", "INSTANCE/CLASS/MEMBER/SUB". */
  service?: string;
  client?: string;
  instance: string;
  now?: number;
  /** How many services / clients to list (the busiest first). */
  top?: number;
}

/** "INSTANCE/CLASS/MEMBER/SUB/CODE" with a reserved code: a metaservice call, not a service's. */
export function isMetaservice(service: string): boolean {
  return RESERVED_SERVICE_CODES.has(service.slice(service.lastIndexOf('/') + 1));
}

/**
 * The ids a row may name: this instance's registered services, subsystems and members, and any id
 * of a federation peer's instance (its services and clients are the peer's to register; a call
 * from or to one got as far as being logged only through that peer).
 */
async function registeredIds(store: Store, instance: string): Promise<{ services: Set<string>; clients: Set<string>; peers: Set<string> }> {
  const [members, subsystems, services, peers] = await Promise.all([
    store.db.selectFrom('members').select(['member_class', 'member_code']).execute(),
    store.db.selectFrom('subsystems').innerJoin('members', 'members.id', 'subsystems.member_id')
      .select(['members.member_class', 'members.member_code', 'subsystems.subsystem_code']).execute(),
    store.db.selectFrom('services').innerJoin('subsystems', 'subsystems.id', 'services.subsystem_id').innerJoin('members', 'members.id', 'subsystems.member_id')
      .select(['members.member_class', 'members.member_code', 'subsystems.subsystem_code', 'services.service_code']).execute(),
    store.db.selectFrom('federation_peers').select('instance').execute(),
  ]);
  return {
    services: new Set(services.map((s) => `${instance}/${s.member_class}/${s.member_code}/${s.subsystem_code}/${s.service_code}`)),
    clients: new Set([
      ...members.map((m) => `${instance}/${m.member_class}/${m.member_code}`),
      ...subsystems.map((s) => `${instance}/${s.member_class}/${s.member_code}/${s.subsystem_code}`),
    ]),
    peers: new Set(peers.map((p) => p.instance)),
  };
}

export async function traffic(store: Store, q: TrafficQuery): Promise<Traffic> {
  const range = q.range ?? 'hour';
  const r = RANGES[range];
  if (!r) throw new VamcoError('VALIDATION_FAILED', 'range must be hour, day or week');
  const now = q.now ?? Date.now();
  // Whole buckets: the first starts at a bucket boundary, the last contains now.
  const end = Math.floor(now / r.bucketMs) * r.bucketMs + r.bucketMs;
  const start = end - r.ms;
  const from = new Date(start).toISOString();
  const to = new Date(end).toISOString();

  // status 0 is a request record, the first half of an exchange counted by its outcome.
  const conds = [sql`at >= ${from}`, sql`at < ${to}`, sql`status > 0`];
  if (q.member) {
    // substr, not LIKE: SQLite's LIKE ignores case, and member codes are case-sensitive.
    const prefix = `${q.instance}/${q.member}/`;
    conds.push(sql`(substr(client, 1, ${prefix.length}) = ${prefix} or substr(service, 1, ${prefix.length}) = ${prefix})`);
  }
  if (q.service) conds.push(sql`service = ${q.service}`);
  if (q.client) conds.push(sql`client = ${q.client}`);
  const where = sql.join(conds, sql` and `);
  const bin = binExpr();

  const grouped = async (key: RawBuilder<unknown>) => {
    const backend = sql.join(BACKEND_FAILURE_CODES.map((c) => sql.lit(c)));
    const platform = sql.join(PLATFORM_CODES.map((c) => sql.lit(c)));
    const res = await sql<{ k: string | null; bin: number; n: number; e4: number; e5: number; ref: number; bf: number }>`
      select ${key} as k, ${bin} as bin, count(*) as n,
        sum(case when status >= 400 and status < 500 then 1 else 0 end) as e4,
        sum(case when status >= 500 then 1 else 0 end) as e5,
        sum(case when error_code is not null and error_code not in (${backend}) and error_code not in (${platform}) then 1 else 0 end) as ref,
        sum(case when error_code in (${backend}) or (error_code is null and status >= 500) then 1 else 0 end) as bf
      from message_log where ${where} group by ${key}, ${bin}`.execute(store.db);
    const out = new Map<string, Acc>();
    for (const row of res.rows) {
      const k = row.k ?? '';
      const acc = out.get(k) ?? newAcc();
      const n = Number(row.n);
      acc.n += n; acc.e4 += Number(row.e4); acc.e5 += Number(row.e5); acc.ref += Number(row.ref); acc.bf += Number(row.bf);
      acc.bins.set(Number(row.bin), (acc.bins.get(Number(row.bin)) ?? 0) + n);
      out.set(k, acc);
    }
    return out;
  };

  const [byTime, byService, byClient, known] = await Promise.all([
    grouped(sql`substr(at, 1, ${sql.lit(r.prefix)})`),
    grouped(sql`service`),
    grouped(sql`client`),
    registeredIds(store, q.instance),
  ]);

  const total = newAcc();
  const buckets: Bucket[] = [];
  for (let t = start; t < end; t += r.bucketMs) {
    const key = new Date(t).toISOString().slice(0, r.prefix);
    const acc = byTime.get(key) ?? newAcc();
    total.n += acc.n; total.e4 += acc.e4; total.e5 += acc.e5; total.ref += acc.ref; total.bf += acc.bf;
    for (const [b, c] of acc.bins) total.bins.set(b, (total.bins.get(b) ?? 0) + c);
    buckets.push({ t: new Date(t).toISOString(), ...stats(acc) });
  }
  const top = q.top ?? 10;
  const setApart: SetApart = { metaservices: 0, unregisteredServices: 0, unregisteredClients: 0 };
  const ofPeer = (id: string) => known.peers.has(id.slice(0, id.indexOf('/')));
  // Rows: registered ids only, the busiest first; the rest is counted apart, before the top is cut.
  const groups = (m: Map<string, Acc>, keep: (key: string, acc: Acc) => boolean) => [...m.entries()]
    .filter(([key, acc]) => keep(key, acc)).sort((a, b) => b[1].n - a[1].n).slice(0, top)
    .map(([key, acc]) => ({ key, ...stats(acc) }));
  const services = groups(byService, (key, acc) => {
    if (key && isMetaservice(key)) { setApart.metaservices += acc.n; return false; }
    if (key && (known.services.has(key) || ofPeer(key))) return true;
    setApart.unregisteredServices += acc.n;
    return false;
  });
  const clients = groups(byClient, (key, acc) => {
    if (key && (known.clients.has(key) || ofPeer(key))) return true;
    setApart.unregisteredClients += acc.n;
    return false;
  });
  return { range, from, to, bucketSeconds: r.bucketMs / 1000, totals: stats(total), buckets, services, clients, setApart };
}
