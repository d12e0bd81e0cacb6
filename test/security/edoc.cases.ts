// The document hub's console routes (issue 9): every role reads; an agency admin only sees the
// documents its member sent or received — here A sends to C, so B (the other agency admin) gets
// 404 for the journey and finds the document in no list.
import { expect } from 'vitest';
import { buildEdoc, vnDate } from '../../src/edoc/index.js';
import { readAll, type Case, type Who, type World } from './world.js';

let docId = '';

/** A document from agency A to agency C, accepted by the hub as A's document endpoint would send it. */
export async function edocSetup(w: World): Promise<void> {
  const hub = w.cp.platform.edoc.hub;
  await hub.setEndpoint('GOV/A/app', 'test');
  await hub.setEndpoint('GOV/C/app', 'test');
  const xml = buildEdoc({ from: { organId: 'A' }, to: [{ organId: 'C' }], codeNumber: '7', codeNotation: 'UBND-VP', promulgationDate: vnDate(), subject: 'Ma trận quyền' });
  docId = (await hub.accept({ organ: 'A', client: `${w.cp.platform.instance}/GOV/A/app` }, xml)).docId;
}

const seesDoc = (who: Who) => who !== 'agencyB';

export const edocCases: Case[] = [
  { name: 'GET /edoc/traffic', req: async () => ({ method: 'GET', path: '/edoc/traffic' }), expect: readAll(),
    sees: (body, who) => expect(body.traffic.map((r: { organ: string }) => r.organ).includes('A')).toBe(seesDoc(who)) },
  { name: 'GET /edoc/documents', req: async () => ({ method: 'GET', path: '/edoc/documents' }), expect: readAll(),
    sees: (body, who) => expect(body.items.map((d: { docId: string }) => d.docId).includes(docId)).toBe(seesDoc(who)) },
  { name: 'GET /edoc/documents/{docId} (A sends to C)', req: async () => ({ method: 'GET', path: `/edoc/documents/${encodeURIComponent(docId)}` }),
    expect: { anon: 401, platform: 200, agencyA: 200, agencyB: 404, auditor: 200 } },
];
