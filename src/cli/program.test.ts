// The CLI's help is its manual: every command and every option says what it does.
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from './program.js';

function walk(c: Command, prefix: string[] = []): { path: string; cmd: Command }[] {
  const here = [...prefix, c.name()];
  return [{ path: here.join(' '), cmd: c }, ...c.commands.flatMap((sub) => walk(sub, here))];
}

describe('vamco help', () => {
  const all = walk(buildProgram());

  it('walks a tree of more than a few commands', () => {
    // Guards the walk itself: a broken walk would find nothing to complain about.
    expect(all.length).toBeGreaterThan(30);
    expect(all.map((c) => c.path)).toContain('vamco service add');
  });

  it('describes every command', () => {
    expect(all.filter((c) => !c.cmd.description().trim()).map((c) => c.path)).toEqual([]);
  });

  it('describes every option of every command', () => {
    const missing = all.flatMap((c) => c.cmd.options.filter((o) => !o.description.trim()).map((o) => `${c.path} ${o.flags}`));
    expect(missing).toEqual([]);
  });
});
