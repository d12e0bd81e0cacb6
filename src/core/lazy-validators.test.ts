import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { lazyValidators } from './lazy-validators.js';

const AJV = { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } };
const apps: FastifyInstance[] = [];
afterEach(async () => { for (const a of apps.splice(0)) await a.close(); });

/** The same route on a server with Fastify's own (eager) validators or with the lazy ones. */
async function serve(lazy: ReturnType<typeof lazyValidators> | null, schema: object): Promise<FastifyInstance> {
  const app = Fastify({ ajv: AJV, ...(lazy ? { schemaController: lazy.schemaController } : {}) });
  apps.push(app);
  app.post('/x', { schema }, async (req) => ({ query: req.query, body: req.body, params: req.params }));
  await app.ready();
  return app;
}

const schema = {
  querystring: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } },
  body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 2 }, count: { type: 'integer' } } },
};

describe('lazyValidators', () => {
  it('answers exactly as Fastify\'s own validators: coercion, errors and their messages', async () => {
    const lazy = lazyValidators();
    const [eager, late] = [await serve(null, schema), await serve(lazy, schema)];
    // Nothing compiled at start: that is the point.
    expect(lazy.compileAll()).toBe(2);
    const lazy2 = lazyValidators();
    const late2 = await serve(lazy2, schema);
    const cases = [
      { url: '/x?n=3', payload: { name: 'ab', count: '7' } }, // query and body values coerced
      { url: '/x?n=0', payload: { name: 'ab' } },
      { url: '/x?n=abc', payload: { name: 'ab' } },
      { url: '/x', payload: { count: 1 } },
      { url: '/x', payload: { name: 'a' } },
      { url: '/x', payload: { name: 'abc', count: 'x' } },
    ];
    for (const c of cases) {
      const want = await eager.inject({ method: 'POST', ...c });
      for (const app of [late, late2]) {
        const got = await app.inject({ method: 'POST', ...c });
        expect({ status: got.statusCode, body: got.json() }).toEqual({ status: want.statusCode, body: want.json() });
      }
    }
    // late2's validators were compiled by its requests, one each.
    expect(lazy2.compileAll()).toBe(0);
  });

  it('compileAll compiles what no request has needed yet, and a broken schema fails there', async () => {
    const lazy = lazyValidators();
    await serve(lazy, { body: { type: 'object', properties: { a: { type: 'nonsense' } } } });
    expect(() => lazy.compileAll()).toThrow(/nonsense|type/);
  });

  it('refuses a header schema (Fastify would no longer lower-case its names)', async () => {
    const lazy = lazyValidators();
    await expect(serve(lazy, { headers: { type: 'object', properties: { 'X-A': { type: 'string' } } } })).rejects.toThrow(/header schemas/);
  });
});
