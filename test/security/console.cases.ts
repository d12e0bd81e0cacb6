// Users, tokens, access requests, dashboard and the message log: every route × role × own/other agency.
import { expect } from 'vitest';
import { adminOnly, ownRead, ownWrite, readAll, WORLD_PASSWORD, type Case, type World } from './world.js';

/** A pending request from `client` for `service`, made as the platform admin. */
async function request(w: World, service: string, clientMember: string): Promise<number> {
  const client = `${clientMember}/${w.fresh('q')}`;
  await w.admin('POST', '/subsystems', { id: client });
  return (await w.admin('POST', '/access-requests', { service, client, reason: 'kiểm thử ma trận' })).id;
}

/** A personal API token of the user `auditor`, minted as tokens are: from a console session. */
async function auditorToken(w: World): Promise<number> {
  const login = await fetch(`${w.cp.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'auditor', password: WORLD_PASSWORD }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const made = await fetch(`${w.cp.url}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify({ label: w.fresh('t') }) });
  expect(made.status).toBe(201);
  return ((await made.json()) as { id: number }).id;
}

const auditors = { anon: 401, platform: 200, agencyA: 403, agencyB: 403, auditor: 200 };

let message: { nodeId: string; seq: number } | null = null;

export const consoleCases: Case[] = [
  { name: 'GET /users', req: async () => ({ method: 'GET', path: '/users' }), expect: adminOnly(200) },
  { name: 'POST /users', req: async (w) => ({ method: 'POST', path: '/users', body: { username: w.fresh('u'), role: 'auditor' } }), expect: adminOnly(201) },
  { name: 'GET /users/{username}', req: async () => ({ method: 'GET', path: '/users/auditor' }), expect: adminOnly(200) },
  { name: 'PATCH /users/{username}', req: async (w) => { const u = w.fresh('p'); await w.admin('POST', '/users', { username: u, role: 'auditor' }); return { method: 'PATCH', path: `/users/${u}`, body: { displayName: 'Đổi tên' } }; }, expect: adminOnly(200) },
  { name: 'POST /users/{username}/reset-password', req: async (w) => { const u = w.fresh('r'); await w.admin('POST', '/users', { username: u, role: 'auditor' }); return { method: 'POST', path: `/users/${u}/reset-password` }; }, expect: adminOnly(200) },
  { name: 'POST /users/{username}/reset-totp', req: async () => ({ method: 'POST', path: '/users/auditor/reset-totp' }), expect: adminOnly(200) },
  { name: 'POST /users/{username}/unlock', req: async () => ({ method: 'POST', path: '/users/auditor/unlock' }), expect: adminOnly(200) },
  // The bearer admin token is no user account: it has no personal tokens.
  { name: 'GET /tokens', req: async () => ({ method: 'GET', path: '/tokens' }), expect: { anon: 401, platform: 403, agencyA: 200, agencyB: 200, auditor: 200 } },
  // The matrix calls with API tokens: tokens cannot mint tokens (only a console session can).
  { name: 'POST /tokens', req: async () => ({ method: 'POST', path: '/tokens', body: { label: 'x' } }), expect: { anon: 401, platform: 403, agencyA: 403, agencyB: 403, auditor: 403 } },
  // Only its owner (here the auditor) and platform admins' accounts end a token; to anyone else it does not exist.
  { name: 'DELETE /tokens/{id}', req: async (w) => ({ method: 'DELETE', path: `/tokens/${await auditorToken(w)}` }), expect: { anon: 401, platform: 403, agencyA: 404, agencyB: 404, auditor: 204 } },
  { name: 'GET /auth/me', req: async () => ({ method: 'GET', path: '/auth/me' }), expect: readAll() },
  { name: 'GET /access-requests', req: async () => ({ method: 'GET', path: '/access-requests' }), expect: readAll() },
  { name: 'POST /access-requests (A asks B)', req: async (w) => { const client = `GOV/A/${w.fresh('k')}`; await w.admin('POST', '/subsystems', { id: client }); return { method: 'POST', path: '/access-requests', body: { service: 'GOV/C/app/svc', client, reason: 'cần tra cứu' } }; }, expect: ownWrite(201) },
  { name: 'GET /access-requests/{id} (A and C)', req: async (w) => ({ method: 'GET', path: `/access-requests/${await request(w, 'GOV/C/app/svc', 'GOV/A')}` }), expect: ownRead() },
  { name: 'POST /access-requests/{id}/approve (A provides)', req: async (w) => ({ method: 'POST', path: `/access-requests/${await request(w, 'GOV/A/app/svc', 'GOV/B')}/approve`, body: {} }), expect: ownWrite(200) },
  { name: 'POST /access-requests/{id}/reject (A provides)', req: async (w) => ({ method: 'POST', path: `/access-requests/${await request(w, 'GOV/A/app/svc', 'GOV/C')}/reject`, body: { note: 'không' } }), expect: ownWrite(200) },
  { name: 'POST /access-requests/{id}/withdraw (A asks)', req: async (w) => ({ method: 'POST', path: `/access-requests/${await request(w, 'GOV/B/app/svc', 'GOV/A')}/withdraw` }), expect: ownWrite(200) },
  { name: 'GET /dashboard', req: async () => ({ method: 'GET', path: '/dashboard?range=day' }), expect: readAll() },
  { name: 'GET /messages', req: async () => ({ method: 'GET', path: '/messages' }), expect: readAll() },
  { name: 'GET /messages/export', req: async () => ({ method: 'GET', path: '/messages/export?format=jsonl' }), expect: readAll() },
  { name: 'GET /messages/{nodeId}/{seq} (A calls A)', req: async () => ({ method: 'GET', path: `/messages/${encodeURIComponent(message!.nodeId)}/${message!.seq}` }), expect: ownRead() },
  // The whole log and the trail span every agency: platform admins and auditors only.
  { name: 'POST /audit/verify', req: async () => ({ method: 'POST', path: '/audit/verify' }), expect: auditors },
  { name: 'POST /audit/verify-report', req: async () => ({ method: 'POST', path: '/audit/verify-report' }), expect: auditors,
    sees: (r) => { expect(r).toMatchObject({ format: 'vamco-verify-report', result: { ok: true }, signature: expect.any(String) }); expect(r.keyFingerprint).toMatch(/^[0-9a-f]{64}$/); } },
  { name: 'GET /admin-trail', req: async () => ({ method: 'GET', path: '/admin-trail' }), expect: auditors },
  { name: 'GET /admin-trail/export', req: async () => ({ method: 'GET', path: '/admin-trail/export?format=csv' }), expect: auditors },
];

/** One logged exchange for the message cells. */
export async function consoleSetup(w: World): Promise<void> {
  // One exchange A → A (the backend is down, so it is logged as a 502) for the message cells.
  const key = await w.admin('POST', '/keys', { subsystem: 'GOV/A/app' });
  await w.admin('POST', '/access-rights', { service: 'GOV/A/app/svc', client: 'GOV/A/app' });
  const inst = w.cp.platform.instance;
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${w.cp.gatewayUrl}/r1/${inst}/GOV/A/app/svc/x`, { headers: { 'x-road-client': `${inst}/GOV/A/app`, 'x-api-key': key.key } });
    if (r.status !== 500) break; // Server.ServerProxy.AccessDenied until the grant is seen
    await new Promise((res) => setTimeout(res, 100));
  }
  await w.cp.platform.messageLog.flush(); // records reach the store from the node's journal
  const list = await w.admin('GET', '/messages?limit=1');
  message = list.items[0];
  expect(message).toBeTruthy();
}
