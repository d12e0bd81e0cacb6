// The registration most exchange tests start from, through the admin API as an operator does it:
// members, subsystems, one service of the provider and the client's right on it, the client's key.
import { expect } from 'vitest';
import type { TestPlatform } from './platform.js';

export interface Pair { provider: string; client: string; service: string; url: string; memberName?: string; openapi?: unknown }

/** Registers a provider and a client subsystem (and their members), the service, the right; returns the client's API key. */
export async function registerPair(p: TestPlatform, o: Pair): Promise<string> {
  const api = (method: string, url: string, body?: unknown) => p.admin(method, '/api/v1' + url, body);
  const members = new Set([o.provider, o.client].map((id) => id.split('/').slice(0, 2).join('/')));
  for (const m of members) {
    const [memberClass, memberCode] = m.split('/');
    expect((await api('POST', '/members', { memberClass, memberCode, name: o.memberName ?? 'Cơ quan thử' })).status).toBe(201);
  }
  for (const id of [o.provider, o.client]) expect((await api('POST', '/subsystems', { id })).status).toBe(201);
  expect((await api('POST', '/services', { id: `${o.provider}/${o.service}`, url: o.url, ...(o.openapi ? { openapi: o.openapi } : {}) })).status).toBe(201);
  expect((await api('POST', '/access-rights', { service: `${o.provider}/${o.service}`, client: o.client })).status).toBe(201);
  const key = (await api('POST', '/keys', { subsystem: o.client })).body.key as string;
  await p.snapshots.poll();
  return key;
}
