// `vamco edoc …`: the operator's and integrator's commands for the document hub (docs/edoc.md).
// They act on the same store as a running platform; `send` goes through the running gateway,
// signed with the endpoint's SDK secret, so the platform (and its message log) does the work.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Command } from 'commander';
import type { RegistryCtx } from '../registry/index.js';
import { EdocError, EdocHub, readPackage, signedHeaders } from '../edoc/index.js';
import { edocHub } from '../platform/edoc.js';

type WithStore = <T>(fn: (ctx: RegistryCtx) => Promise<T>) => Promise<T>;
type Out = (line: string) => void;

const noLog = { append: async () => { throw new Error('the CLI does not write the message log'); } };

export function registerEdocCommands(program: Command, withStore: WithStore, out: Out, actor: () => string): void {
  const withHub = <T>(fn: (hub: EdocHub, ctx: RegistryCtx) => Promise<T>) => withStore((ctx) => fn(edocHub({ store: ctx.store, config: ctx.config, log: noLog }), ctx));
  const edoc = program.command('edoc').description('Official document exchange: the edXML hub (docs/edoc.md)');

  const endpoint = edoc.command('endpoint').description('which subsystem sends and receives documents for its member');
  endpoint.command('set <subsystem>').description('name CLASS/MEMBER/SUBSYSTEM the document endpoint of its member; prints the SDK system id and a new secret (shown once)')
    .action((subsystem: string) => withHub(async (hub) => {
      const r = await hub.setEndpoint(subsystem, actor());
      out(`endpoint\t${r.organId}\t${r.subsystem}`);
      out(`systemId\t${r.systemId}`);
      out(`secret\t${r.secret}`);
    }));
  endpoint.command('list').description('the agencies reachable on this hub').action(() => withHub(async (hub) => {
    for (const e of await hub.listEndpoints()) out(`${e.organId}\t${e.subsystem}\t${e.name ?? ''}`);
  }));

  edoc.command('validate <file>').description('check an .edxml package as sendEdoc would (exit 1 with the ErrorCode when refused)')
    .action(async (file: string) => {
      try {
        const { pkg } = await readPackage(file);
        out(JSON.stringify(pkg, null, 2));
      } catch (e) {
        if (!(e instanceof EdocError)) throw e;
        process.stderr.write(`refused: ${e.code}: ${e.message}\n`);
        process.exitCode = 1;
      }
    });

  edoc.command('list').description('document traffic per agency: sent, pending, acknowledged, refused, stuck on the way to the national axis')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => withHub(async (hub) => {
      const t = await hub.traffic();
      if (o.json) return out(JSON.stringify(t, null, 2));
      out('agency\tsent\tpending\tacknowledged\trefused\tstuck');
      for (const r of t) out(`${r.organ}\t${r.sent}\t${r.pending}\t${r.acknowledged}\t${r.refused}\t${r.stuck}`);
    }));

  edoc.command('journey <docId>').description('a document\'s hops, deliveries and the statuses answering it')
    .action((docId: string) => withHub(async (hub) => { out(JSON.stringify(await hub.journey(docId), null, 2)); }));

  edoc.command('send <file>').description('send an .edxml through the running gateway as a member\'s document endpoint')
    .requiredOption('--as <subsystem>', 'the sending endpoint, CLASS/MEMBER/SUBSYSTEM')
    .option('--gateway <url>', 'the gateway', 'http://127.0.0.1:8080')
    .option('--status', 'the file is a status package (messagetype status)')
    .action(async (file: string, o: { as: string; gateway: string; status?: boolean }) => {
      const organ = o.as.split('/')[1] ?? '';
      const cred = await withHub((hub) => hub.hmacSecret(organ));
      if (!cred || cred.subsystem !== o.as) throw new EdocError('EDOC_NOT_ENDPOINT', `${o.as} is not a document endpoint (vamco edoc endpoint set ${o.as})`);
      const bytes = fs.readFileSync(file);
      const params = { messagetype: o.status ? 'status' : 'edoc', servicetype: 'eDoc', sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
      const form = new FormData();
      form.append('file', new Blob([bytes], { type: 'application/xml' }), file.split('/').pop() ?? 'package.edxml');
      const res = await fetch(`${o.gateway.replace(/\/+$/, '')}/edoc/v1/sendEdoc`, { method: 'POST', headers: signedHeaders(organ, cred.secret, 'sendEdoc', params), body: form });
      const body = await res.json() as { status: string; ErrorCode: string; ErrorDesc: string; DocId?: string };
      if (body.status === 'OK') out(body.DocId ?? '');
      else {
        process.stderr.write(`refused: ${body.ErrorCode}: ${body.ErrorDesc}\n`);
        process.exitCode = 1;
      }
    });
}
