// Directory exchange (issue 17, item 4): an instance publishes a signed list of what it shares
// (members, subsystems, services with their types and endpoints; never backend URLs, limits or
// credentials), and a peer keeps the last copy whose signature held, on disk, so a platform
// that is down still has its directory known. Format: docs/federation.md, "Directory".
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { request, type Dispatcher } from 'undici';
import type { Config } from '../config/index.js';
import { VamcoError } from '../core/errors.js';
import { anonymiseOpenApi, type Snapshot } from '../registry/index.js';
import { listClients, serviceEntry, type ClientList } from '../gateway/index.js';
import { nodeIdFor } from '../audit/chain.js';
import type { NodeKey } from '../audit/index.js';

export const DIRECTORY_PATH = '/federation/v1/directory';
export const DIRECTORY_FORMAT = 'vamco-directory';

export interface DirectoryContent {
  format: typeof DIRECTORY_FORMAT;
  version: 1;
  instance: string;
  /** The registry snapshot version it was made from. */
  snapshotVersion: number;
  generatedAt: string;
  /** As listClients (PR-META §2) names them. */
  members: ClientList['member'];
  /** As listMethods (PR-MREST §3) names them. */
  services: Array<ReturnType<typeof serviceEntry>>;
  /** CLASS/MEMBER/SUBSYSTEM/SERVICE → its OpenAPI description as getOpenAPI gives it (server addresses reduced to their paths). */
  openapi?: Record<string, Record<string, unknown>>;
}

/** What travels: the content's exact JSON bytes (base64url) and the signature over them. */
export interface SignedDirectory { payload: string; nodeId: string; publicKey: string; signature: string }

const signedBytes = (payload: Buffer) => Buffer.concat([Buffer.from('vamco-directory-v1\n', 'utf8'), payload]);

export function directoryContent(snap: Snapshot, cfg: Readonly<Config>): DirectoryContent {
  const services = [...snap.services.values()].sort((a, b) => a.key.localeCompare(b.key)).map((s) => serviceEntry(cfg, s));
  return {
    format: DIRECTORY_FORMAT, version: 1, instance: cfg.instance, snapshotVersion: snap.version, generatedAt: new Date(snap.builtAt).toISOString(),
    members: listClients(snap, cfg).member, services,
    openapi: Object.fromEntries([...snap.services.values()].filter((s) => s.openapi).sort((a, b) => a.key.localeCompare(b.key))
      .map((s) => [s.key, anonymiseOpenApi(JSON.parse(s.openapi!) as Record<string, unknown>)])),
  };
}

export function signDirectory(key: NodeKey, content: DirectoryContent): SignedDirectory {
  const payload = Buffer.from(JSON.stringify(content), 'utf8');
  return { payload: payload.toString('base64url'), nodeId: key.nodeId, publicKey: key.publicKeyPem, signature: crypto.sign(null, signedBytes(payload), key.privateKey).toString('base64') };
}

/** Checks the signature (and, with `trusted`, the signer) and the instance; returns the content. */
export function verifyDirectory(v: unknown, expect: { instance: string; trusted?: crypto.KeyObject | readonly crypto.KeyObject[] }, source: string): DirectoryContent {
  const bad = (why: string): never => { throw new VamcoError('VALIDATION_FAILED', `${source} is not a valid directory: ${why}.`); };
  const o = v as Partial<SignedDirectory> | null;
  if (!o || typeof o !== 'object' || typeof o.payload !== 'string' || typeof o.publicKey !== 'string' || typeof o.signature !== 'string' || typeof o.nodeId !== 'string') return bad('payload, nodeId, publicKey and signature are required');
  let key: crypto.KeyObject;
  try { key = crypto.createPublicKey(o.publicKey); } catch { return bad('its publicKey cannot be read'); }
  if (key.asymmetricKeyType !== 'ed25519' || nodeIdFor(key) !== o.nodeId) return bad(`its publicKey is not node ${o.nodeId}'s Ed25519 key`);
  if (expect.trusted) {
    const der = key.export({ type: 'spki', format: 'der' });
    const keys = Array.isArray(expect.trusted) ? expect.trusted : [expect.trusted as crypto.KeyObject];
    if (!keys.some((k) => k.export({ type: 'spki', format: 'der' }).equals(der))) {
      // Its own code: the one refusal an operator acts on (vamco peer directory-key, once the new key is confirmed).
      throw new VamcoError('DIRECTORY_KEY_UNTRUSTED', `${source} is not a valid directory: it is signed by node ${o.nodeId}, not with the key pinned for ${expect.instance}.`, { extra: { nodeId: o.nodeId, publicKey: o.publicKey } });
    }
  }
  const payload = Buffer.from(o.payload, 'base64url');
  let ok = false;
  try { ok = crypto.verify(null, signedBytes(payload), key, Buffer.from(o.signature, 'base64')); } catch { ok = false; }
  if (!ok) return bad('its signature does not match its content');
  let c: DirectoryContent;
  try { c = JSON.parse(payload.toString('utf8')) as DirectoryContent; } catch { return bad('its payload is not JSON'); }
  if (c?.format !== DIRECTORY_FORMAT || c.version !== 1 || !Array.isArray(c.members) || !Array.isArray(c.services)) return bad('its payload is not a directory of version 1');
  if (c.instance !== expect.instance) return bad(`it is the directory of ${c.instance}, not of ${expect.instance}`);
  return c;
}

export interface DirectoryPublisher { current(): { body: string; etag: string } | null }

/** The publishing side: one signed copy per snapshot version, with its ETag. */
export function directoryPublisher(a: { key: NodeKey; config: Readonly<Config>; current(): Snapshot | null }): DirectoryPublisher {
  let cached: { version: number; body: string; etag: string } | null = null;
  return {
    current(): { body: string; etag: string } | null {
      const snap = a.current();
      if (!snap) return null;
      if (cached?.version !== snap.version) {
        const body = JSON.stringify(signDirectory(a.key, directoryContent(snap, a.config)));
        cached = { version: snap.version, body, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      }
      return cached;
    },
  };
}

export interface FetchOutcome {
  state: 'updated' | 'not-modified' | 'kept-last-good'; content: DirectoryContent | null; error?: string;
  /** The catalogue code of the failure, when it has one (DIRECTORY_KEY_UNTRUSTED: signed with a key not pinned). */
  code?: string;
  /** For DIRECTORY_KEY_UNTRUSTED: the node whose key signed the refused copy. */
  refusedNodeId?: string;
  /** The signer's public key (PEM) of a copy taken now. */
  signerKey?: string;
}

/**
 * The fetching side: a conditional GET (If-None-Match with the last good copy's ETag); a new
 * copy replaces the kept one only once its signature holds; anything else keeps the last good
 * copy ({dir}/{instance}.json, written atomically).
 */
export class DirectoryCopy {
  private readonly file: string;
  constructor(private readonly a: { dir: string; instance: string; url: string; trusted?: crypto.KeyObject | readonly crypto.KeyObject[]; dispatcher?: Dispatcher }) {
    this.file = path.join(a.dir, `${a.instance}.json`);
  }

  read(): { etag: string | null; signed: SignedDirectory; content: DirectoryContent } | null {
    if (!fs.existsSync(this.file)) return null;
    const kept = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { etag: string | null; signed: SignedDirectory };
    return { ...kept, content: verifyDirectory(kept.signed, this.a, this.file) };
  }

  async fetch(): Promise<FetchOutcome> {
    let last: ReturnType<DirectoryCopy['read']> = null;
    try { last = this.read(); } catch { last = null; }
    try {
      const res = await request(this.a.url.replace(/\/+$/, '') + DIRECTORY_PATH, {
        headers: last?.etag ? { 'if-none-match': last.etag } : {}, headersTimeout: 15_000, bodyTimeout: 15_000,
        ...(this.a.dispatcher ? { dispatcher: this.a.dispatcher } : {}),
      });
      const text = await res.body.text();
      if (res.statusCode === 304 && last) return { state: 'not-modified', content: last.content, signerKey: last.signed.publicKey };
      if (res.statusCode !== 200) throw new Error(`${this.a.url} answered ${res.statusCode}`);
      let signed: SignedDirectory;
      try { signed = JSON.parse(text) as SignedDirectory; } catch { throw new Error(`${this.a.url} answered something that is not JSON`); }
      const content = verifyDirectory(signed, this.a, `the directory from ${this.a.url}`);
      fs.mkdirSync(this.a.dir, { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ etag: res.headers.etag ?? null, fetchedAt: new Date().toISOString(), signed }), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
      return { state: 'updated', content, signerKey: signed.publicKey };
    } catch (e) {
      const coded = e instanceof VamcoError ? { code: e.code, ...(e.code === 'DIRECTORY_KEY_UNTRUSTED' ? { refusedNodeId: String(e.extra?.nodeId) } : {}) } : {};
      return { state: 'kept-last-good', content: last?.content ?? null, error: (e as Error).message, ...coded };
    }
  }
}
