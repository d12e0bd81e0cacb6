// forkGatewayWorkers when a worker refuses during the start: the start fails with the refusal and
// leaves no worker behind. Stand-in workers (test/fixtures) listen or refuse when told, so the
// order of events is the test's, not the scheduler's.
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { Metrics } from '../monitoring/index.js';
import { forkGatewayWorkers } from './cluster.js';

const STAND_IN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/gateway-worker-stand-in.mjs');
const config = loadConfig({ VAMCO_WORKERS: '2', VAMCO_GATEWAY_HOST: '127.0.0.1', VAMCO_GATEWAY_PORT: '0', VAMCO_DATA_DIR: '/nonexistent' });

describe('forkGatewayWorkers: a refusal during the start', () => {
  let forked: Worker[] = [];
  const known = new Set<Worker>();
  beforeAll(() => { cluster.setupPrimary({ exec: STAND_IN, execArgv: [], silent: true }); });
  afterEach(() => {
    for (const w of forked) if (!w.isDead()) w.process.kill('SIGKILL');
  });
  /** Starts the workers (stand-ins); slot n's worker is bySlot(n) (forked in slot order). */
  const start = () => {
    const onFatal = { calls: 0 };
    const p = forkGatewayWorkers(config, pino({ level: 'silent' }), new Metrics(), {}, null, () => null, () => { onFatal.calls++; });
    forked = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !known.has(w));
    for (const w of forked) known.add(w);
    const ready = Promise.all(forked.map((w) => new Promise<void>((r) => w.on('message', (m: { test?: string }) => { if (m?.test === 'ready') r(); }))));
    return { p, onFatal, ready };
  };
  const bySlot = (n: number) => forked[n - 1];

  it('stops the workers that listen, then fails with the refusal', { timeout: 60_000 }, async () => {
    const { p, onFatal, ready } = start();
    expect(forked).toHaveLength(2);
    await ready;
    // Slot 2 up and serving, then slot 1 refuses its journal.
    bySlot(2).once('listening', () => bySlot(1).send({ test: 'refuse' }));
    bySlot(2).send({ test: 'listen' });
    await expect(p).rejects.toMatchObject({ code: 'JOURNAL_CONFLICT', message: expect.stringMatching(/slot 1's journal/) });
    // Nothing left on the port once the start has failed: no caller would ever stop it.
    expect(forked.map((w) => w.isDead())).toEqual([true, true]);
    expect(onFatal.calls).toBe(0);
  });

  it('fails when a worker that already listened refuses while another still starts', { timeout: 60_000 }, async () => {
    const { p, onFatal, ready } = start();
    expect(forked).toHaveLength(2);
    await ready;
    // Slot 1 listens, then refuses; slot 2 listens only once the refusal reached the primary.
    bySlot(1).once('listening', () => bySlot(1).send({ test: 'refuse' }));
    bySlot(1).once('message', (m: { vamco?: string }) => { if (m?.vamco === 'fatal') bySlot(2).send({ test: 'listen' }); });
    bySlot(1).send({ test: 'listen' });
    await expect(p).rejects.toMatchObject({ code: 'JOURNAL_CONFLICT', message: expect.stringMatching(/slot 1's journal/) });
    expect(forked.map((w) => w.isDead())).toEqual([true, true]);
    expect(onFatal.calls).toBe(0);
  });
});
