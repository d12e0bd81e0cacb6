// Serves the built web console (web/dist) at "/" with a single-page-app fallback: any GET
// outside the API, health and metrics that is not a file answers index.html.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import type { AdminDeps } from './types.js';
import { VamcoError } from '../core/errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.json': 'application/json',
};

/** web/dist of the package, found from this module whether it runs built (dist/src/admin) or as source (src/admin). */
function findWebDist(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'web'))) return path.join(dir, 'web', 'dist');
    dir = path.dirname(dir);
  }
  return path.resolve('web/dist');
}

export const WEB_DIST = findWebDist();

/** Content codings an Accept-Encoding header allows (RFC 9110 §12.5.3; q=0 refuses one). */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';').map((x) => x.trim());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q && !(Number(q.slice(2)) > 0)) continue;
    out.add(name);
  }
  return out;
}

export const webConsole: FastifyPluginAsync<AdminDeps> = async (app) => {
  const root = WEB_DIST;
  const index = path.join(root, 'index.html');
  app.get('/*', { schema: { hide: true } as never }, async (req, reply) => {
    // An unknown API route is an API error, not the app's index page.
    if (req.url.startsWith('/api/')) throw new VamcoError('NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`);
    if (!fs.existsSync(index)) {
      reply.code(503).type('text/plain; charset=utf-8');
      return 'The console is not built: run "npm run build" (npm ci does it).';
    }
    let rel = '';
    try {
      rel = decodeURIComponent((req.params as { '*': string })['*'] || '');
    } catch { /* malformed: serve the app */ }
    let file = path.resolve(root, rel);
    const inside = file === root || file.startsWith(root + path.sep);
    if (!inside || !rel || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = index;
    // Built assets carry content hashes in their names: cache them for good, never index.html.
    reply.header('cache-control', file === index ? 'no-cache' : 'public, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    if (file === index) reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    reply.type(TYPES[path.extname(file)] ?? 'application/octet-stream');
    // The build's precompressed copy when the browser takes it (brotli first, then gzip).
    const accepted = acceptedEncodings(req.headers['accept-encoding']);
    reply.header('vary', 'accept-encoding');
    for (const [enc, ext] of [['br', '.br'], ['gzip', '.gz']] as const) {
      if (accepted.has(enc) && fs.existsSync(file + ext)) {
        reply.header('content-encoding', enc);
        return fs.createReadStream(file + ext);
      }
    }
    return fs.createReadStream(file);
  });
};
