// A second process serving the admin API's accounts and access-request routes on a running
// platform's store, for race tests (`startSecondNode`). A data dir takes one node (an OS lock),
// yet other processes may open its store beside the node, as the `vamco` CLI does; this one
// does so to take requests at the same time as the platform, which on SQLite no single
// process can: its driver runs one process's queries one after the other.
// Run as `node dist/test/helpers/admin-node.js` with the platform's environment; prints the
// banner's admin line once it listens.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/index.js';
import { openStore } from '../../src/store/index.js';
import { createAdminServer } from '../../src/admin/index.js';
import { accountsAuthenticators, accountsPlugin } from '../../src/accounts/index.js';
import { accessRequestsPlugin } from '../../src/access-requests/index.js';
import { Metrics } from '../../src/monitoring/index.js';

const config = loadConfig(process.env);
const store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, secretKeyFile: config.secretKeyFile });
const app = await createAdminServer({
  config, store, metrics: new Metrics(), isReady: () => true,
  // Users' sessions and personal tokens only: no admin token of its own.
  adminToken: randomBytes(32).toString('base64url'),
  authenticators: accountsAuthenticators(store, { instance: config.instance }),
}, { plugins: [accountsPlugin, accessRequestsPlugin] });
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`  Console/admin API  http://127.0.0.1:${(app.server.address() as { port: number }).port}/\n`);
process.once('SIGTERM', () => { void app.close().then(() => store.close()).then(() => process.exit(0)); });
