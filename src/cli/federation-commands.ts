// `vamco peer …` and `vamco outbound …`: the other instances this platform exchanges with over
// mutual TLS, and which local clients may call their services (docs/operator-guide.md, "Federation").
import { Command } from 'commander';
import * as reg from '../registry/index.js';
import { VamcoError } from '../core/errors.js';
import { platformPeerCert } from '../pki/index.js';
import { readText, type Out, type WithStore } from './pki-commands.js';

export function registerFederationCommands(program: Command, withStore: WithStore, out: Out, actor: () => string): void {
  const who = () => ({ actor: actor() });
  const peer = program.command('peer').description('Other instances (provinces, ministries, the national platform) this platform exchanges with over mutual TLS, directly or through an X-Road security server');
  peer.command('add <instance>').description('trust another instance: its gateway URL and its CA certificate (what "vamco ca export" printed there); or, with --type xroad, the X-Road security server that reaches it')
    .requiredOption('--url <url>', 'the peer\'s gateway over HTTPS, e.g. https://ndxp.example:8443 (xroad: the security server\'s address for information systems, e.g. https://ss.example:8443)')
    .option('--type <type>', 'vamco (a Vamco platform) or xroad (an X-Road security server, called as one of its information systems)', 'vamco')
    .option('--ca <file>', 'the peer\'s CA certificate (PEM); xroad: the security server\'s internal TLS certificate, or its issuer')
    .option('--fingerprint <sha256>', 'instead of --ca: the SHA-256 of the one certificate the peer presents when it calls; xroad: of the certificate the security server presents when it calls (default: the --ca certificate)')
    .option('--client <id>', 'xroad only: this platform\'s client at the security server, INSTANCE/CLASS/MEMBER/SUBSYSTEM, or INSTANCE/CLASS/MEMBER to use each local client\'s subsystem code under that member')
    .option('--cert <file>', 'this platform\'s certificate towards the peer (default: one the platform CA issues, naming this instance)')
    .option('--key <file>', 'the key of --cert')
    .option('--directory-key <file>', 'the public key(s) (PEM) the peer\'s nodes sign its directory with')
    .option('--directory-key-on-first-use', 'instead of --directory-key: pin the key of the first directory fetched (trust on first use)')
    .action((instance: string, o: { url: string; type: string; ca?: string; fingerprint?: string; client?: string; cert?: string; key?: string; directoryKey?: string; directoryKeyOnFirstUse?: boolean }) => withStore(async (ctx) => {
      if (!!o.cert !== !!o.key) throw new VamcoError('VALIDATION_FAILED', 'Give --cert and --key together');
      const clientCert = o.cert && o.key ? { cert: readText(o.cert), key: readText(o.key) }
        : await platformPeerCert(ctx.store, ctx.config.dataDir, { instance: ctx.config.instance, operatorName: ctx.config.operatorName });
      const p = await reg.addPeer(ctx, {
        instance, type: o.type as reg.PeerType, xroadClient: o.client ?? null, url: o.url, ca: o.ca ? readText(o.ca) : null, fingerprint: o.fingerprint ?? null, clientCert,
        directoryKey: o.directoryKey ? readText(o.directoryKey) : null, directoryKeyOnFirstUse: !!o.directoryKeyOnFirstUse,
      }, who());
      out(`added\t${p.instance}\t${p.url}${p.type === 'xroad' ? `\txroad as ${p.xroadClient}` : ''}`);
      // The certificate to register at the security server for that client (its TLS certificate as an information system).
      if (p.type === 'xroad') out(`accepts\tcalls from the security server presenting SHA-256 ${p.fingerprint}`);
      out(`presents\t${p.clientCert?.subject}\tSHA-256 ${p.clientCert?.sha256}`);
    }, { create: true }));
  peer.command('list').description('one peer per line: instance, URL, how it is trusted, type (vamco or xroad, with this platform\'s client id there), trusted or withdrawn since when').action(() => withStore(async (ctx) => {
    for (const p of await reg.listPeers(ctx)) {
      const trust = p.type === 'xroad' ? `ca ${p.ca!.subject} (SHA-256 ${p.ca!.sha256}), pinned ${p.fingerprint}` : p.ca ? `ca ${p.ca.subject} (SHA-256 ${p.ca.sha256})` : `pinned ${p.fingerprint}`;
      out(`${p.instance}\t${p.url}\t${trust}\t${p.type === 'xroad' ? `xroad as ${p.xroadClient}` : 'vamco'}\t${p.trusted ? 'trusted' : `withdrawn since ${p.trustWithdrawnAt}`}`);
    }
  }));
  peer.command('directory-key <instance>').description('accept the new key(s) a peer\'s directory is signed with (after confirming them with its operator), or pin the next one fetched again')
    .option('--key <file>', 'the public key(s) (PEM) the peer\'s nodes now sign its directory with; they replace the pinned ones')
    .option('--on-first-use', 'instead of --key: forget the pinned key and pin the key of the next directory fetched')
    .action((instance: string, o: { key?: string; onFirstUse?: boolean }) => withStore(async (ctx) => {
      const p = await reg.setDirectoryKey(ctx, instance, { directoryKey: o.key ? readText(o.key) : null, onFirstUse: !!o.onFirstUse }, who());
      out(`${p.instance}\tdirectory key ${p.directoryKeys.length ? p.directoryKeys.join(',') : 'pinned at the next fetch'}`);
    }));
  // Withdrawing keeps the entry (certificates, pinned directory key, kept directory), so trust
  // can be given back without re-exchanging certificates; "remove" forgets all of it.
  peer.command('withdraw <instance>').description('withdraw trust in a peer: calls to and from it are refused within a second; its entry, certificates and kept directory stay (give trust back with "vamco peer trust")')
    .action((instance: string) => withStore(async (ctx) => {
      const p = await reg.setPeerTrust(ctx, instance, false, who());
      out(`withdrawn\t${p.instance}\tsince ${p.trustWithdrawnAt}`);
    }));
  peer.command('trust <instance>').description('give back trust withdrawn with "vamco peer withdraw": calls to and from the peer are taken again within a second')
    .action((instance: string) => withStore(async (ctx) => {
      const p = await reg.setPeerTrust(ctx, instance, true, who());
      out(`trusted\t${p.instance}`);
    }));
  peer.command('remove <instance>').description('forget a peer: trust withdrawn (calls to and from it refused within a second) and its entry and certificates deleted').action((instance: string) => withStore(async (ctx) => {
    await reg.removePeer(ctx, instance, who());
  }));

  const outbound = program.command('outbound').description('Which local clients may call which services of other instances (default deny)');
  outbound.command('allow <service> <client>').description('let a local client subsystem (CLASS/MEMBER/SUB) call a foreign service (INSTANCE/CLASS/MEMBER/SUB/SERVICE)')
    .action((service: string, client: string) => withStore(async (ctx) => { await reg.allowOutbound(ctx, { service, client }, who()); }));
  outbound.command('deny <service> <client>').description('remove an outbound rule')
    .action((service: string, client: string) => withStore(async (ctx) => { await reg.denyOutbound(ctx, { service, client }, who()); }));
  outbound.command('list').description('one rule per line: foreign service and local client').action(() => withStore(async (ctx) => {
    for (const r of await reg.listOutbound(ctx)) out(`${r.serviceId}\t${r.clientId}`);
  }));
}
