// The world every security matrix runs in: agencies A, B and C, each with a system and a
// service; users for every role with personal API tokens; and helpers to make fresh objects so
// every allowed write in a matrix has something of its own to change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsolePlatform, type ConsolePlatform } from './console-platform.js';
import type { TestPlatformOptions } from '../helpers/platform.js';
import { loginOverApi } from '../helpers/two-step.js';
import 'reflect-metadata';
import crypto from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** An information system's certificate request (its key stays here), made once. */
let csrPem: Promise<string> | null = null;
export const csr = (): Promise<string> => (csrPem ??= (async () => {
  const keys = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=app', keys: keys as never, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })).toString('pem');
})());

export type Who = 'anon' | 'platform' | 'agencyA' | 'agencyB' | 'auditor';
export const WHO: Who[] = ['anon', 'platform', 'agencyA', 'agencyB', 'auditor'];

export interface Res { status: number; body: any }

export interface World {
  cp: ConsolePlatform;
  bearer: Record<Who, string | null>;
  call(who: Who, method: string, path: string, body?: unknown): Promise<Res>;
  /** As the platform admin token; fails the test on an error status. */
  admin(method: string, path: string, body?: unknown): Promise<any>;
  fresh(prefix: string): string;
}

/** The password of every user of the world. */
export const WORLD_PASSWORD = 'Mật khẩu thử nghiệm 1';
const PASSWORD = WORLD_PASSWORD;

export async function createWorld(opts: TestPlatformOptions = {}): Promise<World> {
  const cp = await startConsolePlatform(opts);
  let n = 0;
  const raw = async (token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res & { headers: Headers }> => {
    const res = await fetch(cp.url + '/api/v1' + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* keep text */ }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const r = await raw(cp.adminToken, method, path, body);
    if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  for (const m of ['A', 'B', 'C']) {
    await admin('POST', '/members', { memberClass: 'GOV', memberCode: m, name: `Cơ quan ${m}` });
    await admin('POST', '/subsystems', { id: `GOV/${m}/app` });
    await admin('POST', '/services', { id: `GOV/${m}/app/svc`, url: 'http://127.0.0.1:9/api' });
    // A credential per agency, so a list that leaks another agency's keys shows it.
    await admin('POST', '/keys', { subsystem: `GOV/${m}/app`, label: `world ${m}` });
    await admin('POST', '/client-certificates', { subsystem: `GOV/${m}/app`, csr: await csr(), label: `world ${m}` });
  }
  // Rights between agencies: A provides to B (both see it), C to itself (only C sees it).
  await admin('POST', '/access-rights', { service: 'GOV/A/app/svc', client: 'GOV/B/app' });
  await admin('POST', '/access-rights', { service: 'GOV/C/app/svc', client: 'GOV/C/app' });
  const users: [Who, string, string, string | null][] = [['agencyA', 'a-admin', 'agency_admin', 'GOV/A'], ['agencyB', 'b-admin', 'agency_admin', 'GOV/B'], ['auditor', 'auditor', 'auditor', null]];
  const bearer: Record<Who, string | null> = { anon: null, platform: cp.adminToken, agencyA: null, agencyB: null, auditor: null };
  for (const [who, username, role, memberId] of users) {
    await admin('POST', '/users', { username, role, memberId, password: PASSWORD });
    // Agency admins set up two-step verification at their first login (issue 14).
    const login = await loginOverApi(cp.url, username, PASSWORD);
    expect(login.body.stage).toBe('full');
    const tok = await raw(null, 'POST', '/tokens', { label: 'matrix' }, { cookie: login.cookie, 'x-csrf-token': login.csrf });
    expect(tok.status).toBe(201);
    bearer[who] = tok.body.token;
  }
  return {
    cp, bearer, admin,
    call: (who, method, path, body) => raw(bearer[who], method, path, body),
    fresh: (prefix) => `${prefix}${++n}`,
  };
}

/** One row of a matrix: a route, how to build a request for one cell, and the status each role must get. */
export interface Case {
  name: string;
  /** Builds the request for one cell (may first create the object it acts on, as the platform admin). */
  req(w: World, who: Who): Promise<{ method: string; path: string; body?: unknown }>;
  expect: Record<Who, number>;
  /** What an allowed caller must (and must not) find in the answer, beyond its status. */
  sees?(body: any, who: Who): void;
}

/** Statuses for the common shapes: `ok` for the allowed roles, 403 for the rest, 401 for anonymous. */
export const readAll = (ok = 200): Record<Who, number> => ({ anon: 401, platform: ok, agencyA: ok, agencyB: ok, auditor: ok });
export const ownWrite = (ok: number): Record<Who, number> => ({ anon: 401, platform: ok, agencyA: ok, agencyB: 403, auditor: 403 });
export const ownRead = (ok = 200): Record<Who, number> => ({ anon: 401, platform: ok, agencyA: ok, agencyB: 403, auditor: ok });
export const adminOnly = (ok: number): Record<Who, number> => ({ anon: 401, platform: ok, agencyA: 403, agencyB: 403, auditor: 403 });

/** The member ("CLASS/CODE") of a subsystem or service id. */
const memberOfId = (id: string) => id.split('/').slice(0, 2).join('/');

/**
 * For a list whose rows belong to members through `owners(row)`: agency admins see exactly the
 * rows one of whose owners is their member (and at least one), platform admins and auditors
 * see rows of every agency of the world.
 */
export const scopedList = (owners: (row: any) => string[]) => (body: { items: any[] }, who: Who): void => {
  const seen = body.items.map((r) => owners(r).map(memberOfId));
  if (who === 'agencyA' || who === 'agencyB') {
    const mine = who === 'agencyA' ? 'GOV/A' : 'GOV/B';
    expect(seen.length, `${who} sees none of its own rows`).toBeGreaterThan(0);
    expect(seen.filter((o) => !o.includes(mine)), `${who} sees rows of other agencies`).toEqual([]);
  } else {
    for (const m of ['GOV/A', 'GOV/B', 'GOV/C']) expect(seen.some((o) => o.includes(m)), `${who} misses ${m}'s rows`).toBe(true);
  }
};

/** Runs every route × role cell; agency A owns the objects, agency B is the other agency. */
export function matrix(title: string, cases: Case[], setup?: (w: World) => Promise<void>, opts: TestPlatformOptions = {}): void {
  describe(title, () => {
    let w: World;
    beforeAll(async () => { w = await createWorld(opts); if (setup) await setup(w); });
    afterAll(async () => { await w?.cp.stop(); });
    for (const c of cases) {
      it.each(WHO)(`${c.name} as %s`, async (who) => {
        const r = await c.req(w, who);
        const res = await w.call(who, r.method, r.path, r.body);
        expect({ status: res.status, body: res.status >= 400 ? res.body?.code : undefined }).toMatchObject({ status: c.expect[who] });
        if (res.status >= 400) expect(res.body).toMatchObject({ status: res.status, code: expect.any(String) });
        else c.sees?.(res.body, who);
      });
    }
  });
}
