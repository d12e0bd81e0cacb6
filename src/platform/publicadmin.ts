// Registers the publicadmin wing on every start: reference data seeded, its backend started on
// loopback, and its four services published under the operator's member like any agency's,
// reachable only through the gateway (the backend checks a shared secret the gateway adds).
import type { BackendAuthSpec } from '../backend-auth/index.js';
// The services' URL names no node: each node's gateway calls its own wing (local-backends.ts).
import * as reg from '../registry/index.js';
import { parseMemberId } from '../core/ids.js';
import {
  PUBLICADMIN_SUBSYSTEM, PUBLICADMIN_SERVICES, startPublicAdminBackend, seedPublicAdmin,
} from '../publicadmin/index.js';

const SECRET_HEADER = 'X-Vamco-Backend-Secret';
const sameHeader = (spec: BackendAuthSpec | null, secret: string) =>
  spec?.scheme === 'static' && spec.headers.length === 1 && spec.headers[0].name === SECRET_HEADER && spec.headers[0].value === secret;
const actor = { actor: 'system:publicadmin' };

export const PUBLICADMIN_LOCAL_HOST = `publicadmin.${reg.LOCAL_BACKEND_DOMAIN}`;

export interface PublicAdminWing {
  close(): Promise<void>;
  /** The backend's address; `moved`: VAMCO_PUBLICADMIN_PORT was taken and it listens elsewhere. */
  url: string;
  moved: boolean;
}

/**
 * Starts this node's publicadmin backend on loopback. Needs no database (a start without it
 * starts the backend too, answering 503 STORE_UNAVAILABLE while `unavailable` says why), so the
 * services resolve to it from the first snapshot on; registerPublicAdmin publishes them.
 */
export async function startPublicAdminWing(ctx: reg.RegistryCtx, unavailable?: () => string | null): Promise<PublicAdminWing> {
  const { store, config } = ctx;
  const sharedSecret = await backendSecret(ctx);
  let backend;
  let moved = false;
  try {
    backend = await startPublicAdminBackend({ store, config, sharedSecret, unavailable, port: config.publicAdminPort });
  } catch {
    backend = await startPublicAdminBackend({ store, config, sharedSecret, unavailable, port: 0 }); // fixed port taken
    moved = config.publicAdminPort !== 0;
  }
  return { close: () => backend.close(), url: backend.url, moved };
}

// Derived from the secret key file, so the database does not hold it (it changes with a key rotation).
const backendSecret = async (ctx: reg.RegistryCtx) => (await ctx.store.keyring()).derive('vamco/publicadmin-backend').toString('base64url');

/** Reference data seeded and the four services published under the operator's member (needs the database). */
export async function registerPublicAdmin(ctx: reg.RegistryCtx): Promise<void> {
  const { store, config } = ctx;
  await seedPublicAdmin(store, { demo: config.demo, unitsFile: config.unitsFile });
  const secret = await backendSecret(ctx);
  const op = parseMemberId(config.operatorMember);
  const memberId = `${op.memberClass}/${op.memberCode}`;
  if (!(await reg.listMembers(ctx)).some((m) => m.id === memberId)) {
    await reg.addMember(ctx, { memberClass: op.memberClass, memberCode: op.memberCode, name: config.operatorName }, actor);
  }
  const subsystem = `${memberId}/${PUBLICADMIN_SUBSYSTEM}`;
  if (!(await reg.listSubsystems(ctx, { member: memberId })).some((s) => s.id === subsystem)) {
    await reg.addSubsystem(ctx, { id: subsystem, name: 'Khung CSDL hành chính công' }, actor);
  }
  const existing = new Map((await reg.listServices(ctx, { provider: subsystem })).map((s) => [s.serviceCode, s]));
  for (const s of PUBLICADMIN_SERVICES) {
    const id = `${subsystem}/${s.code}`;
    const url = `${reg.localBackendUrl('publicadmin')}/${s.code}`;
    const input = { url, openapi: s.openapi, backendAuth: { header: SECRET_HEADER, value: secret } };
    const have = existing.get(s.code);
    if (!have) await reg.addService(ctx, { id, ...input }, actor, { trustedBackend: true });
    else if (have.url !== url || JSON.stringify(await reg.getServiceOpenApi(ctx, id)) !== JSON.stringify(s.openapi)
      || !sameHeader(await reg.getBackendAuth(ctx, id), secret)) {
      await reg.updateService(ctx, id, input, actor, { trustedBackend: true });
    }
  }
}
