import path from 'node:path';
import type { Platform } from '../platform/index.js';
import { DEMO } from '../demo/index.js';
import { PKI_DIR, CA_CERT_FILE } from '../pki/index.js';

type BannerFacts = Pick<Platform, 'config' | 'nodeKey' | 'gatewayUrl' | 'gatewayListen' | 'adminUrl' | 'firstAdmin' | 'demoKey' | 'demoKeyCreated' | 'publicAdminMoved'>
  & Partial<Pick<Platform, 'gatewayTlsUrl' | 'demoCert' | 'degraded'>>;

/**
 * What `vamco start` prints: absolute paths (the operator may be anywhere), the address the
 * gateway listens on when it differs from the URL to call it by, a moved port, and secrets only
 * on the start that made them.
 */
export function bannerText(p: BannerFacts): string {
  const c = p.config;
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const callHost = new URL(p.gatewayUrl).host;
  const listens = p.gatewayListen && p.gatewayListen !== callHost
    ? `   (listening on ${p.gatewayListen}${/^(0\.0\.0\.0|\[::\]):/.test(p.gatewayListen) ? ', every address of this host' : ''})` : '';
  const lines = [
    '',
    `  Vamco 0.1.0 · instance ${c.instance} · node ${p.nodeKey.nodeId}`,
    `  Gateway            ${p.gatewayUrl}${listens}`,
    '                     X-Road REST r1: /r1/{instance}/{class}/{member}/{subsystem}/{service}/…',
    ...(p.gatewayTlsUrl && p.gatewayTlsUrl !== p.gatewayUrl ? [`  Gateway (HTTPS)    ${p.gatewayTlsUrl}   (mutual TLS: client certificates of the platform CA; vamco ca export)`] : []),
    `  Console/admin API  ${p.adminUrl}/   (API bearer token in ${path.join(c.dataDir, 'admin-token')})`,
    // Over its own TLS a browser or curl must trust the certificate's root first.
    ...(p.adminUrl.startsWith('https:') ? [`                     HTTPS only (VAMCO_ADMIN_TLS); ${c.tlsCertFile ? `certificate ${c.tlsCertFile}` : `trust the platform CA: ${path.join(c.dataDir, PKI_DIR, CA_CERT_FILE)}`}`] : []),
    `  Store              ${c.databaseUrl ? 'PostgreSQL' : `SQLite in ${c.dataDir}`}`,
  ];
  if (p.degraded) {
    lines.push(`  DEGRADED           the database is unreachable (${p.degraded.reason}): serving from the registry snapshot cached ${new Date(p.degraded.snapshotSavedAt).toISOString()};`,
      '                     the admin API answers 503 and records wait in the journal until it is back');
  }
  if (p.publicAdminMoved) {
    lines.push(`  Public-admin data  port ${p.publicAdminMoved.wanted} (VAMCO_PUBLICADMIN_PORT) was taken: its backend listens on ${p.publicAdminMoved.url} instead`);
  }
  if (p.firstAdmin) {
    lines.push('', `  Console: ${p.adminUrl}/  user "${p.firstAdmin.username}", one-time password "${p.firstAdmin.oneTimePassword}"`,
      '  (shown once: at first login you set up two-step verification with a TOTP app, then choose a new password)');
  }
  if (p.demoKey) {
    const keyFile = path.join(c.dataDir, 'demo-key');
    // The key itself only on the start that created it; later starts read it from its file.
    const keyArg = p.demoKeyCreated ? `-H 'X-API-Key: ${p.demoKey}'` : `-H "X-API-Key: $(cat ${quote(keyFile)})"`;
    lines.push('', '  Demo exchange: the one-stop-shop system of the provincial office calls the justice department\'s civil registry:',
      `  curl -i -H 'X-Road-Client: ${c.instance}/${DEMO.consumerSubsystem}' ${keyArg} \\`,
      `       ${p.gatewayUrl}/r1/${c.instance}/${DEMO.service}/records/079203000001`);
  }
  if (p.demoKey && p.demoCert && p.gatewayTlsUrl) {
    const d = p.demoCert;
    lines.push('', '  The same call over HTTPS, the system authenticated by its TLS client certificate (no API key):',
      `  curl -i --cacert ${quote(d.caFile)} --cert ${quote(d.certFile)} --key ${quote(d.keyFile)} \\`,
      `       -H 'X-Road-Client: ${c.instance}/${DEMO.consumerSubsystem}' ${p.gatewayTlsUrl}/r1/${c.instance}/${DEMO.service}/records/079203000001`);
  }
  lines.push('');
  return lines.join('\n') + '\n';
}

export function printBanner(p: Platform): void {
  process.stdout.write(bannerText(p));
}
