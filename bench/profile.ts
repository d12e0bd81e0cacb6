// Summarises a V8 .cpuprofile (from node --cpu-prof): self time by function, so a profile can
// be read in a terminal and quoted in docs/performance.md.
//   node dist/bench/profile.js FILE.cpuprofile [top] [skip-ms]
import fs from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface Hot { fn: string; where: string; selfPct: number }

/** `skipMs`: leave out the first milliseconds (start-up: module loading, migrations, demo). */
export function summarise(file: string, top = 25, skipMs = 0): { totalMs: number; idlePct: number; hot: Hot[]; byArea: Record<string, number> } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
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

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const s = summarise(process.argv[2], Number(process.argv[3] ?? 30), Number(process.argv[4] ?? 0));
  process.stdout.write(`profile ${process.argv[2]}: ${s.totalMs} ms, idle ${s.idlePct}%\n\nself time of busy CPU, by area:\n`);
  for (const [k, v] of Object.entries(s.byArea).sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${String(v).padStart(5)}%  ${k}\n`);
  process.stdout.write('\nhottest functions (self):\n');
  for (const h of s.hot) process.stdout.write(`  ${String(h.selfPct).padStart(5)}%  ${h.fn}  ${h.where}\n`);
}
