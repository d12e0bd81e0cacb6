// The start time alone (issue 15: cold start <= 2 s including the first run), repeated:
//   node dist/bench/start.js                      this build, START_REPS=5 times
//   START_CLIS=dist-base/src/cli/main.js,dist/src/cli/main.js node dist/bench/start.js
// Each repetition: a first run on an empty data dir, stopped, then a restart on it. Several
// builds are taken in turn within each repetition, so a busy moment of a shared machine falls
// on all of them alike. Run it with another `node` to measure that Node (the CLI runs on it too).
// START_FRESH_COMPILE_CACHE=1: each first run starts with an empty compile cache of its own
// (NODE_COMPILE_CACHE, Node >= 22.1), as on a new install, and its restart finds what it left.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, ROOT } from './lib/proc.js';
import { median, timeToReady } from './lib/start-time.js';

const reps = Number(process.env.START_REPS || 5);
const clis = (process.env.START_CLIS || CLI).split(',').map((c) => path.resolve(ROOT, c));
const freshCache = process.env.START_FRESH_COMPILE_CACHE === '1';

const times = clis.map(() => ({ first: [] as number[], restart: [] as number[], firstCpu: [] as number[], restartCpu: [] as number[] }));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-start-'));
try {
  for (let r = 0; r < reps; r++) {
    for (const [i, cli] of clis.entries()) {
      const dir = path.join(tmp, `${r}-${i}`);
      // SIGINT: stop at once (SIGTERM would drain first); the stop is not timed.
      const env: Record<string, string> = freshCache ? { NODE_COMPILE_CACHE: path.join(tmp, `${r}-${i}-compile-cache`) } : {};
      const first = await timeToReady(dir, { cli, env });
      await first.p.stop('SIGINT');
      const again = await timeToReady(dir, { cli, env });
      await again.p.stop('SIGINT');
      times[i].first.push(first.ms);
      times[i].restart.push(again.ms);
      times[i].firstCpu.push(first.cpuMs);
      times[i].restartCpu.push(again.cpuMs);
      process.stderr.write(`${path.relative(ROOT, cli)}: first run ${first.ms} ms (CPU ${first.cpuMs}), restart ${again.ms} ms (CPU ${again.cpuMs})\n`);
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`Node ${process.versions.node}${freshCache ? ', a fresh compile cache per first run' : ''}, ${reps} repetitions, median (all), ms to ready; CPU ms used by then`);
for (const [i, cli] of clis.entries()) {
  const t = times[i];
  console.log(`${path.relative(ROOT, cli)}: first run ${median(t.first)} (${t.first.join(' ')}), restart ${median(t.restart)} (${t.restart.join(' ')}); CPU first run ${median(t.firstCpu)}, restart ${median(t.restartCpu)}`);
}
