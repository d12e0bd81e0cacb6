// How the admin server mounts the dashboard.
import type { FastifyPluginAsync } from 'fastify';
import type { AdminDeps } from '../admin/types.js';
import { dashboardRoutes } from './routes.js';

export const dashboardPlugin: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  await app.register(dashboardRoutes, { store: deps.store, instance: deps.config.instance });
};
