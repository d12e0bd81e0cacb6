// A worker thread of `vamco audit verify` (src/audit/verify.ts): checks the chains it is given,
// one at a time, over its own read-only connection, and hands back each chain's findings.
import { parentPort, workerData } from 'node:worker_threads';
import { openChainQuery } from './store-chains.js';
import { ChainVerifier } from './verifier.js';
import { feedChain, type ChainJob, type ThreadSetup } from './verify.js';

const setup = workerData as ThreadSetup;
const port = parentPort!;
const conn = await openChainQuery(setup.spec);

port.on('message', (m: { i: number; job: ChainJob } | { close: true }) => {
  if ('close' in m) {
    void conn.close().finally(() => port.close());
    return;
  }
  void (async () => {
    try {
      const v = new ChainVerifier();
      v.expectAnchors(setup.anchors);
      for (const n of setup.nodes) v.addNode(n.node_id, n.public_key);
      await feedChain(v, conn.query, m.job);
      port.postMessage({ i: m.i, part: v.part() });
    } catch (e) {
      port.postMessage({ i: m.i, error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
