// Members, subsystems, services, endpoints, access rights and keys: every route × role × own/other agency.
import { expect } from 'vitest';
import { adminOnly, csr, ownWrite, readAll, scopedList, type Case, type Who } from './world.js';
import { makeCa } from '../helpers/tls.js';

// A client certificate for the backend-cert cells (the route checks it is a real pair).
const backendCert = makeCa('Route matrix CA').issue('gateway', { client: true });

// The catalogue (issue 14): every role browses every agency's services, but how a system reaches
// its backend (address, credential, CA bundle, client certificate) only platform admins, auditors
// and the owning agency's admins see: the other agency's rows come without those fields at all.
const BACKEND = '127.0.0.1:9';
const mayAccess = (who: Who, memberId: string) => who === 'platform' || who === 'auditor' || memberId === (who === 'agencyA' ? 'GOV/A' : 'GOV/B');
const catalogue = (fields: string[]) => (body: any, who: Who): void => {
  const rows: any[] = body.items ?? [body];
  if (body.items) for (const m of ['GOV/A', 'GOV/B', 'GOV/C']) expect(rows.some((r) => r.memberId === m), `${who} misses ${m}'s rows`).toBe(true);
  for (const r of rows) {
    const allowed = mayAccess(who, r.memberId);
    for (const f of fields) expect(f in r, `${who} ${allowed ? 'misses' : 'sees'} ${f} of ${r.id}`).toBe(allowed);
    if (!allowed) expect(JSON.stringify(r)).not.toContain(BACKEND);
  }
};

export const registryCases: Case[] = [
  { name: 'GET /members', req: async () => ({ method: 'GET', path: '/members' }), expect: readAll() },
  { name: 'POST /members', req: async (w) => ({ method: 'POST', path: '/members', body: { memberClass: 'GOV', memberCode: w.fresh('M'), name: 'x' } }), expect: adminOnly(201) },
  { name: 'GET /members/{id}', req: async () => ({ method: 'GET', path: '/members/GOV:A' }), expect: readAll() },
  { name: 'PATCH /members/{id}', req: async () => ({ method: 'PATCH', path: '/members/GOV:A', body: { name: 'Agency A' } }), expect: adminOnly(200) },
  { name: 'DELETE /members/{id}', req: async (w) => { const c = w.fresh('D'); await w.admin('POST', '/members', { memberClass: 'GOV', memberCode: c, name: 'x' }); return { method: 'DELETE', path: `/members/GOV:${c}` }; }, expect: adminOnly(204) },
  { name: 'GET /subsystems', req: async () => ({ method: 'GET', path: '/subsystems' }), expect: readAll(), sees: catalogue(['backendCert', 'backendAuth']) },
  { name: 'POST /subsystems (own agency)', req: async (w) => ({ method: 'POST', path: '/subsystems', body: { id: `GOV/A/${w.fresh('s')}` } }), expect: ownWrite(201) },
  { name: 'PATCH /subsystems/{id}', req: async () => ({ method: 'PATCH', path: '/subsystems/GOV:A:app', body: { name: 'Hệ thống A' } }), expect: ownWrite(200) },
  { name: 'PUT /subsystems/{id}/backend-cert', req: async () => ({ method: 'PUT', path: '/subsystems/GOV:A:app/backend-cert', body: backendCert }), expect: ownWrite(200) },
  { name: 'PUT /subsystems/{id}/backend-auth', req: async () => ({ method: 'PUT', path: '/subsystems/GOV:A:app/backend-auth', body: { scheme: 'inherit' } }), expect: ownWrite(200) },
  { name: 'DELETE /subsystems/{id}/backend-cert', req: async () => ({ method: 'DELETE', path: '/subsystems/GOV:A:app/backend-cert' }), expect: ownWrite(204) },
  { name: 'DELETE /subsystems/{id}', req: async (w) => { const id = `GOV/A/${w.fresh('d')}`; await w.admin('POST', '/subsystems', { id }); return { method: 'DELETE', path: `/subsystems/${id.replace(/\//g, ':')}` }; }, expect: ownWrite(204) },
  { name: 'GET /services', req: async () => ({ method: 'GET', path: '/services' }), expect: readAll(), sees: catalogue(['url', 'backendAuth', 'backendCa']) },
  { name: 'POST /services', req: async (w) => ({ method: 'POST', path: '/services', body: { id: `GOV/A/app/${w.fresh('v')}`, url: 'http://127.0.0.1:9/x' } }), expect: ownWrite(201) },
  { name: 'GET /services/{id}', req: async () => ({ method: 'GET', path: '/services/GOV:A:app:svc' }), expect: readAll(), sees: catalogue(['url', 'backendAuth', 'backendCa']) },
  // A document's `servers` may name the backend: other agencies get its path only.
  { name: 'GET /services/{id}/openapi', req: async (w) => { const id = `GOV/A/app/${w.fresh('o')}`; await w.admin('POST', '/services', { id, url: 'http://127.0.0.1:9/x', openapi: { openapi: '3.0.3', info: { title: 'x', version: '1' }, servers: [{ url: `http://${BACKEND}/v1` }], paths: { '/a': { get: {} } } } }); return { method: 'GET', path: `/services/${id.replace(/\//g, ':')}/openapi` }; }, expect: readAll(),
    sees: (doc, who) => { expect(Object.keys(doc.paths)).toEqual(['/a']); expect(doc.servers[0].url).toBe(mayAccess(who, 'GOV/A') ? `http://${BACKEND}/v1` : '/v1'); } },
  { name: 'PATCH /services/{id}', req: async () => ({ method: 'PATCH', path: '/services/GOV:A:app:svc', body: { rateLimit: '100/s' } }), expect: ownWrite(200) },
  { name: 'DELETE /services/{id}', req: async (w) => { const id = `GOV/A/app/${w.fresh('x')}`; await w.admin('POST', '/services', { id, url: 'http://127.0.0.1:9/x' }); return { method: 'DELETE', path: `/services/${id.replace(/\//g, ':')}` }; }, expect: ownWrite(204) },
  { name: 'POST /services/{id}/endpoints', req: async (w) => ({ method: 'POST', path: '/services/GOV:A:app:svc/endpoints', body: { method: 'GET', path: `/${w.fresh('e')}` } }), expect: ownWrite(201) },
  { name: 'DELETE /services/{id}/endpoints/{endpointId}', req: async (w) => { const e = await w.admin('POST', '/services/GOV:A:app:svc/endpoints', { method: 'GET', path: `/${w.fresh('de')}` }); return { method: 'DELETE', path: `/services/GOV:A:app:svc/endpoints/${e.id}` }; }, expect: ownWrite(204) },
  // Agency admins see the rights their agency provides or holds, nobody else's.
  { name: 'GET /access-rights', req: async () => ({ method: 'GET', path: '/access-rights' }), expect: readAll(), sees: scopedList((r) => [r.serviceId, r.clientId]) },
  { name: 'POST /access-rights (on own service)', req: async (w) => { const client = `GOV/B/${w.fresh('c')}`; await w.admin('POST', '/subsystems', { id: client }); return { method: 'POST', path: '/access-rights', body: { service: 'GOV/A/app/svc', client } }; }, expect: ownWrite(201) },
  { name: 'DELETE /access-rights/{id}', req: async (w) => { const client = `GOV/B/${w.fresh('r')}`; await w.admin('POST', '/subsystems', { id: client }); const g = await w.admin('POST', '/access-rights', { service: 'GOV/A/app/svc', client }); return { method: 'DELETE', path: `/access-rights/${g.id}` }; }, expect: ownWrite(204) },
  // Rights of clients of peer instances (issue 17): numbered apart, revoked by the service's agency.
  { name: 'DELETE /access-rights/foreign/{id}', req: async (w) => { const g = await w.admin('POST', '/access-rights', { service: 'GOV/A/app/svc', client: `VN-O/GOV/B/${w.fresh('f')}` }); return { method: 'DELETE', path: `/access-rights/foreign/${g.id}` }; }, expect: ownWrite(204) },
  // Agency admins see their own agency's keys only.
  { name: 'GET /keys', req: async () => ({ method: 'GET', path: '/keys' }), expect: readAll(), sees: scopedList((k) => [k.subsystemId]) },
  { name: 'POST /keys', req: async () => ({ method: 'POST', path: '/keys', body: { subsystem: 'GOV/A/app' } }), expect: ownWrite(201) },
  // TLS client certificates (issue 8): like keys, scoped to the agency; issued here from a CSR.
  { name: 'GET /client-certificates', req: async () => ({ method: 'GET', path: '/client-certificates' }), expect: readAll(), sees: scopedList((c) => [c.subsystemId]) },
  { name: 'POST /client-certificates', req: async () => ({ method: 'POST', path: '/client-certificates', body: { subsystem: 'GOV/A/app', csr: await csr() } }), expect: ownWrite(201) },
  { name: 'GET /ca-certificate', req: async () => ({ method: 'GET', path: '/ca-certificate' }), expect: readAll(), sees: (pem) => expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----/) },
  { name: 'DELETE /client-certificates/{id}', req: async (w) => { const c = await w.admin('POST', '/client-certificates', { subsystem: 'GOV/A/app', csr: await csr() }); return { method: 'DELETE', path: `/client-certificates/${c.id}` }; }, expect: ownWrite(200) },
  // Peers and outbound rules (issue 17): readable by every role; an agency admin sees its own clients' rules only.
  { name: 'GET /peers', req: async () => ({ method: 'GET', path: '/peers' }), expect: readAll() },
  { name: 'GET /foreign-services', req: async () => ({ method: 'GET', path: '/foreign-services' }), expect: readAll() },
  { name: 'GET /outbound-rules', req: async () => ({ method: 'GET', path: '/outbound-rules' }), expect: readAll() },
  // Writes are the platform administrators' (the platform CA issues the certificate towards the peer).
  { name: 'POST /peers', req: async (w) => ({ method: 'POST', path: '/peers', body: { instance: w.fresh('VN-P'), url: 'https://127.0.0.1:9', fingerprint: 'ab'.repeat(32), directoryKeyOnFirstUse: true } }), expect: adminOnly(201) },
  { name: 'PATCH /peers/{instance}', req: async (w) => { const i = w.fresh('VN-W'); await w.admin('POST', '/peers', { instance: i, url: 'https://127.0.0.1:9', fingerprint: 'cd'.repeat(32) }); return { method: 'PATCH', path: `/peers/${i}`, body: { trusted: false } }; }, expect: adminOnly(200) },
  { name: 'PUT /peers/{instance}/directory-key', req: async (w) => { const i = w.fresh('VN-K'); await w.admin('POST', '/peers', { instance: i, url: 'https://127.0.0.1:9', fingerprint: 'ab'.repeat(32) }); return { method: 'PUT', path: `/peers/${i}/directory-key`, body: { onFirstUse: true } }; }, expect: adminOnly(200) },
  { name: 'DELETE /peers/{instance}', req: async (w) => { const i = w.fresh('VN-R'); await w.admin('POST', '/peers', { instance: i, url: 'https://127.0.0.1:9', fingerprint: 'ef'.repeat(32) }); return { method: 'DELETE', path: `/peers/${i}` }; }, expect: adminOnly(204) },
  { name: 'POST /outbound-rules', req: async (w) => ({ method: 'POST', path: '/outbound-rules', body: { service: `VN-O/GOV/B/app/${w.fresh('s')}`, client: 'GOV/A/app' } }), expect: adminOnly(201) },
  { name: 'DELETE /outbound-rules/{id}', req: async (w) => { const r = await w.admin('POST', '/outbound-rules', { service: `VN-O/GOV/B/app/${w.fresh('d')}`, client: 'GOV/A/app' }); return { method: 'DELETE', path: `/outbound-rules/${r.id}` }; }, expect: adminOnly(204) },
  { name: 'DELETE /keys/{id}', req: async (w) => { const k = await w.admin('POST', '/keys', { subsystem: 'GOV/A/app' }); return { method: 'DELETE', path: `/keys/${k.id}` }; }, expect: ownWrite(200) },
];

