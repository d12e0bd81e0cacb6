// Directory exchange in worker mode (issue 17, item 4; VAMCO_WORKERS=2): the primary process
// fetches a peer's signed directory into the data dir and every gateway worker answers
// listClients and listMethods for the peer from that copy (checked against the pinned key).
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../src/store/testing.js';
import { runCli, startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { startVamco, childPids, type VamcoProcess } from './helpers/vamco-process.js';
import { until } from './helpers/wait.js';

const PROV = 'GOV/000.00.00.B01/hotich';

describe('peer directories in worker mode', () => {
  let b: TestPlatform | undefined;
  let v: VamcoProcess | undefined;
  const dir = tempDir('vamco-fed-workers-');
  afterAll(async () => {
    if (v && v.child.exitCode === null && v.child.signalCode === null) { v.child.kill('SIGTERM'); await v.exited; }
    await b?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every worker answers listClients of the peer from the directory the primary fetched', async () => {
    b = await startTestPlatform({ env: { VAMCO_INSTANCE: 'VN-B', VAMCO_DIRECTORY_PUBLISH: '1' } });
    const api = (m: string, u: string, body?: unknown) => b!.admin(m, '/api/v1' + u, body);
    expect((await api('POST', '/members', { memberClass: 'GOV', memberCode: '000.00.00.B01', name: 'Tỉnh B' })).status).toBe(201);
    expect((await api('POST', '/subsystems', { id: PROV })).status).toBe(201);
    expect((await api('POST', '/services', { id: `${PROV}/records`, url: 'http://127.0.0.1:9/records' })).status).toBe(201);
    await b.snapshots.poll();

    // A: its own data dir, B added as a peer with the CLI (B's CA and node key), then started with two workers.
    const aDir = path.join(dir, 'a');
    const env = { VAMCO_DATA_DIR: aDir, VAMCO_INSTANCE: 'VN-A' };
    fs.writeFileSync(path.join(dir, 'b-ca.pem'), (await b.cli(['ca', 'export'])).stdout);
    fs.writeFileSync(path.join(dir, 'b-node.pub'), b.nodeKey.publicKeyPem);
    const added = await runCli(['peer', 'add', 'VN-B', '--url', b.gatewayTlsUrl!, '--ca', path.join(dir, 'b-ca.pem'), '--directory-key', path.join(dir, 'b-node.pub')], env);
    expect(added.code, added.stderr).toBe(0);
    v = await startVamco(aDir, { ...env, VAMCO_WORKERS: '2', VAMCO_DIRECTORY_FETCH_INTERVAL: '300ms' });
    expect(childPids(v.child.pid!)).toHaveLength(2);

    const subsystems = async () => {
      // A new connection each time: the workers take connections in turn.
      const res = await request(`${v!.gatewayUrl}/listClients?xRoadInstance=VN-B`, { headers: { accept: 'application/json', connection: 'close' } });
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as { member: Array<{ id: { xroad_instance: string; subsystem_code?: string } }> };
      return body.member.filter((m) => m.id.subsystem_code).map((m) => `${m.id.xroad_instance}/${m.id.subsystem_code}`);
    };
    await until('the primary to fetch B\'s directory', async () => (fs.existsSync(path.join(aDir, 'federation', 'directories', 'VN-B.json')) ? true : undefined), 120_000);
    // Every answer, from either worker, lists B's subsystem.
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await subsystems());
    expect(answers).toEqual(Array.from({ length: 8 }, () => ['VN-B/hotich']));
  }, 300_000);
});
