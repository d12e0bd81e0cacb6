import path from 'node:path';
import type { Platform } from '../platform/index.js';
import { DEMO } from '../demo/index.js';

export function printBanner(p: Platform): void {
  const c = p.config;
  const rel = (f: string) => path.relative(process.cwd(), f) || '.';
  const lines = [
    '',
    `  Vamco 0.1.0 · instance ${c.instance} · node ${p.nodeKey.nodeId}`,
    `  Gateway            ${p.gatewayUrl}   (X-Road REST r1: /r1/{instance}/{class}/{member}/{subsystem}/{service}/…)`,
    `  Console/admin API  ${p.adminUrl}/   (API bearer token in ${rel(path.join(c.dataDir, 'admin-token'))})`,
    `  Store              ${c.databaseUrl ? 'PostgreSQL' : `SQLite in ${rel(c.dataDir)}`}`,
  ];
  if (p.firstAdmin) {
    lines.push('', `  Console: ${p.adminUrl}/  user "${p.firstAdmin.username}", one-time password "${p.firstAdmin.oneTimePassword}"`,
      '  (shown once: at first login you set a new password and two-step verification)');
  }
  if (p.demoKey) {
    lines.push('', '  Demo exchange: the one-stop-shop system of the provincial office calls the justice department\'s civil registry:',
      `  curl -i -H 'X-Road-Client: ${c.instance}/${DEMO.consumerSubsystem}' -H 'X-API-Key: ${p.demoKey}' \\`,
      `       ${p.gatewayUrl}/r1/${c.instance}/${DEMO.service}/records/079203000001`);
  }
  lines.push('');
  process.stdout.write(lines.join('\n') + '\n');
}
