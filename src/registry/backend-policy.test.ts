import { describe, it, expect } from 'vitest';
import { checkBackendUrl, isInternalAddress } from './backend-policy.js';

const policy = { allow: [] as string[], ownPorts: [8080, 4000, 8443] };

describe('backend URL policy', () => {
  it.each([
    'http://127.0.0.1:9000/', 'http://127.1:9000/', 'http://0x7f000001/', 'http://2130706433/', 'http://0177.0.0.1/',
    'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/latest/meta-data', 'http://0.0.0.0/',
    'http://localhost:9000/', 'http://metadata.google.internal/', 'http://[fe80::1]/',
  ])('refuses internal %s', async (u) => {
    await expect(checkBackendUrl(u, policy)).rejects.toMatchObject({ code: 'BACKEND_URL_REFUSED' });
  });

  it.each(['file:///etc/passwd', 'ftp://10.0.0.1/', 'gopher://10.0.0.1/', 'not a url', 'http://user:pw@10.0.0.1/', 'http://10.0.0.1/#x'])('refuses %s', async (u) => {
    await expect(checkBackendUrl(u, policy)).rejects.toMatchObject({ code: 'BACKEND_URL_REFUSED' });
  });

  it('allows private agency networks and public addresses', async () => {
    for (const u of ['http://10.0.5.20:9000/api', 'https://192.168.1.10/', 'http://172.16.0.4/', 'https://203.0.113.7/']) {
      expect((await checkBackendUrl(u, policy)).protocol).toMatch(/^https?:$/);
    }
  });

  it('allows what the operator lists, but never the platform\'s own ports', async () => {
    const allow = { ...policy, allow: ['127.0.0.1/32', 'localhost'] };
    expect((await checkBackendUrl('http://127.1:9000/x', allow)).hostname).toBe('127.0.0.1');
    expect((await checkBackendUrl('http://localhost:9000/x', allow)).hostname).toBe('localhost');
    await expect(checkBackendUrl('http://127.0.0.1:8080/', allow)).rejects.toMatchObject({ code: 'BACKEND_URL_REFUSED' });
    await expect(checkBackendUrl('http://0x7f000001:4000/', allow)).rejects.toMatchObject({ code: 'BACKEND_URL_REFUSED' });
    await expect(checkBackendUrl('http://169.254.169.254/', allow)).rejects.toMatchObject({ code: 'BACKEND_URL_REFUSED' });
  });

  it('classifies addresses', () => {
    expect(isInternalAddress('127.8.9.10')).toBe(true);
    expect(isInternalAddress('::ffff:169.254.1.1')).toBe(true);
    expect(isInternalAddress('10.1.2.3')).toBe(false);
  });
});
