// The gateway's own errors as X-Road writes them: PR-REST 1.0.4 §4.6 (error handling: status
// categories, type/message/detail, Content-Type, Accept) and §4.3 (X-Road-Error header).
import { describe, it, expect } from 'vitest';
import { ERRORS, VamcoError, type ErrorCode } from '../core/errors.js';
import { faultMediaType, faultStatus, renderFault } from './fault.js';

describe('X-Road faults (PR-REST §4.6)', () => {
  it('status by X-Road category: Client.* 400, Server.* 500; Vamco extensions 413 and 429 keep theirs', () => {
    // Category 3 (the request does not follow the protocol) → 400.
    expect(faultStatus('INVALID_PATH')).toBe(400);
    expect(faultStatus('MISSING_CLIENT')).toBe(400);
    expect(faultStatus('UNAUTHENTICATED')).toBe(400);
    // Category 2 (the provider failed) and 4 (the platform failed) → 500, as X-Road's reference
    // security server answers access denied and unknown service too (fault type Server.ServerProxy.*).
    for (const c of ['UPSTREAM_UNREACHABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_BAD_RESPONSE', 'CIRCUIT_OPEN', 'ACCESS_DENIED', 'SERVICE_NOT_FOUND', 'NOT_READY', 'INTERNAL'] as ErrorCode[]) {
      expect([c, faultStatus(c)]).toEqual([c, 500]);
    }
    expect(faultStatus('PAYLOAD_TOO_LARGE')).toBe(413);
    expect(faultStatus('RATE_LIMITED')).toBe(429);
    // Every code lands in one of the categories or a documented extension.
    for (const c of Object.keys(ERRORS) as ErrorCode[]) expect([400, 413, 429, 500]).toContain(faultStatus(c));
  });

  it('body {type, message, detail} with type equal to the X-Road-Error fault type, JSON with its charset by default', () => {
    const f = renderFault(new VamcoError('ACCESS_DENIED', 'no right'), 'req-1', undefined);
    expect(f.contentType).toBe('application/json; charset=utf-8');
    expect(f.type).toBe('Server.ServerProxy.AccessDenied');
    expect(JSON.parse(f.body)).toEqual({ type: 'Server.ServerProxy.AccessDenied', message: 'no right', detail: 'req-1', code: 'ACCESS_DENIED', requestId: 'req-1' });
    // An unknown error leaks nothing.
    const i = JSON.parse(renderFault(new Error('secret path /etc/x'), 'r', undefined).body);
    expect([i.type, i.message]).toEqual(['Server.InternalError', 'The platform failed to handle the request']);
  });

  it('respects Accept: XML for text/xml, application/xml and text/*; problem+json when named; JSON otherwise', () => {
    expect(faultMediaType('text/xml')).toBe('text/xml');
    expect(faultMediaType('text/*;q=0.5')).toBe('text/xml');
    expect(faultMediaType(['text/html', 'application/xml'])).toBe('application/xml');
    expect(faultMediaType('application/problem+json')).toBe('application/problem+json');
    expect(faultMediaType('*/*')).toBe('application/json');
    expect(faultMediaType('image/png')).toBe('application/json');
    const x = renderFault(new VamcoError('INVALID_PATH', 'a <b> & "c"'), 'r-2', 'application/xml');
    expect(x.contentType).toBe('application/xml; charset=utf-8');
    expect(x.body).toBe('<?xml version="1.0" encoding="UTF-8"?><error><type>Client.InvalidPath</type><message>a &lt;b&gt; &amp; &quot;c&quot;</message><detail>r-2</detail></error>');
    const p = JSON.parse(renderFault(new VamcoError('ACCESS_DENIED'), 'r-3', 'application/problem+json').body);
    expect([p.status, p.code, p.xroadType, p.requestId]).toEqual([500, 'ACCESS_DENIED', 'Server.ServerProxy.AccessDenied', 'r-3']);
  });
});
