// `vamco ca …` and `vamco cert …`: the platform CA and the TLS client certificates of
// information systems (docs/operator-guide.md, "Certificates").
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import * as reg from '../registry/index.js';
import { VamcoError } from '../core/errors.js';
import { clientTrustRoots, issueClientCert, loadOrCreateCa, platformCaCertificate } from '../pki/index.js';
import { createSecretFile, SECRET_DIR_MODE } from '../secrets/index.js';

export type WithStore = <T>(fn: (ctx: reg.RegistryCtx) => Promise<T>, opts?: { create?: boolean }) => Promise<T>;
export type Out = (line: string) => void;

export function readText(f: string): string {
  try {
    return fs.readFileSync(f, 'utf8');
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `Cannot read ${f}: ${(e as Error).message}`);
  }
}

function certId(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new VamcoError('VALIDATION_FAILED', `"${v}" is not a certificate id: give the number "vamco cert list" shows in its first column`);
  return Number(v);
}

function days(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new VamcoError('VALIDATION_FAILED', `--days ${v}: give a whole number of days between 1 and 3650`);
  return n;
}

export function registerPkiCommands(program: Command, withStore: WithStore, out: Out, actor: () => string): void {
  const caFor = (ctx: reg.RegistryCtx) => loadOrCreateCa(ctx.store, ctx.config.dataDir, { instance: ctx.config.instance, operatorName: ctx.config.operatorName });

  const ca = program.command('ca').description('The platform CA: issues the certificates of information systems and of the gateway');
  ca.command('init').description('create the platform CA (done by the first start too); its key stays in the data dir, mode 0600')
    .action(() => withStore(async (ctx) => {
      const c = await caFor(ctx);
      out(`${c.created ? 'created' : 'exists'}\t${c.info.subject}\tSHA-256 ${c.info.fingerprint}`);
      out(c.key ? `key\t${c.keyFile}` : `key\tnot on this node (${c.keyFile} absent): certificates are issued where the CA was created`);
    }, { create: true }));
  ca.command('export').description('print the platform CA certificate (PEM), for clients\' --cacert and for peers')
    .action(() => withStore(async (ctx) => {
      const pem = await platformCaCertificate(ctx.store);
      if (!pem) throw new VamcoError('NOT_FOUND', 'The platform has no CA yet: run "vamco ca init" or start it once');
      process.stdout.write(pem);
    }));

  const cert = program.command('cert').description('TLS client certificates: credentials of information systems for mutual TLS');
  cert.command('issue <subsystem>').description('issue a client certificate from the platform CA and register it as the subsystem\'s credential')
    .option('--csr <file>', 'sign this PKCS #10 request (the private key never leaves the system); prints the certificate (PEM)')
    .option('--out <dir>', 'instead make the key too: writes client.key (0600), client.crt and ca.crt into this directory')
    .option('--days <n>', 'validity in days (default 365)')
    .option('--label <label>', 'what the certificate is for, shown in lists')
    .action((subsystem: string, o: { csr?: string; out?: string; days?: string; label?: string }) => withStore(async (ctx) => {
      if (!!o.csr === !!o.out) throw new VamcoError('VALIDATION_FAILED', 'Give either --csr FILE (the system keeps its key) or --out DIR (the platform makes the key)');
      const c = await caFor(ctx);
      const csrPem = o.csr ? readText(o.csr) : undefined;
      if (o.out) {
        // Checked before issuing: a certificate registered without its key written would be useless.
        for (const f of ['client.key', 'client.crt']) {
          if (fs.existsSync(path.join(o.out, f))) throw new VamcoError('ALREADY_EXISTS', `${path.join(o.out, f)} exists: choose an empty directory`);
        }
      }
      const r = await issueClientCert(ctx, c, { subsystem, csrPem, days: days(o.days), label: o.label }, { actor: actor() });
      if (!o.out) {
        process.stdout.write(r.certPem);
        process.stderr.write(`registered as certificate ${r.credential.id} of ${r.credential.subsystemId} (SHA-256 ${r.credential.fingerprint}, valid until ${r.credential.notAfter})\n`);
        return;
      }
      fs.mkdirSync(o.out, { recursive: true, mode: SECRET_DIR_MODE });
      createSecretFile(path.join(o.out, 'client.key'), r.keyPem!);
      fs.writeFileSync(path.join(o.out, 'client.crt'), r.certPem);
      fs.writeFileSync(path.join(o.out, 'ca.crt'), c.certPem);
      out(`${r.credential.id}\t${r.credential.subsystemId}\t${r.credential.fingerprint}\t${path.resolve(o.out)}`);
    }));
  cert.command('add <subsystem>').description('register a certificate the system already has (issued by the platform CA or a root of VAMCO_CLIENT_CA_FILE)')
    .requiredOption('--file <pem>', 'the certificate (PEM); never its key')
    .option('--label <label>', 'what the certificate is for, shown in lists')
    .action((subsystem: string, o: { file: string; label?: string }) => withStore(async (ctx) => {
      const roots = await clientTrustRoots(ctx.store, ctx.config);
      const c = await reg.addClientCert(ctx, { subsystem, pem: readText(o.file), label: o.label }, { actor: actor() }, roots);
      out(`${c.id}\t${c.subsystemId}\t${c.fingerprint}`);
    }));
  cert.command('list').description('certificates with id, subsystem, SHA-256, validity, state and label').option('--subsystem <id>', 'only the certificates of this subsystem')
    .action((o: { subsystem?: string }) => withStore(async (ctx) => {
      for (const c of await reg.listClientCerts(ctx, o)) {
        out(`${c.id}\t${c.subsystemId}\t${c.fingerprint}\t${c.notBefore}..${c.notAfter}\t${c.revokedAt ? 'revoked ' + c.revokedAt : 'active'}\t${c.label ?? ''}`);
      }
    }));
  cert.command('revoke <id>').description('revoke a certificate by the id "vamco cert list" shows (every gateway refuses it within a second)')
    .action((id: string) => withStore(async (ctx) => {
      const c = await reg.revokeClientCert(ctx, certId(id), { actor: actor() });
      out(`${c.id}\trevoked ${c.revokedAt}`);
    }));
}
