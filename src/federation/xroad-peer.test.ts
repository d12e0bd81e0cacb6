import { describe, it, expect } from 'vitest';
import { Readable } from 'node:stream';
import { asXroadRequest, xroadAnswerReference, xroadFault } from './xroad-peer.js';

const answer = (statusCode: number, headers: Record<string, string>, body: string) => ({ statusCode, headers, body: Readable.from([Buffer.from(body)]) });

describe('xroadFault (PR-REST 1.0.4 §4.6)', () => {
  it('is null for the provider\'s own answer (no X-Road-Error: category 1, passed as it is)', async () => {
    expect(await xroadFault(answer(500, { 'content-type': 'application/json' }, '{"type":"Server.X"}'), 'NAT')).toBeNull();
  });

  it('keeps the type, status, message and detail of a JSON fault', async () => {
    const e = (await xroadFault(answer(500, { 'x-road-error': 'Server.ServerProxy.AccessDenied', 'content-type': 'application/json;charset=utf-8' },
      '{"type":"Server.ServerProxy.AccessDenied","message":"Request is not allowed","detail":"d-1"}'), 'NAT'))!;
    expect([e.code, e.xroad, e.extra]).toEqual(['XROAD_FAULT', { type: 'Server.ServerProxy.AccessDenied', status: 500 }, { xroadDetail: 'd-1' }]);
    expect(e.message).toBe('The X-Road security server of NAT answered Server.ServerProxy.AccessDenied: Request is not allowed (its detail: d-1)');
  });

  it('reads the XML form, entities included, and the lower-case types X-Road 7.8 writes', async () => {
    const e = (await xroadFault(answer(400, { 'x-road-error': 'client.bad_request', 'content-type': 'text/xml;charset=utf-8' },
      '<?xml version="1.0"?><error><type>client.bad_request</type><message>a &lt; b &amp; c</message><detail>d-2</detail></error>'), 'NAT'))!;
    expect(e.xroad).toEqual({ type: 'client.bad_request', status: 400 });
    expect(e.message).toContain(': a < b & c (its detail: d-2)');
  });

  it('takes the header\'s type when the body cannot be read, and a status by the type when the status is not X-Road\'s', async () => {
    const e = (await xroadFault(answer(502, { 'x-road-error': 'Client.BadRequest' }, '<html>proxy error</html>'), 'NAT'))!;
    expect(e.xroad).toEqual({ type: 'Client.BadRequest', status: 400 });
    // A type that is no fault type (markup, spaces) is not taken over.
    const f = (await xroadFault(answer(500, { 'x-road-error': '<b>x</b>' }, '{"type":"not a type"}'), 'NAT'))!;
    expect(f.xroad!.type).toBe('Server.ServerProxy.ServiceFailed');
  });
});

describe('asXroadRequest (PR-REST 1.0.4 §4.3)', () => {
  it('sets this platform\'s client there and leaves out what the security servers set', () => {
    const h: Record<string, string> = { 'x-road-client': 'VN-A/GOV/M/S', 'x-road-id': 'm', 'x-road-service': 'S', 'x-road-request-id': 'r', 'x-road-request-hash': 'h', 'x-vamco-receipt': 'v1', 'x-road-userid': 'u', accept: 'a' };
    asXroadRequest(h, 'NAT/GOV/P/S');
    expect(h).toEqual({ 'x-road-client': 'NAT/GOV/P/S', 'x-road-id': 'm', 'x-road-userid': 'u', accept: 'a' });
  });
  it('names the security server\'s request id and hash for the record', () => {
    expect(xroadAnswerReference({ 'x-road-request-id': 'r1', 'x-road-request-hash': 'aGFzaA==' })).toBe('xroad request r1 hash aGFzaA==');
    expect(xroadAnswerReference({})).toBe('xroad request - hash -');
  });
});
