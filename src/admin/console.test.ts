// The console's static files: the build's brotli or gzip copy for a browser that takes it, the
// file itself otherwise (needs the built console: npm run build, or npm ci).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { acceptedEncodings, webConsole, WEB_DIST } from './console.js';

describe('web console files', () => {
  let app: FastifyInstance;
  let asset = '';
  beforeAll(async () => {
    const dir = path.join(WEB_DIST, 'assets');
    if (!fs.existsSync(dir)) throw new Error(`${dir} is missing: run "npm run build"`);
    asset = fs.readdirSync(dir).find((f) => f.endsWith('.js'))!;
    app = Fastify();
    await app.register(webConsole, {} as never);
  });
  afterAll(async () => { await app?.close(); });

  it('reads Accept-Encoding with its q values', () => {
    expect([...acceptedEncodings('gzip, deflate, br, zstd')]).toEqual(['gzip', 'deflate', 'br', 'zstd']);
    expect([...acceptedEncodings('br;q=0, gzip;q=0.5')]).toEqual(['gzip']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
  });

  it('sends the precompressed copy the browser accepts, and the same bytes once decoded', async () => {
    const original = fs.readFileSync(path.join(WEB_DIST, 'assets', asset));
    const br = await app.inject({ url: `/assets/${asset}`, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(br.rawPayload.length).toBeLessThan(original.length / 2);
    expect(zlib.brotliDecompressSync(br.rawPayload).equals(original)).toBe(true);
    const gz = await app.inject({ url: `/assets/${asset}`, headers: { 'accept-encoding': 'br;q=0, gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.rawPayload).equals(original)).toBe(true);
    const plain = await app.inject({ url: `/assets/${asset}`, headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.equals(original)).toBe(true);
  });
});
