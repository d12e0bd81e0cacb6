// No acknowledged package is lost (issue 9, guaranteed delivery): a real `vamco start` process is
// killed with SIGKILL right after sendEdoc answered OK and before the recipient fetched; after a
// restart on the same data dir the recipient lists and fetches it, attachment byte for byte.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { openStore, migrate } from '../src/store/index.js';
import * as reg from '../src/registry/index.js';
import { edocHub } from '../src/platform/edoc.js';
import { buildEdoc, extractAttachment, vnDate } from '../src/edoc/index.js';
import { startVamco, type VamcoProcess } from './helpers/vamco-process.js';
import { edocClient } from './helpers/edoc.js';
import { tempDir } from '../src/store/testing.js';

const A = '000.00.00.H59';
const B = '000.00.13.H59';
const noLog = { append: async () => {} };

async function registerAgencies(dataDir: string): Promise<Record<string, string>> {
  const config = loadConfig({ VAMCO_DATA_DIR: dataDir });
  const store = openStore({ dataDir });
  try {
    await migrate(store.db, store.engine);
    await store.keyring();
    const ctx = { store, config };
    const keys: Record<string, string> = {};
    for (const code of [A, B]) {
      await reg.addMember(ctx, { memberClass: 'GOV', memberCode: code, name: code }, { actor: 'test' });
      await reg.addSubsystem(ctx, { id: `GOV/${code}/qlvb` }, { actor: 'test' });
      keys[code] = (await reg.createKey(ctx, { subsystem: `GOV/${code}/qlvb` }, { actor: 'test' })).key;
      await edocHub({ store, config, log: noLog }).setEndpoint(`GOV/${code}/qlvb`, 'test');
    }
    return keys;
  } finally {
    await store.close();
  }
}

describe('edoc: kill -9 between sendEdoc and the recipient\'s fetch', () => {
  const dataDir = tempDir('vamco-edoc-kill-');
  let v: VamcoProcess | undefined;
  afterAll(() => {
    if (v && v.child.exitCode === null && v.child.signalCode === null) v.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing that was answered OK (issue 9, guaranteed delivery)', async () => {
    const keys = await registerAgencies(dataDir);
    v = await startVamco(dataDir, { VAMCO_PUBLICADMIN: '0', VAMCO_PUBLICADMIN_PORT: '0', VAMCO_DEMO_BACKEND_PORT: '0' });
    const as = (code: string, url: string) => edocClient(url, () => ({ 'x-road-client': `DEV/GOV/${code}/qlvb`, 'x-api-key': keys[code] }));
    const pdf = crypto.randomBytes(200_000);
    const accepted: string[] = [];
    for (let i = 0; i < 5; i++) {
      const xml = buildEdoc({ from: { organId: A }, to: [{ organId: B }], codeNumber: String(i + 1), codeNotation: 'UBND-VP', promulgationDate: vnDate(),
        subject: `Công văn ${i + 1}`, attachments: [{ name: 'cv.pdf', contentType: 'application/pdf', bytes: pdf }] });
      const r = await as(A, v.gatewayUrl).send(xml, 'edoc');
      expect(r.body.status).toBe('OK');
      accepted.push(r.body.DocId);
    }
    v.child.kill('SIGKILL');
    await v.exited;
    v = await startVamco(dataDir, { VAMCO_PUBLICADMIN: '0', VAMCO_PUBLICADMIN_PORT: '0', VAMCO_DEMO_BACKEND_PORT: '0' });
    const b = as(B, v.gatewayUrl);
    const inbox = (await b.call('getReceivedEdocList', { messagetype: 'edoc' })).body.data.map((d: any) => d.docId);
    expect(inbox).toEqual(accepted); // all of them, in the order they were accepted
    for (const docId of accepted) {
      const got = await b.getEdoc(docId);
      expect(got.http).toBe(200);
      const att = extractAttachment(got.bytes.toString('utf8'), '1.cv.pdf')!;
      expect(crypto.createHash('sha256').update(att).digest('hex')).toBe(crypto.createHash('sha256').update(pdf).digest('hex'));
    }
  }, 300_000);
});
