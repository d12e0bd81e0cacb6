import crypto from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { signedHeaders, formatTimestamp } from './signed.js';
import { checkTemplate } from './spec.js';
import { VamcoError } from '../core/errors.js';

// The national population database's scheme as public integration code describes it: a
// Timestamp header, and HTTP Basic whose password is SHA-256 over URL, user, timestamp, secret.
const POPULATION_DB = checkTemplate({
  algorithm: 'sha256', input: ['url', 'user', 'timestamp', 'secret'], timestamp: 'unix-ms',
  headers: { Timestamp: '{timestamp}', Authorization: 'Basic {basic}' },
});

describe('signed schemes from a template', () => {
  it('expresses the population database scheme: Timestamp + Basic user:sha256(url user timestamp secret)', () => {
    const now = new Date('2026-11-29T03:04:05.678Z');
    const url = new URL('https://csdldc.example.gov.vn/ws/CongDan?wsdl=0');
    const h = signedHeaders(POPULATION_DB, { method: 'POST', url, user: 'ubnd-tayninh', secret: 'k3y', now });
    expect(h.Timestamp).toBe(String(now.getTime()));
    const expected = crypto.createHash('sha256').update(`${url}ubnd-tayninh${now.getTime()}k3y`).digest('hex');
    expect(h.Authorization).toBe('Basic ' + Buffer.from(`ubnd-tayninh:${expected}`).toString('base64'));
  });

  it('joins with a separator, uses HMAC with the secret as key, and encodes as asked', () => {
    const t = checkTemplate({
      algorithm: 'hmac-sha256', input: ['method', 'path', 'timestamp'], separator: '\n', encoding: 'base64', timestamp: 'unix',
      headers: { 'X-Signature': '{signature}', 'X-User': '{user}', 'X-Time': '{timestamp}' },
    });
    const now = new Date('2026-01-02T00:00:00Z');
    const h = signedHeaders(t, { method: 'get', url: new URL('http://h/a/b?c=1'), user: 'u', secret: 's', now });
    const want = crypto.createHmac('sha256', 's').update(`GET\n/a/b?c=1\n${Math.floor(now.getTime() / 1000)}`).digest('base64');
    expect(h).toEqual({ 'X-Signature': want, 'X-User': 'u', 'X-Time': String(now.getTime() / 1000) });
  });

  it('formats yyyyMMddHHmmss in Vietnam time (UTC+7), as DVCQG dates are', () => {
    expect(formatTimestamp('yyyyMMddHHmmss', new Date('2026-12-31T17:30:05Z'))).toBe('20270101003005');
    expect(formatTimestamp('iso', new Date('2026-12-31T17:30:05Z'))).toBe('2026-12-31T17:30:05.000Z');
  });

  it('refuses templates that cannot work, with the reason', () => {
    const bad = (t: unknown) => { try { checkTemplate(t); return 'accepted'; } catch (e) { return (e as VamcoError).message; } };
    expect(bad({ algorithm: 'md5', input: ['secret'], headers: { A: '{signature}' } })).toMatch(/algorithm must be one of/);
    expect(bad({ algorithm: 'sha256', input: ['url', 'user'], headers: { A: '{signature}' } })).toMatch(/include "secret"/);
    expect(bad({ algorithm: 'sha256', input: ['secret'], headers: { A: '{password}' } })).toMatch(/\{password\}/);
    expect(bad({ algorithm: 'sha256', input: ['secret'], headers: { A: '{user}' } })).toMatch(/carries \{signature\}/);
    expect(bad({ algorithm: 'sha256', input: ['secret'], headers: { 'Content-Length': '{signature}' } })).toMatch(/set by the gateway/);
    expect(bad({ algorithm: 'sha256', input: ['secret'], headers: { A: 'x\r\nB: {signature}' } })).toMatch(/printable/);
    expect(bad({ algorithm: 'sha256', input: ['secret'], headers: { A: '{signature}' }, extra: 1 })).toMatch(/unknown field "extra"/);
  });
});
