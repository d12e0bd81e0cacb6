// Which backend URLs a service may point at. Loopback, link-local and cloud metadata
// addresses are refused (they let a registered "service" reach the platform's own host),
// unless the operator allows them by host or CIDR in VAMCO_BACKEND_ALLOW. The platform's own
// ports stay refused even then. Private ranges (10/8, 192.168/16…) are where agency backends
// live in a provincial data centre, so they are allowed.
import dns from 'node:dns/promises';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import { VamcoError, reason } from '../core/errors.js';

const blocked = new net.BlockList();
blocked.addSubnet('127.0.0.0', 8, 'ipv4');
blocked.addSubnet('0.0.0.0', 8, 'ipv4');
blocked.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, incl. 169.254.169.254 metadata
blocked.addAddress('100.100.100.200', 'ipv4'); // a cloud metadata address
blocked.addAddress('::1', 'ipv6');
blocked.addAddress('::', 'ipv6');
blocked.addSubnet('fe80::', 10, 'ipv6');
blocked.addAddress('fd00:ec2::254', 'ipv6');

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

function family(addr: string): 'ipv4' | 'ipv6' {
  return net.isIPv6(addr) ? 'ipv6' : 'ipv4';
}

/** Maps ::ffff:a.b.c.d to a.b.c.d so IPv4 rules apply to mapped addresses too. */
function unmap(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1] : addr;
}

export function isInternalAddress(addr: string): boolean {
  const a = unmap(addr.replace(/^\[|\]$/g, ''));
  return blocked.check(a, family(a));
}

function isOwnAddress(addr: string): boolean {
  const a = unmap(addr.replace(/^\[|\]$/g, '')).toLowerCase();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (unmap(i.address).toLowerCase() === a) return true;
  }
  return false;
}

export interface BackendPolicy {
  allow: readonly string[];
  ownPorts: readonly number[];
}

function allowList(entries: readonly string[]): { hosts: Set<string>; ranges: net.BlockList } {
  const hosts = new Set<string>();
  const ranges = new net.BlockList();
  for (const e of entries) {
    const [ip, bits] = e.split('/');
    if (bits !== undefined && net.isIP(ip)) ranges.addSubnet(ip, Number(bits), family(ip));
    else if (net.isIP(e)) ranges.addAddress(e, family(e));
    else hosts.add(e.toLowerCase());
  }
  return { hosts, ranges };
}

/**
 * Validates a backend URL. WHATWG URL parsing already canonicalises odd IPv4 forms
 * ("127.1", "0x7f000001", "2130706433") to dotted quads, so checks run on the real address.
 */
export async function checkBackendUrl(raw: string, policy: BackendPolicy, resolve: (host: string) => Promise<string[]> = resolveAll): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VamcoError('BACKEND_URL_REFUSED', `"${raw}" is not a valid URL`, reason('backend_invalid'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VamcoError('BACKEND_URL_REFUSED', `Backend URLs must be http or https, not ${url.protocol.replace(':', '')}`, reason('backend_scheme'));
  }
  if (url.username || url.password) {
    throw new VamcoError('BACKEND_URL_REFUSED', 'Backend URLs must not carry credentials; set backend authentication instead', reason('backend_credentials'));
  }
  if (url.hash) throw new VamcoError('BACKEND_URL_REFUSED', 'Backend URLs must not have a #fragment', reason('backend_fragment'));
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const { hosts, ranges } = allowList(policy.allow);
  let addrs: string[];
  if (net.isIP(host)) addrs = [host];
  else {
    if (METADATA_HOSTS.has(host)) throw new VamcoError('BACKEND_URL_REFUSED', `${host} is a cloud metadata host`, reason('backend_metadata', { host }));
    try {
      addrs = await resolve(host);
    } catch {
      throw new VamcoError('BACKEND_URL_REFUSED', `The backend host ${host} does not resolve`, reason('backend_unresolved', { host }));
    }
  }
  const refused = addressesRefused(host, port, addrs, policy.ownPorts, hosts, ranges);
  if (refused) throw new VamcoError('BACKEND_URL_REFUSED', refused.why, refused.opts);
  return url;
}

const resolveAll = async (host: string): Promise<string[]> => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

function addressesRefused(host: string, port: number, addrs: string[], ownPorts: readonly number[], hosts: Set<string>, ranges: net.BlockList): { why: string; opts: ReturnType<typeof reason> } | undefined {
  const internal = addrs.filter(isInternalAddress);
  // The gateway listens on every interface by default: its ports on this host's own
  // addresses are refused as well as on loopback.
  if (ownPorts.includes(port) && (internal.length > 0 || addrs.some(isOwnAddress))) {
    return { why: `${host}:${port} is one of the platform's own ports`, opts: reason('backend_own_port', { host: `${host}:${port}` }) };
  }
  if (internal.length > 0 && !(hosts.has(host) || internal.every((a) => ranges.check(unmap(a), family(unmap(a)))))) {
    return { why: `${host} resolves to an internal address (${internal[0]}); allow it with VAMCO_BACKEND_ALLOW if intended`, opts: reason('backend_internal', { host, address: internal[0] }) };
  }
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type Resolver = (host: string, options: LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * A `lookup` for the sockets that connect to backends: the policy applied to the addresses
 * actually connected to, not only to the name at registration. A name that resolved to a
 * public address when the service was registered and to 127.0.0.1 or the metadata address
 * now (DNS rebinding) fails to connect, with code EBACKENDREFUSED.
 */
export function connectLookup(policy: BackendPolicy, port: number, resolver: Resolver = dnsLookup as unknown as Resolver) {
  const { hosts, ranges } = allowList(policy.allow);
  return (hostname: string, options: { all?: boolean; family?: number | string }, cb: LookupCallback): void => {
    resolver(hostname, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) { cb(err, []); return; }
      const host = hostname.toLowerCase();
      const why = METADATA_HOSTS.has(host) ? `${host} is a cloud metadata host`
        : addressesRefused(host, port, addresses.map((a) => a.address), policy.ownPorts, hosts, ranges)?.why;
      if (why) {
        const e: NodeJS.ErrnoException = new Error(`Connection refused by the backend policy: ${why}`);
        e.code = 'EBACKENDREFUSED';
        cb(e, []);
        return;
      }
      if (options.all) cb(null, addresses);
      else cb(null, addresses[0].address, addresses[0].family);
    });
  };
}
