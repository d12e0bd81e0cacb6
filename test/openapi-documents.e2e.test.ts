// Every OpenAPI document Vamco serves, validated as an API portal or a client generator would
// import it: the admin API's /api/v1/openapi.json and the document of each built-in
// (publicadmin) service, each against the OpenAPI version it declares (OpenAPI 3.0.3 is
// checked against the OpenAPI Initiative's 3.0 JSON Schema by @seriousme/openapi-schema-validator).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startTestPlatform, type TestPlatform } from './helpers/platform.js';
import { PUBLICADMIN_SERVICES, PUBLICADMIN_SUBSYSTEM } from '../src/publicadmin/index.js';

async function validate(doc: unknown): Promise<{ version: string; errors: unknown }> {
  const v = new Validator();
  const r = await v.validate(doc as Parameters<Validator['validate']>[0]);
  return { version: v.version, errors: r.valid ? null : r.errors };
}

describe('served OpenAPI documents', () => {
  let p: TestPlatform;
  beforeAll(async () => { p = await startTestPlatform({ env: { VAMCO_PUBLICADMIN: '1' } }); });
  afterAll(async () => { await p?.stop(); });

  it('the admin API\'s document is valid OpenAPI 3.0', async () => {
    const r = await fetch(`${p.adminUrl}/api/v1/openapi.json`);
    expect(r.status).toBe(200);
    const doc = await r.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40);
    expect(await validate(doc)).toEqual({ version: '3.0', errors: null });
  });

  it('each built-in service\'s document is valid against the version it declares', async () => {
    expect(PUBLICADMIN_SERVICES.map((s) => s.code)).toEqual(['admin-units', 'agencies', 'procedures', 'dossiers']);
    const [cls, code] = p.config.operatorMember.split('/');
    for (const s of PUBLICADMIN_SERVICES) {
      const r = await p.admin('GET', `/api/v1/services/${cls}:${code}:${PUBLICADMIN_SUBSYSTEM}:${s.code}/openapi`);
      expect(r.status, s.code).toBe(200);
      expect(r.body.openapi, s.code).toMatch(/^3\.0\.\d$/);
      expect({ service: s.code, ...(await validate(r.body)) }).toEqual({ service: s.code, version: '3.0', errors: null });
    }
  });

  it('the validator refuses what 3.0 does not have (the checks above can fail)', async () => {
    const doc = {
      openapi: '3.0.3', info: { title: 't', version: '1' },
      paths: { '/x': { get: { responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', required: [], properties: { a: { anyOf: [{ const: 'x' }] } } } } } } } } } },
    };
    expect((await validate(doc)).errors).not.toBeNull();
  });
});
