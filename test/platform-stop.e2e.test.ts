// A node's shutdown runs once, whoever asks: SIGTERM's drain, Ctrl-C, and in worker mode a fatal
// report from each worker whose journal the database refuses (issue 15's second reading: two
// such reports ran the cleanups twice, the second pass reversing their order under the first,
// closing the store and releasing the data dir's lock while the workers and the log still ran).
import fs from 'node:fs';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { startPlatform } from '../src/platform/index.js';
import { tempDir } from '../src/store/testing.js';

describe('platform stop', () => {
  let dataDir = '';
  afterEach(() => { if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true }); });

  it('asked twice at once, shuts down once, and the data dir can be started again', async () => {
    dataDir = tempDir('vamco-stop-');
    const config = loadConfig({
      VAMCO_DATA_DIR: dataDir, VAMCO_GATEWAY_PORT: '0', VAMCO_ADMIN_PORT: '0', VAMCO_GATEWAY_HOST: '127.0.0.1',
      VAMCO_DEMO_BACKEND_PORT: '0', VAMCO_PUBLICADMIN: '0', VAMCO_PUBLICADMIN_PORT: '0', VAMCO_LOG_LEVEL: 'silent',
    }, { demo: false });
    const p = await startPlatform(config, { logger: pino({ level: 'silent' }) });
    const first = p.stop();
    const second = p.stop();
    // The same shutdown, not a second one racing the first.
    expect(second).toBe(first);
    await Promise.all([first, second]);
    const again = await startPlatform(config, { logger: pino({ level: 'silent' }) });
    await again.stop();
  }, 120_000);
});
