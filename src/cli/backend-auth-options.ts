// The `--backend-auth …` options of `vamco service add|update`: how the gateway authenticates
// to the service's backend. Secrets come from files (never the command line, which shows in
// process lists and shell history) and are stored sealed in the database.
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { VamcoError } from '../core/errors.js';
import { readSecretFileArg, SCHEMES, type BackendAuthInput } from '../backend-auth/index.js';

export interface BackendAuthOptions {
  backendAuth?: string;
  tokenUrl?: string; clientId?: string; clientSecretFile?: string; scope?: string; clientAuth?: 'basic' | 'body';
  header?: string[];
  user?: string; secretFile?: string; template?: string;
  upstreamBudget?: string;
}

export function addBackendAuthOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend-auth <scheme>', 'how the gateway authenticates to the backend').choices([...SCHEMES, 'inherit']))
    .option('--token-url <url>', 'oauth2: the token endpoint, e.g. https://ndxp.example/token')
    .option('--client-id <key>', 'oauth2: the consumer key')
    .option('--client-secret-file <file>', 'oauth2: a file holding the consumer secret')
    .option('--scope <scope>', 'oauth2: the scope to ask for')
    .addOption(new Option('--client-auth <how>', 'oauth2: key and secret as HTTP Basic or in the form body').choices(['basic', 'body']))
    .option('--header <name=file>', 'static: a header and the file holding its value (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--user <user>', 'signed: the user name')
    .option('--secret-file <file>', 'signed: a file holding the secret')
    .option('--template <file>', 'signed: the template (JSON: algorithm, input, separator, encoding, timestamp, headers)')
    .option('--upstream-budget <rate>', 'shared budget towards the upstream for this credential, e.g. 100/s ("none" to lift it)');
}

/** undefined when no --backend-auth was given (an update then leaves the credential alone). */
export function backendAuthFrom(o: BackendAuthOptions): BackendAuthInput | undefined {
  if (!o.backendAuth) {
    if (o.tokenUrl || o.clientId || o.clientSecretFile || o.header || o.user || o.secretFile || o.template || o.upstreamBudget) {
      throw new VamcoError('VALIDATION_FAILED', 'Name the scheme with --backend-auth (none, static, oauth2, signed)');
    }
    return undefined;
  }
  const secret = (f?: string) => (f ? readSecretFileArg(f) : undefined);
  const input: BackendAuthInput = { scheme: o.backendAuth, budget: o.upstreamBudget === 'none' ? null : o.upstreamBudget };
  if (o.backendAuth === 'oauth2') Object.assign(input, { tokenUrl: o.tokenUrl, clientId: o.clientId, clientSecret: secret(o.clientSecretFile), scope: o.scope, clientAuth: o.clientAuth });
  if (o.backendAuth === 'static') {
    input.headers = (o.header ?? []).map((h) => {
      const i = h.indexOf('=');
      if (i <= 0) throw new VamcoError('VALIDATION_FAILED', `--header ${h}: write it as Name=/path/to/file-with-the-value`);
      return { name: h.slice(0, i), value: secret(h.slice(i + 1)) };
    });
  }
  if (o.backendAuth === 'signed') {
    let template: unknown;
    if (o.template) {
      try {
        template = JSON.parse(fs.readFileSync(o.template, 'utf8'));
      } catch (e) {
        throw new VamcoError('VALIDATION_FAILED', `--template ${o.template}: ${(e as Error).message}`);
      }
    }
    Object.assign(input, { user: o.user, secret: secret(o.secretFile), template });
  }
  return input;
}
