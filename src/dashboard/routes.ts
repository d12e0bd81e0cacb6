// GET /dashboard: traffic for the console's charts, scoped to the caller's agency.
import type { FastifyInstance, FastifySchema } from 'fastify';
import { authorize, visibleMember } from '../admin/principal.js';
import type { Store } from '../store/index.js';
import { traffic, type Range, type Traffic } from './traffic.js';

export interface DashboardRoutesOptions { store: Store; instance: string }

const CACHE_MS = 5000;

export async function dashboardRoutes(app: FastifyInstance, opts: DashboardRoutesOptions): Promise<void> {
  const cache = new Map<string, { at: number; value: Traffic }>();
  app.get('/dashboard', {
    schema: {
      tags: ['dashboard'],
      querystring: { type: 'object', properties: { range: { type: 'string', enum: ['hour', 'day', 'week'] }, service: { type: 'string', maxLength: 1200 }, client: { type: 'string', maxLength: 1000 } }, additionalProperties: false },
    } as FastifySchema,
  }, async (req) => {
    authorize(req, 'read');
    const q = req.query as { range?: Range; service?: string; client?: string };
    const member = visibleMember(req);
    // A week over 100k records takes ~1 s on SQLite; consoles poll, so answers are reused briefly.
    const key = JSON.stringify([q.range ?? 'hour', q.service, q.client, member]);
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const value = await traffic(opts.store, { ...q, member, instance: opts.instance });
    if (cache.size > 500) cache.clear();
    cache.set(key, { at: Date.now(), value });
    return value;
  });
}
