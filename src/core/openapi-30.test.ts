import { describe, expect, it } from 'vitest';
import { toOpenApi30 } from './openapi-30.js';

describe('toOpenApi30', () => {
  it('rewrites what OpenAPI 3.0 schemas lack and leaves property names alone', () => {
    const doc = {
      openapi: '3.0.3',
      paths: { '/x': { post: { requestBody: { content: { 'application/json': { schema: {
        type: 'object', required: [],
        properties: {
          const: { type: 'string', const: 'a' },
          required: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          kind: { anyOf: [{ const: 'a', type: 'string' }, { const: 'b', type: 'string' }] },
          when: { type: ['string', 'null'], examples: ['2026-01-01'] },
        },
      } } } } } } },
      components: { schemas: { S: { type: 'object', required: [] } } },
    };
    expect(toOpenApi30(doc)).toEqual({
      openapi: '3.0.3',
      paths: { '/x': { post: { requestBody: { content: { 'application/json': { schema: {
        type: 'object',
        properties: {
          const: { type: 'string', enum: ['a'] },
          required: { type: 'string', nullable: true },
          kind: { anyOf: [{ enum: ['a'], type: 'string' }, { enum: ['b'], type: 'string' }] },
          when: { type: 'string', nullable: true, example: '2026-01-01' },
        },
      } } } } } } },
      components: { schemas: { S: { type: 'object' } } },
    });
  });
});
