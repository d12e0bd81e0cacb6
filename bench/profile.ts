// Summarises a V8 .cpuprofile (from node --cpu-prof): self time by function, so a profile can
// be read in a terminal and quoted in docs/performance.md.
//   node dist/bench/profile.js FILE.cpuprofile [top] [skip-ms]
import fs from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
export interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface Hot { fn: string; where: string; selfPct: number }

const load = (profile: string | Profile): Profile => (typeof profile === 'string' ? JSON.parse(fs.readFileSync(profile, 'utf8')) as Profile : profile);

/** `skipMs`: leave out the first milliseconds (start-up: module loading, migrations, demo). */
export function summarise(profile: string | Profile, top = 25, skipMs = 0): { totalMs: number; idlePct: number; hot: Hot[]; byArea: Record<string, number> } {
  const p = load(profile);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < skipMs * 1000) continue;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const agg = new Map<string, number>();
  const byArea: Record<string, number> = {};
  let idle = 0;
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const f = n.callFrame;
    if (f.functionName === '(idle)') { idle += t; continue; }
    const short = f.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, 'node_modules/').replace(/.*\/dist\//, 'dist/');
    const key = `${f.functionName || '(anonymous)'}\t${short}${f.url ? ':' + (f.lineNumber + 1) : ''}`;
    agg.set(key, (agg.get(key) ?? 0) + t);
    // Areas: where the CPU goes, coarsely (our code, each dependency, Node internals, GC).
    const area = f.functionName === '(garbage collector)' ? 'gc'
      : short.startsWith('node_modules/') ? short.split('/').slice(1, short.startsWith('node_modules/@') ? 3 : 2).join('/')
        : short.startsWith('dist/') ? short.split('/').slice(0, 3).join('/')
          : short.startsWith('node:') ? 'node:' + short.slice(5).split('/')[0] : f.functionName.startsWith('(') ? f.functionName : 'native';
    byArea[area] = (byArea[area] ?? 0) + t;
  }
  const busy = total - idle;
  const hot = [...agg].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, t]) => {
    const [fn, where] = k.split('\t');
    return { fn, where, selfPct: Math.round((t / busy) * 1000) / 10 };
  });
  for (const k of Object.keys(byArea)) byArea[k] = Math.round((byArea[k] / busy) * 1000) / 10;
  return { totalMs: Math.round(total / 1000), idlePct: Math.round((idle / total) * 1000) / 10, hot, byArea };
}

/**
 * Busy time of a gateway profile by what it is for (self time says where the CPU is spent, this
 * says on whose behalf, coarsely). A sample with the message log, metrics or the rate limiter
 * anywhere on its stack, or a digest, is the pipeline's; so is the stages' own code, but by its
 * self time only: Node internals a stage calls for its own ends (buffers, `res.end`, promise
 * jobs) fall under the proxy's HTTP server, undici and socket writes, which are thus an upper
 * bound of what any Node proxy does. Percent of busy time.
 */
export function byRole(profile: string | Profile, skipMs = 0): Record<string, number> {
  const p = load(profile);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const role = (id: number): string => {
    let r = memo.get(id);
    if (r) return r;
    const leaf = byId.get(id)!.callFrame;
    const stack: Node['callFrame'][] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!.callFrame);
    const any = (f: (c: Node['callFrame']) => boolean) => stack.some(f);
    if (leaf.functionName === '(idle)') r = 'idle';
    else if (leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') r = 'GC and V8 (program)';
    else if (any((c) => c.url.includes('/prom-client/'))) r = 'pipeline: metrics (prom-client)';
    else if (any((c) => c.url.includes('/dist/src/audit/'))) r = 'pipeline: message log on the main thread (records, chain, journal, shipper)';
    else if (leaf.functionName === 'hash' || any((c) => ['requestHash', 'digest', 'digest512'].includes(c.functionName))) r = 'pipeline: digests (SHA-256 of bodies, X-Road-Request-Hash)';
    else if (any((c) => c.url.includes('/rate-limiter-flexible/') || c.url.includes('/gateway/limiter'))) r = 'pipeline: rate limit';
    else if (leaf.url.includes('/dist/src/')) r = 'pipeline: stages, own code (self time)';
    else if (['writev', 'writeLatin1String', 'writeBuffer', 'writeUtf8String'].includes(leaf.functionName)) r = 'proxy: socket writes (system calls)';
    else r = 'proxy: HTTP server, undici, streams, events, buffers (Node and undici internals)';
    memo.set(id, r);
    return r;
  };
  const out: Record<string, number> = {};
  let at = 0;
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const t = p.timeDeltas[i] ?? 0;
    at += t;
    if (at < skipMs * 1000) continue;
    const r = role(p.samples[i]);
    if (r === 'idle') continue;
    out[r] = (out[r] ?? 0) + t;
    busy += t;
  }
  for (const k of Object.keys(out)) out[k] = Math.round((out[k] / busy) * 1000) / 10;
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const prof = load(process.argv[2]);
  const s = summarise(prof, Number(process.argv[3] ?? 30), Number(process.argv[4] ?? 0));
  process.stdout.write(`profile ${process.argv[2]}: ${s.totalMs} ms, idle ${s.idlePct}%\n\nself time of busy CPU, by area:\n`);
  for (const [k, v] of Object.entries(s.byArea).sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${String(v).padStart(5)}%  ${k}\n`);
  process.stdout.write('\nhottest functions (self):\n');
  for (const h of s.hot) process.stdout.write(`  ${String(h.selfPct).padStart(5)}%  ${h.fn}  ${h.where}\n`);
  process.stdout.write('\nbusy time by what it is for (proxy figures are upper bounds):\n');
  for (const [k, v] of Object.entries(byRole(prof, Number(process.argv[4] ?? 0))).sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(v).padStart(5)}%  ${k}\n`);
}
