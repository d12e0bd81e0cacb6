// First-run demo: two agencies, a provider service on the built-in backend, a consumer with
// access and an API key. The key is kept in {dataDir}/demo-key so every start can print a
// ready-to-paste curl (it is a demo credential; --no-demo skips all of this).
import fs from 'node:fs';
import path from 'node:path';
import * as reg from '../registry/index.js';
import type { RegistryCtx } from '../registry/index.js';

export const DEMO = {
  provider: { memberClass: 'GOV', memberCode: '000.00.00.H59', name: 'Sở Tư pháp (demo)' },
  consumer: { memberClass: 'GOV', memberCode: '000.00.00.H60', name: 'Văn phòng UBND tỉnh (demo)' },
  providerSubsystem: 'GOV/000.00.00.H59/hotich',
  consumerSubsystem: 'GOV/000.00.00.H60/motcua',
  service: 'GOV/000.00.00.H59/hotich/khaisinh',
};

const actor = { actor: 'system:demo' };

export const DEMO_LOCAL_HOST = `demo.${reg.LOCAL_BACKEND_DOMAIN}`;

/**
 * Registers the demo on a platform's first start. `created`: the key is new, so the banner may
 * show it once; later starts point at the file that holds it instead. Its URL names no node:
 * every node's gateway calls its own demo backend (local-backends.ts), so no start re-points it.
 */
export async function ensureDemo(ctx: RegistryCtx): Promise<{ key: string; created: boolean; keyFile: string } | null> {
  const backendUrl = reg.localBackendUrl('demo');
  const keyFile = path.join(ctx.config.dataDir, 'demo-key');
  const members = await reg.listMembers(ctx);
  if (members.length === 0) {
    await reg.addMember(ctx, DEMO.provider, actor);
    await reg.addMember(ctx, DEMO.consumer, actor);
    await reg.addSubsystem(ctx, { id: DEMO.providerSubsystem, name: 'Hộ tịch' }, actor);
    await reg.addSubsystem(ctx, { id: DEMO.consumerSubsystem, name: 'Một cửa điện tử' }, actor);
    await reg.addService(ctx, { id: DEMO.service, url: backendUrl, timeout: '10s' }, actor, { trustedBackend: true });
    await reg.grantAccess(ctx, { service: DEMO.service, client: DEMO.consumerSubsystem }, actor);
    const k = await reg.createKey(ctx, { subsystem: DEMO.consumerSubsystem, label: 'demo' }, actor);
    fs.writeFileSync(keyFile, k.key + '\n', { mode: 0o600 });
    return { key: k.key, created: true, keyFile };
  }
  const svc = await reg.getService(ctx, DEMO.service).catch(() => null);
  if (!svc) return null;
  if (svc.url !== backendUrl) await reg.updateService(ctx, DEMO.service, { url: backendUrl }, actor, { trustedBackend: true });
  return fs.existsSync(keyFile) ? { key: fs.readFileSync(keyFile, 'utf8').trim(), created: false, keyFile } : null;
}
