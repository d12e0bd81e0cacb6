// The `vamco` command tree, built apart from main.ts so a test can walk every command and
// option. Registry commands act on the same data dir / database as a running platform; the
// gateway sees each change within a second (snapshot polling).
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, type Config } from '../config/index.js';
import { openStore, migrate, SECRET_KEY_FILE, SQLITE_FILE, type Store } from '../store/index.js';
import { keyStatus, retireOldKeys, rotateKey } from '../secrets/index.js';
import * as reg from '../registry/index.js';
import { verifyStore, verifyExportFile, checkVerifyReport, exportLog, takeAnchor, readAnchorFile, checkpointAdminHead, loadOrCreateNodeKey, type VerifyResult, type Anchor } from '../audit/index.js';
import { VamcoError } from '../core/errors.js';
import { parseDuration, vnDateTime } from '../core/duration.js';
import { startPlatform } from '../platform/index.js';
import { printBanner } from './banner.js';
import { importAgencies, importProcedures } from '../publicadmin/index.js';
import { cliAddUser, cliResetPassword, cliListUsers } from '../accounts/index.js';
import type { Role } from '../admin/index.js';
import { isGatewayWorker, startGatewayWorker } from '../platform/cluster.js';
import { registerPublicAdminCommands } from './publicadmin-commands.js';
import { addBackendAuthOptions, backendAuthFrom, type BackendAuthOptions } from './backend-auth-options.js';
import { readSecretFileArg } from '../backend-auth/index.js';
import { registerEdocCommands } from './edoc-commands.js';
import { receiptFor, verifyKeptReceipts, verifyReceipt, publicKeyFrom, fetchWitnessed } from '../federation/index.js';
import { registerPkiCommands } from './pki-commands.js';
import { registerFederationCommands } from './federation-commands.js';

export function buildProgram(): Command {
  const program = new Command();
  program.name('vamco').description('Vamco: the provincial data-exchange platform (LGSP)').version('0.1.0');

  const who = () => ({ actor: `cli:${safeUser()}` });
  function safeUser(): string {
    try { return os.userInfo().username; } catch { return 'unknown'; }
  }

  /**
   * Runs an action with an open, migrated store and closes it after. Only `start` and
   * `migrate` may create the SQLite database: any other command on a data directory without
   * one (a mistyped VAMCO_DATA_DIR) fails rather than answer from a new, empty database.
   */
  async function withStore<T>(fn: (ctx: reg.RegistryCtx) => Promise<T>, opts: { create?: boolean } = {}): Promise<T> {
    const config = loadConfig();
    if (!config.databaseUrl && !opts.create && !fs.existsSync(path.join(config.dataDir, SQLITE_FILE))) {
      throw new VamcoError('NOT_FOUND', `No Vamco database in ${config.dataDir} (VAMCO_DATA_DIR). Check the path, or create one there with "vamco migrate" or "vamco start".`);
    }
    const store: Store = openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, secretKeyFile: config.secretKeyFile, poolSize: 2 });
    try {
      await migrate(store.db, store.engine);
      await store.keyring();
      return await fn({ store, config });
    } finally {
      await store.close();
    }
  }

  function out(line: string): void {
    process.stdout.write(line + '\n');
  }

  const member = program.command('member').description('Members: the organisations (agencies) of the platform');
  member.command('add <class> <code>').description('register a member, e.g. GOV 000.00.00.H59').requiredOption('--name <name>', 'the member\'s name')
    .action((cls: string, code: string, o: { name: string }) => withStore(async (ctx) => {
      const m = await reg.addMember(ctx, { memberClass: cls, memberCode: code, name: o.name }, who());
      out(m.id);
    }));
  member.command('list').description('list members').action(() => withStore(async (ctx) => {
    for (const m of await reg.listMembers(ctx)) out(`${m.id}\t${m.name}`);
  }));
  member.command('remove <id>').description('remove a member and everything under it').action((id: string) => withStore(async (ctx) => {
    await reg.removeMember(ctx, id, who());
  }));

  const subsystem = program.command('subsystem').description('Subsystems: the information systems of a member');
  subsystem.command('add <id>').description('register a subsystem, e.g. GOV/000.00.00.H59/hotich').option('--name <name>', 'the information system\'s name')
    .action((id: string, o: { name?: string }) => withStore(async (ctx) => { out((await reg.addSubsystem(ctx, { id, name: o.name }, who())).id); }));
  subsystem.command('list').description('one subsystem id per line').option('--member <id>', 'only the subsystems of this member, CLASS/CODE').action((o: { member?: string }) => withStore(async (ctx) => {
    for (const s of await reg.listSubsystems(ctx, o)) out(s.id);
  }));
  subsystem.command('remove <id>').description('remove a subsystem with its services, access rights and keys').action((id: string) => withStore(async (ctx) => { await reg.removeSubsystem(ctx, id, who()); }));
  const backendCert = subsystem.command('backend-cert').description('the TLS client certificate a provider subsystem presents to its services\' https backends');
  backendCert.command('set <subsystem>').description('set it from PEM files (the key is stored sealed and never shown again)')
    .requiredOption('--cert <file>', 'the certificate (PEM; intermediates may follow it)').requiredOption('--key <file>', 'its private key (PEM, unencrypted)')
    .action((id: string, o: { cert: string; key: string }) => withStore(async (ctx) => {
      const v = await reg.setBackendCert(ctx, id, { cert: readFile(o.cert), key: readSecretFileArg(o.key) }, who());
      out(`${v!.subject}\tvalid until ${v!.notAfter}\tsha256 ${v!.sha256}`);
    }));
  addBackendAuthOptions(subsystem.command('backend-auth <subsystem>')
    .description('the backend credential of the subsystem\'s services that set none of their own (--backend-auth inherit removes it)'))
    .action((id: string, o: BackendAuthOptions) => withStore(async (ctx) => {
      const input = backendAuthFrom(o);
      if (!input) throw new VamcoError('VALIDATION_FAILED', 'Name the scheme with --backend-auth (none, static, oauth2, signed, inherit)');
      out(JSON.stringify(await reg.setSubsystemBackendAuth(ctx, id, input, who())));
    }));
  backendCert.command('remove <subsystem>').description('stop presenting a client certificate').action((id: string) => withStore(async (ctx) => { await reg.setBackendCert(ctx, id, null, who()); }));
  backendCert.command('show <subsystem>').description('the certificate (never the key), as JSON').action((id: string) => withStore(async (ctx) => {
    const s = (await reg.listSubsystems(ctx)).find((x) => x.id === id);
    if (!s) throw new VamcoError('NOT_FOUND', `Subsystem ${id} is not registered`);
    out(JSON.stringify(s.backendCert ?? null, null, 2));
  }));

  const service = program.command('service').description('Services published by provider subsystems');
  addBackendAuthOptions(service.command('add <id>').description('publish a service, e.g. GOV/000.00.00.H59/hotich/khaisinh'))
    .requiredOption('--url <url>', 'backend base URL (http or https)')
    .option('--openapi <file>', 'OpenAPI 3 document (JSON); its operations become endpoints')
    .option('--wsdl <file>', 'WSDL 1.1 document: a SOAP service, its operations become endpoints "POST /{operation}"')
    .option('--timeout <duration>', 'total backend timeout: 30 (seconds), 30s or 500ms')
    .option('--connect-timeout <duration>', 'connect timeout: 5 (seconds), 5s or 500ms')
    .option('--rate-limit <rate>', 'per-client limit, e.g. 50/s or 600/m')
    .option('--log-bodies', 'keep request and response bodies in the message log (personal data!)')
    .option('--backend-ca <file>', 'https backend: PEM CA certificates to verify it with, besides the system\'s CAs')
    .action((id: string, o: { url: string; openapi?: string; timeout?: string; connectTimeout?: string; rateLimit?: string; logBodies?: boolean; wsdl?: string; backendCa?: string } & BackendAuthOptions) => withStore(async (ctx) => {
      const s = await reg.addService(ctx, {
        id, url: o.url, backendCa: o.backendCa ? readFile(o.backendCa) : undefined, openapi: o.openapi ? readFile(o.openapi) : undefined, wsdl: o.wsdl ? readFile(o.wsdl) : undefined,
        timeout: seconds(o.timeout), connectTimeout: seconds(o.connectTimeout),
        rateLimit: o.rateLimit, logBodies: !!o.logBodies, backendAuth: backendAuthFrom(o),
      }, who());
      out(s.id);
    }));
  addBackendAuthOptions(service.command('update <id>').description('change a service (a backend secret left out keeps the stored one)'))
    .option('--url <url>', 'new backend base URL (http or https)').option('--openapi <file>', 'new OpenAPI 3 document (JSON); its operations replace the endpoints')
    .option('--wsdl <file>', 'new WSDL 1.1 document; its operations replace the endpoints')
    .option('--timeout <duration>', 'total backend timeout: 30 (seconds), 30s or 500ms').option('--connect-timeout <duration>', 'connect timeout: 5 (seconds), 5s or 500ms')
    .option('--rate-limit <rate>', 'per-client limit, or "none"')
    .option('--backend-ca <file>', 'https backend: PEM CA certificates to verify it with besides the system\'s CAs, or "none"')
    .action((id: string, o: { url?: string; openapi?: string; wsdl?: string; timeout?: string; connectTimeout?: string; rateLimit?: string; backendCa?: string } & BackendAuthOptions) => withStore(async (ctx) => {
      await reg.updateService(ctx, id, {
        backendCa: o.backendCa === undefined ? undefined : o.backendCa === 'none' ? null : readFile(o.backendCa),
        url: o.url, openapi: o.openapi ? readFile(o.openapi) : undefined, wsdl: o.wsdl ? readFile(o.wsdl) : undefined, timeout: seconds(o.timeout), connectTimeout: seconds(o.connectTimeout),
        rateLimit: o.rateLimit === 'none' ? null : o.rateLimit, backendAuth: backendAuthFrom(o),
      }, who());
    }));
  service.command('list').description('one full service id per line').option('--provider <subsystem>', 'only the services of this provider subsystem')
    .action((o: { provider?: string }) => withStore(async (ctx) => { for (const s of await reg.listServices(ctx, o)) out(s.id); }));
  service.command('show <id>').description('a service with its endpoints, as JSON').action((id: string) => withStore(async (ctx) => { out(JSON.stringify(await reg.getService(ctx, id), null, 2)); }));
  service.command('remove <id>').description('remove a service with its endpoints and access rights').action((id: string) => withStore(async (ctx) => { await reg.removeService(ctx, id, who()); }));
  service.command('endpoint-add <id> <method> <path>').description('add an endpoint (method + path pattern) to a service')
    .action((id: string, method: string, path: string) => withStore(async (ctx) => { await reg.addEndpoint(ctx, id, { method, path }, who()); }));

  const access = program.command('access').description('Access rights: default deny');
  const endpointOpt = new Option('--endpoint <endpoint>', 'one endpoint only, as "METHOD /path"');
  function parseEndpoint(e?: string): { method: string; path: string } | undefined {
    if (!e) return undefined;
    const m = /^\s*(\S+)\s+(\/\S*)\s*$/.exec(e);
    if (!m) throw new VamcoError('VALIDATION_FAILED', `--endpoint must look like "GET /path", not "${e}"`);
    return { method: m[1], path: m[2] };
  }
  access.command('grant <service> <client>').description('let a client subsystem call a service').addOption(endpointOpt)
    .action((service: string, client: string, o: { endpoint?: string }) => withStore(async (ctx) => {
      await reg.grantAccess(ctx, { service, client, endpoint: parseEndpoint(o.endpoint) }, who());
    }));
  access.command('revoke <service> <client>').description('remove an access right').addOption(endpointOpt)
    .action((service: string, client: string, o: { endpoint?: string }) => withStore(async (ctx) => {
      await reg.revokeAccess(ctx, { service, client, endpoint: parseEndpoint(o.endpoint) }, who());
    }));
  access.command('list').description('one access right per line: service [endpoint] and client').option('--service <id>', 'only the rights on this service').option('--client <id>', 'only the rights of this client subsystem').action((o: { service?: string; client?: string }) => withStore(async (ctx) => {
    if (!(o.client && reg.isForeignClient(o.client))) for (const r of await reg.listAccessRights(ctx, o)) out(`${r.serviceId}${r.endpoint ? ` ${r.endpoint.method} ${r.endpoint.path}` : ''}\t${r.clientId}`);
    // Clients of peer instances (issue 17), written with their instance.
    for (const r of await reg.listForeignRights(ctx, o)) out(`${r.serviceId}${r.endpoint ? ` ${r.endpoint.method} ${r.endpoint.path}` : ''}\t${r.clientId}`);
  }));

  const key = program.command('key').description('API keys of client subsystems');
  key.command('create <subsystem>').description('create a key; prints it, alone, on stdout (shown once)').option('--label <label>', 'what the key is for, shown in lists')
    .option('--expires <date|duration>', 'when the key stops working: a duration from now (90d, 12h, 30m), a day (dd/mm/yyyy or yyyy-mm-dd, to its end in Vietnam time) or an ISO moment; default: never')
    .action((subsystem: string, o: { label?: string; expires?: string }) => withStore(async (ctx) => { out((await reg.createKey(ctx, { subsystem, label: o.label, expires: o.expires }, who())).key); }));
  key.command('list').description('keys with id, subsystem, prefix, state, expiry, last use (dd/mm/yyyy HH:mm, Vietnam time) and label').option('--subsystem <id>', 'only the keys of this subsystem').action((o: { subsystem?: string }) => withStore(async (ctx) => {
    for (const k of await reg.listKeys(ctx, o)) {
      const state = k.status === 'revoked' ? `revoked ${vnDateTime(k.revokedAt)}` : k.status;
      out(`${k.id}\t${k.subsystemId}\t${k.prefix}…\t${state}\texpires ${k.expiresAt ? vnDateTime(k.expiresAt) : 'never'}\tlast used ${k.lastUsedAt ? vnDateTime(k.lastUsedAt) : 'never'}\t${k.label ?? ''}`);
    }
  }));
  key.command('revoke <id>').description('revoke a key by the id "vamco key list" shows')
    .action((id: string) => withStore(async (ctx) => { await reg.revokeKey(ctx, keyId(id), who()); }));

  const audit = program.command('audit').description('The message log and admin trail');
  audit.command('verify').description('prove the log intact, or name the first bad record')
    .option('--file <export>', 'verify an export offline')
    .option('--anchor <file>', 'also prove the log still extends an anchor kept outside the platform ("vamco audit anchor")')
    .action(async (o: { file?: string; anchor?: string }) => {
      const anchor = o.anchor ? readAnchorFile(o.anchor) : undefined;
      if (o.file) { report(await verifyExportFile(o.file, anchor), o.file, anchor ? anchor.checkpoints.length : 0); return; }
      await withStore(async (ctx) => {
        // What the witnesses keep must still be extended too (issue 17): it is checked like an anchor.
        const w = await fetchWitnessed(ctx.config.instance, ctx.config.federation.witnesses);
        for (const u of w.unreachable) process.stderr.write(`warning: witness ${u.url} could not be used: ${u.why}\n`);
        const both = mergeAnchors(anchor, w.anchor ?? undefined);
        const r = await verifyStore(ctx.store, both);
        report(r, undefined, anchor ? anchor.checkpoints.length : 0);
        if (r.ok && w.anchor) out(`the log extends all ${w.anchor.checkpoints.length} checkpoints kept by ${w.obtained.length} witnesses (${w.obtained.map((o) => o.url).join(', ')})`);
        // Receipts kept (issued to peers, received from them) are re-checked too (issue 17).
        const rc = await verifyKeptReceipts(ctx.store);
        if (rc.checked) out(`receipts: ${rc.checked - rc.bad.length} of ${rc.checked} verified`);
        for (const b of rc.bad) process.stderr.write(`FAILED: ${b.role} receipt of message ${b.messageId}: ${b.reason}\n`);
        if (rc.bad.length) process.exitCode = 1;
      });
    });
  audit.command('receipt <messageId>').description('write the signed receipt of an exchange (issued by this platform or received from a peer) to a file, for a third party')
    .requiredOption('--out <file>', 'the JSON file to write')
    .action((messageId: string, o: { out: string }) => withStore(async (ctx) => {
      const r = await receiptFor(ctx.store, messageId);
      fs.writeFileSync(o.out, JSON.stringify(r, null, 2) + '\n', { mode: 0o644 });
      out(`receipt of message ${messageId} signed by ${r.nodeId} of ${r.instance} (record ${r.logSeq}, status ${r.status}) written to ${o.out}`);
    }));
  audit.command('verify-receipt <file>').description('check a receipt offline: its signature, and with --key that the given signer made it')
    .option('--key <pem>', 'the signer\'s public key or certificate (PEM) to trust, obtained from the signer out of band')
    .action((file: string, o: { key?: string }) => {
      let parsed: unknown;
      try { parsed = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
        throw new VamcoError('VALIDATION_FAILED', `${file} is not a valid receipt: ${(e as NodeJS.ErrnoException).code ? `it cannot be read (${(e as NodeJS.ErrnoException).code})` : 'it is not JSON'}.`);
      }
      const trusted = o.key ? publicKeyFrom(fs.readFileSync(o.key, 'utf8'), o.key) : undefined;
      const r = verifyReceipt(parsed, file, trusted);
      out(`OK: ${r.instance} (node ${r.nodeId}${trusted ? ', the key given' : ', the key inside the receipt'}) signed at ${r.at} that message ${r.messageId} from ${r.client} to ${r.service}`);
      out(`  request hash ${r.requestHash}`);
      out(`  answered ${r.status}, ${r.responseSize} bytes, SHA-256 ${r.responseDigest}; logged as record ${r.logSeq} (${r.logHash})`);
      if (!trusted) out('  compare the signer\'s key with one obtained from it out of band (--key), or the receipt proves only itself');
    });
  audit.command('verify-report <file>').description('check an integrity report downloaded from the console offline: its signature, and with --key that the given node signed it')
    .option('--key <pem>', 'the signing node\'s public key (PEM), obtained out of band (e.g. from an anchor)')
    .action((file: string, o: { key?: string }) => {
      let parsed: unknown;
      try { parsed = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
        throw new VamcoError('VALIDATION_FAILED', `${file} is not a valid integrity report: ${(e as NodeJS.ErrnoException).code ? `it cannot be read (${(e as NodeJS.ErrnoException).code})` : 'it is not JSON'}.`);
      }
      const trusted = o.key ? publicKeyFrom(fs.readFileSync(o.key, 'utf8'), o.key) : undefined;
      const r = checkVerifyReport(parsed, file, trusted);
      out(`OK: signed by node ${r.nodeId} of ${r.instance} (key SHA-256 ${r.keyFingerprint}${trusted ? ', the key given' : ', the key inside the report'})`);
      out(`  checked ${r.startedAt} – ${r.finishedAt}: ${r.result.records} exchange records, ${r.result.adminRecords} admin-trail records, ${r.result.checkpoints} checkpoints`);
      for (const g of r.ranges) out(`  ${g.chain}${g.nodeId ? ` ${g.nodeId}` : ''}: records ${g.firstSeq ?? '-'}..${g.lastSeq ?? '-'} (${g.records})`);
      if (!trusted) out('  compare the key fingerprint with the node\'s, obtained out of band (--key), or the report proves only itself');
      if (r.result.ok) out('  the report says: the log was intact');
      else {
        out(`  the report says: the log was NOT intact: ${r.result.firstBad?.reason ?? 'unknown'}`);
        process.exitCode = 1;
      }
    });
  audit.command('anchor').description('print the latest signed checkpoint of every chain, to keep outside the platform')
    .action(() => withStore(async (ctx) => {
      // The admin trail has no owner: sign its head now so the anchor covers the latest action.
      await checkpointAdminHead(ctx.store.db, await loadOrCreateNodeKey(ctx.store, ctx.config.dataDir));
      out(JSON.stringify(await takeAnchor(ctx.store), null, 2));
    }));
  audit.command('export').description('write records, checkpoints and public keys as JSON Lines, the end line signed by this node')
    .requiredOption('--out <file>', 'the JSON Lines file to write')
    .action((o: { out: string }) => withStore(async (ctx) => {
      const r = await exportLog(ctx.store, o.out, await loadOrCreateNodeKey(ctx.store, ctx.config.dataDir));
      out(`exported ${r.records} records, ${r.checkpoints} checkpoints, ${r.adminRecords} admin-trail records to ${o.out}`);
    }));

  const secrets = program.command('secrets').description('The secret key file that seals second factors, backend credentials and dossier personal data');
  const keyFile = (c: Readonly<Config>) => ({ file: c.secretKeyFile ?? path.join(c.dataDir, SECRET_KEY_FILE), external: !!c.secretKeyFile });
  secrets.command('status').description('the keys in the key file and how many sealed values each holds')
    .action(() => withStore(async (ctx) => {
      const s = await keyStatus(ctx.store.db, await ctx.store.keyring());
      out(`key file ${s.file}`);
      for (const k of s.keys) out(`${k.kid}\t${k.current ? 'current' : 'old'}\t${k.sealedValues} sealed values`);
      if (s.notSealed) out(`${s.notSealed} values not sealed yet (sealed at the next start)`);
    }));
  secrets.command('rotate').description('make a new key current and re-seal every value with it (old keys stay to open old copies)')
    .action(() => withStore(async (ctx) => {
      const r = await rotateKey(ctx.store.db, keyFile(ctx.config));
      out(`new current key ${r.kid}; ${r.resealed} rows re-sealed. Copy the key file to every other node, then run "vamco secrets retire".`);
    }));
  secrets.command('retire').description('drop every key but the current one, once no value needs them')
    .action(() => withStore(async (ctx) => {
      const r = await retireOldKeys(ctx.store.db, keyFile(ctx.config));
      out(r.retired.length ? `retired ${r.retired.join(', ')}` : 'no old key to retire');
    }));

  const user = program.command('user').description('Console accounts: platform admins, agency admins, auditors');
  user.command('add <username>').description('create an account; prints its one-time password')
    .requiredOption('--role <role>', 'platform_admin, agency_admin or auditor')
    .option('--member <id>', 'the member an agency admin administers, CLASS/CODE').option('--name <display name>', 'the name the console shows')
    .action((username: string, o: { role: string; member?: string; name?: string }) => withStore(async (ctx) => {
      const r = await cliAddUser(ctx.store, { username, role: o.role as Role, memberId: o.member ?? null, displayName: o.name }, { actor: who().actor });
      out(`user ${r.username}, one-time password: ${r.oneTimePassword}`);
    }));
  user.command('reset-password <username>').description('new one-time password (also unlocks)').option('--totp', 'also reset two-step verification')
    .action((username: string, o: { totp?: boolean }) => withStore(async (ctx) => {
      const r = await cliResetPassword(ctx.store, username, { resetTotp: !!o.totp, actor: who().actor });
      out(`user ${r.username}, one-time password: ${r.oneTimePassword}`);
    }));
  user.command('list').description('accounts with role, member and state').action(() => withStore(async (ctx) => {
    for (const u of await cliListUsers(ctx.store)) out(`${u.username}\t${u.role}\t${u.memberId ?? '-'}\t${u.disabled ? 'disabled' : 'active'}`);
  }));

  const agency = program.command('agency').description('The province\'s agencies (public-administration data)');
  agency.command('import <file>').description('import agencies from JSON (see docs/publicadmin.md)')
    .action((file: string) => withStore(async (ctx) => { out(`imported ${(await importAgencies(ctx.store, file)).imported} agencies`); }));
  const procedure = program.command('procedure').description('The administrative-procedure catalogue');
  procedure.command('import <file>').description('import procedures in the national portal\'s LayThuTuc shape')
    .action((file: string) => withStore(async (ctx) => { out(`imported ${(await importProcedures(ctx.store, file)).imported} procedures`); }));

  registerPublicAdminCommands(program, withStore, out, () => who().actor);
  registerEdocCommands(program, withStore, out, () => who().actor);
  registerPkiCommands(program, withStore, out, () => who().actor);
  registerFederationCommands(program, withStore, out, () => who().actor);

  program.command('migrate').description('create the database or apply new migrations').action(() => withStore(async () => { out('migrations applied'); }, { create: true }));

  program.command('start').description('run every role in one process').option('--no-demo', 'do not register or run the demo')
    .action(async (o: { demo: boolean }) => {
      const config: Readonly<Config> = loadConfig(process.env, o.demo ? {} : { demo: false });
      if (isGatewayWorker()) {
        // A forked gateway (VAMCO_WORKERS > 1): the primary stops it with SIGTERM; Ctrl-C reaches
        // the whole process group, and the primary decides the order of shutdown.
        const worker = await startGatewayWorker(config);
        process.on('SIGINT', () => {});
        process.once('SIGTERM', () => void worker.stop().finally(() => process.exit(0)));
        return;
      }
      const platform = await startPlatform(config);
      printBanner(platform);
      let stopping = false;
      const shutdown = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        platform.logger.info({ sig }, 'stopping');
        // SIGTERM (systemd, a balancer's orchestration): drain first. Ctrl-C stops at once.
        await (sig === 'SIGTERM' ? platform.drain() : platform.stop());
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });

  /** The CLI's durations: a bare number counts seconds, as the help and the console say. */
  function seconds(v: string | undefined): number | undefined {
    return v === undefined ? undefined : parseDuration(v, 's');
  }

  function keyId(v: string): number {
    if (!/^\d+$/.test(v.trim())) throw new VamcoError('VALIDATION_FAILED', `"${v}" is not an API key id: give the number "vamco key list" shows in its first column`);
    return Number(v);
  }

  function readFile(f: string): string {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch (e) {
      throw new VamcoError('VALIDATION_FAILED', `Cannot read ${f}: ${(e as Error).message}`);
    }
  }

  function mergeAnchors(a: Anchor | undefined, b: Anchor | undefined): Anchor | undefined {
    if (!a || !b) return a ?? b;
    return { ...a, nodes: [...a.nodes, ...b.nodes], checkpoints: [...a.checkpoints, ...b.checkpoints] };
  }

  function report(r: VerifyResult & { warnings?: string[] }, file: string | undefined, anchored: number): void {
    for (const w of r.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
    if (r.ok) {
      out(`OK: ${r.records} records verified (${r.checkpoints} checkpoints, ${r.adminRecords} admin-trail records)${anchored ? `; the log extends all ${anchored} anchored checkpoints` : ''}`);
      if (r.interrupted) {
        // Not tampering: the provider got the request, its outcome was never recorded.
        out(`${r.interrupted} interrupted exchanges (request recorded, no outcome: the node stopped or its log failed in between, or still in flight):`);
        for (const i of r.interruptedExchanges ?? []) out(`  ${i.nodeId}#${i.seq} message ${i.messageId} at ${i.at}`);
        if (r.interrupted > (r.interruptedExchanges?.length ?? 0)) out(`  … and ${r.interrupted - (r.interruptedExchanges?.length ?? 0)} more`);
      }
      return;
    }
    const b = r.firstBad!;
    // A failure before any record (a file that is no export, a bad node key) names no record.
    const where = b.seq === 0 && b.nodeId === undefined ? (file ?? 'the log')
      : b.chain === 'message' ? `message-log record ${b.nodeId}#${b.seq}${b.messageId ? ` (message ${b.messageId})` : ''}` : `admin-trail record #${b.seq}`;
    process.stderr.write(`FAILED: ${where}${b.line ? ` at line ${b.line}` : ''}: ${b.reason}\n`);
    process.stdout.write(`verified ${r.records} records before the first bad one\n`);
    process.exitCode = 1;
  }
  return program;
}
