// The node's Ed25519 signing key: one per gateway process data directory, registered in
// `nodes` so anyone with database access can check this node's checkpoints.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VamcoError } from '../core/index.js';
import type { Store } from '../store/index.js';
import { nodeIdFor } from './chain.js';
import type { NodeKey } from './types.js';

export const NODE_KEY_FILE = 'node-key.pem';

function readKey(file: string): crypto.KeyObject {
  const key = crypto.createPrivateKey(fs.readFileSync(file, 'utf8'));
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new VamcoError('INTERNAL', `${file} does not hold an Ed25519 private key`);
  }
  return key;
}

// Written to a temporary file, synced, then hard-linked into place: link fails if another
// process won the race, and nobody ever reads a half-written key.
function createKey(file: string): crypto.KeyObject {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, pem);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readKey(file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return privateKey;
}

/** The node key a running node's data dir holds (gateway workers sign receipts with it); null when none yet. */
export function readNodeKeyFile(dataDir: string): NodeKey | null {
  const file = path.join(dataDir, NODE_KEY_FILE);
  if (!fs.existsSync(file)) return null;
  const privateKey = readKey(file);
  const publicKey = crypto.createPublicKey(privateKey);
  return { nodeId: nodeIdFor(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

/** The data dir's node key, made now if it has none (`created`); not registered anywhere yet. */
export function loadOrCreateNodeKeyFile(dataDir: string): { key: NodeKey; created: boolean } {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, NODE_KEY_FILE);
  const created = !fs.existsSync(file);
  const privateKey = created ? createKey(file) : readKey(file);
  const publicKey = crypto.createPublicKey(privateKey);
  return { key: { nodeId: nodeIdFor(publicKey), privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string }, created };
}

export async function loadOrCreateNodeKey(store: Store, dataDir: string): Promise<NodeKey> {
  const { key } = loadOrCreateNodeKeyFile(dataDir);
  await registerNode(store, key);
  return key;
}

/** Records the node's public key if absent; a different key under the same id is refused. */
export async function registerNode(store: Store, key: NodeKey): Promise<void> {
  await store.db.insertInto('nodes')
    .values({ node_id: key.nodeId, public_key: key.publicKeyPem, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('node_id').doNothing())
    .execute();
  const row = await store.db.selectFrom('nodes').select('public_key').where('node_id', '=', key.nodeId).executeTakeFirstOrThrow();
  const registered = crypto.createPublicKey(row.public_key).export({ type: 'spki', format: 'der' });
  const ours = crypto.createPublicKey(key.privateKey).export({ type: 'spki', format: 'der' });
  if (!registered.equals(ours)) {
    throw new VamcoError('CONFLICT', `node ${key.nodeId} is registered with a different public key`);
  }
}
