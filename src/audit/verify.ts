// `vamco audit verify`: recompute every chain in the database and check every checkpoint.
// Chains are independent (each node's message chain, the admin trail), so on a compiled build
// they are checked on worker threads, one chain at a time per thread, each thread with its own
// connection; the parts are then taken in chain order, so the result (first bad record, counts,
// interrupted exchanges) is the one a single pass would give.
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Store } from '../store/index.js';
import { hashAdmin, hashMessage } from './chain.js';
import { adminChain, chainNodes, messageChain, registeredNodes, storeQuery, storeSpec, type ChainQuery, type ChainSourceSpec } from './store-chains.js';
import { ChainVerifier, type AnchorPoint, type VerifierPart } from './verifier.js';
import type { VerifyResult } from './types.js';
import type { Anchor } from './anchor.js';

export type ChainJob = { chain: 'message'; nodeId: string } | { chain: 'admin' };

export interface VerifyOptions {
  /** Worker threads checking chains (default: one per core, at most one per chain); 0 or 1: all on this thread. */
  threads?: number;
}

// The worker's compiled module. Absent when this file runs from TypeScript source (vitest):
// a worker thread cannot load .ts there, so the chains are then checked on this thread.
const THREAD_FILE = fileURLToPath(new URL('./verify-thread.js', import.meta.url));
export const canUseThreads = (): boolean => fs.existsSync(THREAD_FILE);

/** With an anchor (`vamco audit anchor`), the log must also still extend every checkpoint it holds. */
export async function verifyStore(store: Store, anchor?: Anchor, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const v = new ChainVerifier();
  const anchors = anchor?.checkpoints ?? [];
  v.expectAnchors(anchors);
  const nodes = await registeredNodes(store);
  for (const n of nodes) {
    const why = v.addNode(n.node_id, n.public_key);
    if (why) return failed(v, { chain: 'message', nodeId: n.node_id, seq: 0, reason: `The nodes table was altered: ${why}.` });
  }
  const jobs: ChainJob[] = [...(await chainNodes(store)).map((nodeId) => ({ chain: 'message' as const, nodeId })), { chain: 'admin' }];
  const threads = Math.min(opts.threads ?? os.availableParallelism(), jobs.length);
  const spec = storeSpec(store);
  if (threads > 1 && spec && canUseThreads()) {
    for (const part of await onThreads(spec, jobs, threads, { nodes, anchors })) {
      if (!v.absorb(part)) return v.result();
    }
  } else {
    const query = storeQuery(store);
    for (const job of jobs) {
      if (!(await feedChain(v, query, job))) return v.result();
    }
  }
  v.finish();
  return v.result();
}

/** Feeds one chain's records and checkpoints, in order, to `v`; false at the first bad one. */
export async function feedChain(v: ChainVerifier, query: ChainQuery, job: ChainJob): Promise<boolean> {
  if (job.chain === 'message') {
    const nodeId = job.nodeId;
    for await (const e of messageChain(query, nodeId)) {
      const ok = e.kind === 'record'
        ? v.record('message', nodeId, { seq: e.row.seq, prevHash: e.row.prev_hash, hash: e.row.hash, recomputed: hashMessage(e.row), messageId: e.row.message_id, requestId: e.row.request_id, status: e.row.status, at: e.row.at })
        : v.checkpoint({ chain: e.row.chain, nodeId: e.row.node_id, seq: e.row.seq, hash: e.row.hash, at: e.row.at, signature: e.row.signature, prev: e.row.prev });
      if (!ok) return false;
    }
    return true;
  }
  for await (const e of adminChain(query)) {
    const ok = e.kind === 'record'
      ? v.record('admin', undefined, { seq: e.row.seq, prevHash: e.row.prev_hash, hash: e.row.hash, recomputed: hashAdmin(e.row) })
      : v.checkpoint({ chain: e.row.chain, nodeId: e.row.node_id, seq: e.row.seq, hash: e.row.hash, at: e.row.at, signature: e.row.signature, prev: e.row.prev });
    if (!ok) return false;
  }
  return true;
}

/** What every verify thread starts from: the registered keys and the anchor's points. */
export interface ThreadSetup { spec: ChainSourceSpec; nodes: Array<{ node_id: string; public_key: string }>; anchors: readonly AnchorPoint[] }

/** Checks `jobs` on `threads` worker threads, each taking the next chain when done; parts in job order. */
async function onThreads(spec: ChainSourceSpec, jobs: readonly ChainJob[], threads: number, setup: Omit<ThreadSetup, 'spec'>): Promise<VerifierPart[]> {
  const parts: VerifierPart[] = new Array(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  const run = () => new Promise<void>((resolve, reject) => {
    const w = new Worker(THREAD_FILE, { workerData: { spec, ...setup } satisfies ThreadSetup });
    workers.push(w);
    let settled = false;
    let busy = false;
    const settle = (e?: Error) => {
      if (settled) return;
      settled = true;
      if (e) reject(e); else resolve();
    };
    const give = () => {
      busy = next < jobs.length;
      if (busy) { const i = next++; w.postMessage({ i, job: jobs[i] }); } else w.postMessage({ close: true });
    };
    w.on('message', (m: { i: number; part?: VerifierPart; error?: string }) => {
      if (m.error !== undefined) return settle(new Error(`audit verify thread: ${m.error}`));
      parts[m.i] = m.part!;
      give();
    });
    w.on('error', (e) => settle(e));
    w.on('exit', (code) => settle(busy || code !== 0 ? new Error(`audit verify thread exited with code ${code}`) : undefined));
    give();
  });
  try {
    await Promise.all(Array.from({ length: threads }, run));
  } finally {
    // After a failure the others are stopped; after success they have already exited.
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return parts;
}

function failed(v: ChainVerifier, bad: NonNullable<VerifyResult['firstBad']>): VerifyResult {
  v.fail(bad);
  return v.result();
}
