// Dashboard: requests, error rate and latency percentiles over time, per service and per client.
export { traffic, isMetaservice, BIN_EDGES, type Traffic, type SetApart, type TrafficQuery, type Range, type Bucket, type Group, type Stats } from './traffic.js';
export { dashboardRoutes, type DashboardRoutesOptions } from './routes.js';
export { dashboardPlugin } from './plugin.js';
