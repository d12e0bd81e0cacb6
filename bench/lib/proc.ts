// Process and port helpers for the benchmark: every target is a real process on loopback.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/lib/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/src/cli/main.js');

/** A port that was free a moment ago (the kernel picks it; we close and hand it on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc { child: ChildProcess; name: string; output(): string; stop(signal?: NodeJS.Signals): Promise<number | null> }

/** Spawns a long-running process and keeps its output (bounded) for error messages. */
export function start(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child, name, output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Runs a command to completion and returns its output. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => { stdout += b; });
    child.stderr!.on('data', (b: Buffer) => { stderr += b; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function mustRun(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Polls a URL until it answers with the wanted status, or fails after the timeout. */
export async function waitHttp(url: string, opts: { timeoutMs?: number; status?: number; headers?: Record<string, string>; proc?: Proc } = {}): Promise<number> {
  const t0 = Date.now();
  const deadline = t0 + (opts.timeoutMs ?? 30_000);
  let last = '';
  while (Date.now() < deadline) {
    if (opts.proc && opts.proc.child.exitCode !== null) throw new Error(`${opts.proc.name} exited ${opts.proc.child.exitCode}:\n${opts.proc.output()}`);
    try {
      const r = await fetch(url, { headers: opts.headers, signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === (opts.status ?? 200)) return Date.now() - t0;
      last = `status ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} not ready after ${opts.timeoutMs ?? 30_000} ms (${last})${opts.proc ? '\n' + opts.proc.output() : ''}`);
}

export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return null;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
