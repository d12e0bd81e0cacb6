// The `vamco` command as an operator types it, on a real data directory: durations in the
// units its help names, a clear refusal for a wrong key id or member class, and no empty
// database conjured up by a mistyped VAMCO_DATA_DIR.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { CLI } from './helpers/platform.js';

interface Run { code: number; stdout: string; stderr: string }

describe('vamco CLI', () => {
  let dir = '';
  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> => new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {
      env: { ...process.env, VAMCO_DATA_DIR: dir, VAMCO_BACKEND_ALLOW: '127.0.0.1', VAMCO_LOG_LEVEL: 'warn', ...env }, timeout: 120_000,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
  const ok = async (args: string[]) => {
    const r = await run(args);
    expect(r.code, `vamco ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const P = 'GOV/000.00.00.H59/hotich';

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test builds first)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vamco-cli-'));
    await ok(['migrate']);
    await ok(['member', 'add', 'GOV', '000.00.00.H59', '--name', 'Sở Tư pháp']);
    await ok(['subsystem', 'add', P]);
  }, 240_000);
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('counts a bare --timeout in seconds, as its help says, and takes 30s and 500ms', async () => {
    await ok(['service', 'add', `${P}/khaisinh`, '--url', 'http://127.0.0.1:9/api', '--timeout', '30', '--connect-timeout', '500ms']);
    let s = JSON.parse((await ok(['service', 'show', `${P}/khaisinh`])).stdout);
    expect(s.timeoutMs).toBe(30_000);
    expect(s.connectTimeoutMs).toBe(500);
    await ok(['service', 'update', `${P}/khaisinh`, '--timeout', '45s', '--connect-timeout', '2']);
    s = JSON.parse((await ok(['service', 'show', `${P}/khaisinh`])).stdout);
    expect(s.timeoutMs).toBe(45_000);
    expect(s.connectTimeoutMs).toBe(2_000);
    const bad = await run(['service', 'update', `${P}/khaisinh`, '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"soon" is not a duration');
  }, 240_000);

  it('refuses a key id that is not a number, saying what it wants instead of "NaN"', async () => {
    const r = await run(['key', 'revoke', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"nope" is not an API key id');
    expect(r.stderr).not.toContain('NaN');
    expect(r.stderr).toContain('VALIDATION_FAILED');
  }, 120_000);

  it('accepts only the platform\'s member classes', async () => {
    for (const cls of ['gov', 'FOO']) {
      const r = await run(['member', 'add', cls, '000.00.00.H61', '--name', 'Sở Y tế']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`"${cls}" is not a member class of this platform (one of GOV, COM, ORG, NGO, EDU)`);
    }
    expect((await ok(['member', 'list'])).stdout).not.toContain('000.00.00.H61');
    // The list is the operator's to choose.
    const r = await run(['member', 'add', 'MUN', '000.00.00.H61', '--name', 'Sở Y tế'], { VAMCO_MEMBER_CLASSES: 'GOV,MUN' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('MUN/000.00.00.H61');
  }, 240_000);

  it('fails on a data directory without a database instead of creating an empty one', async () => {
    const typo = dir + '-typo';
    for (const args of [['member', 'list'], ['service', 'list'], ['audit', 'verify'], ['key', 'list']]) {
      const r = await run(args, { VAMCO_DATA_DIR: typo });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`No Vamco database in ${typo}`);
      expect(r.stdout).toBe('');
      expect(fs.existsSync(typo)).toBe(false);
    }
    // The real directory still answers.
    expect((await ok(['member', 'list'])).stdout).toContain('GOV/000.00.00.H59\tSở Tư pháp');
  }, 240_000);
});
