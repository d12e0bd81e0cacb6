import { Readable } from 'node:stream';
import { describe, it, expect } from 'vitest';
import pino from 'pino';
import type { Pool } from 'undici';
import type { SnapPeer } from '../registry/index.js';
import type { Upstreams } from './upstream.js';
import { xroadClientLists } from './xroad-metaservices.js';

const NAT = [{ id: { object_type: 'SUBSYSTEM', xroad_instance: 'NAT', member_class: 'GOV', member_code: 'MIN', subsystem_code: 'dancu' }, name: 'Bộ X', subsystem_name: 'Dân cư' }];

/** A security server stand-in: counts the questions, answers each once `release()` is called. */
function standIn() {
  const waiting: Array<() => void> = [];
  let asked = 0;
  const pool = {
    request: () => {
      asked++;
      return new Promise((resolve) => waiting.push(() => resolve({ statusCode: 200, headers: {}, body: Readable.from([Buffer.from(JSON.stringify({ member: NAT }))]) })));
    },
  } as unknown as Pool;
  const upstreams = { pool: () => pool, timeoutMs: () => 5000 } as unknown as Upstreams;
  return { upstreams, asked: () => asked, release: () => { for (const w of waiting.splice(0)) w(); } };
}

const peer = { id: -1, instance: 'NAT', type: 'xroad', xroadClient: 'NAT/GOV/AS', url: 'https://ss.example', services: new Map() } as unknown as SnapPeer;

describe('listClients of an X-Road instance', () => {
  it('asks the security server once for callers asking at the same time, and again for a later caller', async () => {
    const ss = standIn();
    const lists = xroadClientLists({ upstreams: ss.upstreams, logger: pino({ level: 'silent' }) });
    const burst = Array.from({ length: 20 }, () => lists(peer));
    await new Promise((r) => setImmediate(r));
    expect(ss.asked()).toBe(1);
    ss.release();
    for (const got of await Promise.all(burst)) expect(got).toEqual({ member: NAT });
    const later = lists(peer);
    await new Promise((r) => setImmediate(r));
    expect(ss.asked()).toBe(2);
    ss.release();
    expect(await later).toEqual({ member: NAT });
  });
});
