import { describe, it, expect } from 'vitest';
import { anonymiseOpenApi, listClientsWantsJson, wildcardPath } from './metaservices.js';

describe('metaservice shapes', () => {
  it('lists every path parameter as "*" (PR-MREST B.1), whole segments or parts of one', () => {
    expect(wildcardPath('/pets/{petId}/photos/{photoId}')).toBe('/pets/*/photos/*');
    expect(wildcardPath('/files/{name}.{ext}')).toBe('/files/*');
    expect(wildcardPath('/reports/*')).toBe('/reports/*');
    expect(wildcardPath('/plain')).toBe('/plain');
  });

  it('keeps only the path of a server URL, whatever its form', () => {
    const doc = anonymiseOpenApi({ openapi: '3.0.3', servers: [
      { url: 'https://10.0.0.1:8443' }, { url: 'http://h/a/b?x=1#f' }, { url: '//h.internal/p' }, { url: '/relative' }, { url: 'v1' },
      { url: 'https://{h}/{base}', variables: { h: { default: 'db.internal' }, base: { default: 'api' } } }, { description: 'no url' },
    ] });
    expect(doc.servers).toEqual([
      { url: '/' }, { url: '/a/b' }, { url: '/p' }, { url: '/relative' }, { url: 'v1' },
      { url: '/{base}', variables: { base: { default: 'api' } } }, { description: 'no url' },
    ]);
  });

  it('reads Accept as X-Road does for listClients: application/json anywhere in it', () => {
    expect(listClientsWantsJson(undefined)).toBe(false);
    expect(listClientsWantsJson('text/xml')).toBe(false);
    expect(listClientsWantsJson('application/problem+json')).toBe(false);
    expect(listClientsWantsJson('text/xml, Application/JSON; charset=utf-8')).toBe(true);
    expect(listClientsWantsJson(['text/xml', 'application/json'])).toBe(true);
  });
});
