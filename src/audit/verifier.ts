// Chain checking shared by the database and the export file: both feed the same events
// (each chain's records in seq order, each checkpoint right after the record it signs).
import crypto from 'node:crypto';
import { checkpointHash, checkpointSignatureOk, GENESIS, nodeIdFor } from './chain.js';
import type { ChainName } from './checkpoints.js';
import type { InterruptedExchange, VerifyResult } from './types.js';

export type FirstBad = NonNullable<VerifyResult['firstBad']>;

export interface RecordEvent {
  seq: number; prevHash: string; hash: string; recomputed: string; messageId?: string;
  /** Message records: pairs a request record (status 0) with its exchange's outcome record. */
  requestId?: string; status?: number; at?: string;
}
export interface CheckpointEvent { chain: string; nodeId: string; seq: number; hash: string; at: string; signature: string; prev?: string | null }

/** At most this many interrupted exchanges are named in a result (all are counted). */
const NAMED_INTERRUPTED = 100;

/** A checkpoint kept outside the platform (`vamco audit anchor`): the log must still extend it. */
export interface AnchorPoint {
  chain: ChainName; nodeId: string; seq: number; hash: string; at: string;
  /** Who kept it outside, when not an anchor file: a witness (issue 17), named in the failure. */
  by?: string;
}

interface ChainState { lastSeq: number; lastHash: string; lastMessageId?: string }

/** A verifier's findings as plain data (it crosses threads): see ChainVerifier.part(). */
export interface VerifierPart {
  records: number; checkpoints: number; adminRecords: number; bad?: FirstBad;
  chains: Array<[string, ChainState]>; open: Array<[string, InterruptedExchange]>;
}
/** Per signer and chain: the last checkpoint's hash, and whether checkpoints are chained yet. */
interface SignerState { lastHash?: string; lastSeq?: number; chained: boolean }

const chainKey = (chain: ChainName, nodeId: string | undefined): string => (chain === 'admin' ? 'admin' : `message\u0000${nodeId}`);

export class ChainVerifier {
  records = 0;
  checkpoints = 0;
  adminRecords = 0;
  bad: FirstBad | undefined;
  private readonly chains = new Map<string, ChainState>();
  private readonly keys = new Map<string, crypto.KeyObject>();
  private readonly badKeys = new Set<string>();
  private readonly signers = new Map<string, SignerState>();
  private readonly anchors = new Map<string, AnchorPoint[]>();

  /** Points the log must still extend: each anchored record must be there with the anchored hash. */
  expectAnchors(points: readonly AnchorPoint[]): void {
    for (const p of points) {
      const k = chainKey(p.chain, p.nodeId);
      this.anchors.set(k, [...(this.anchors.get(k) ?? []), p].sort((a, b) => a.seq - b.seq));
    }
  }
  // Request records still waiting for their outcome record, by node and request id.
  private readonly open = new Map<string, InterruptedExchange>();

  /** Registers a node's public key; returns a reason when it cannot be trusted. */
  addNode(nodeId: string, publicKeyPem: string): string | undefined {
    let key: crypto.KeyObject;
    try {
      key = crypto.createPublicKey(publicKeyPem);
    } catch {
      this.badKeys.add(nodeId);
      return `node ${nodeId} has a public key that cannot be read`;
    }
    if (key.asymmetricKeyType !== 'ed25519' || nodeIdFor(key) !== nodeId) {
      this.badKeys.add(nodeId);
      return `node ${nodeId} has a public key that does not belong to that node id`;
    }
    this.keys.set(nodeId, key);
    return undefined;
  }

  keyOf(nodeId: string): crypto.KeyObject | undefined {
    return this.keys.get(nodeId);
  }

  fail(bad: FirstBad): false {
    this.bad ??= bad;
    return false;
  }

  private state(chain: ChainName, nodeId: string | undefined): ChainState {
    const k = chainKey(chain, nodeId);
    let s = this.chains.get(k);
    if (!s) { s = { lastSeq: 0, lastHash: GENESIS }; this.chains.set(k, s); }
    return s;
  }

  // The state looked up last: a chain is fed record after record, so this skips the map.
  private lastChain: ChainName | undefined;
  private lastNode: string | undefined;
  private lastState: ChainState | undefined;
  private lastAnchors: AnchorPoint[] | undefined;

  /** Feeds the next record of a chain; false when it is bad (and `bad` names it). */
  record(chain: ChainName, nodeId: string | undefined, r: RecordEvent, line?: number): boolean {
    if (this.bad) return false;
    if (chain !== this.lastChain || nodeId !== this.lastNode || !this.lastState) {
      this.lastChain = chain;
      this.lastNode = nodeId;
      this.lastState = this.state(chain, nodeId);
      this.lastAnchors = this.anchors.get(chainKey(chain, nodeId));
    }
    const s = this.lastState!;
    // The common case first, with nothing allocated: the next seq, its hash right, linked.
    if (r.seq !== s.lastSeq + 1 || r.recomputed !== r.hash || r.prevHash !== s.lastHash || this.lastAnchors !== undefined) {
      const why = this.recordProblem(chain, nodeId, s, r, line);
      if (why) return this.fail(why);
    }
    s.lastSeq = r.seq;
    s.lastHash = r.hash;
    s.lastMessageId = r.messageId;
    if (chain === 'admin') this.adminRecords++;
    else {
      this.records++;
      if (r.status !== undefined && r.requestId !== undefined) {
        const ok = `${nodeId}\u0000${r.requestId}`;
        if (r.status === 0) this.open.set(ok, { nodeId: nodeId!, seq: r.seq, messageId: r.messageId ?? '', at: r.at ?? '' });
        else this.open.delete(ok);
      }
    }
    return true;
  }

  private recordProblem(chain: ChainName, nodeId: string | undefined, s: ChainState, r: RecordEvent, line?: number): FirstBad | undefined {
    const where = { chain, ...(chain === 'message' ? { nodeId } : {}), ...(line ? { line } : {}) };
    const named = { ...where, seq: r.seq, ...(r.messageId !== undefined ? { messageId: r.messageId } : {}) };
    const expected = s.lastSeq + 1;
    if (r.seq > expected) {
      return { ...where, seq: expected, reason: `Record ${expected} is missing: the chain goes from ${s.lastSeq} to ${r.seq}.` };
    }
    if (r.seq < expected) {
      return { ...named, reason: `Record ${r.seq} appears again after record ${s.lastSeq}: records were duplicated or reordered.` };
    }
    if (r.recomputed !== r.hash) {
      return { ...named, reason: `Record ${r.seq} was altered: its content does not match its hash.` };
    }
    if (r.prevHash !== s.lastHash) {
      return { ...named, reason: `Record ${r.seq} does not link to record ${s.lastSeq}: records were removed, reordered or replaced.` };
    }
    const anchored = this.anchors.get(chainKey(chain, nodeId))?.find((p) => p.seq === r.seq);
    if (anchored && anchored.hash !== r.hash) {
      return { ...named, reason: anchored.by
        ? `Record ${r.seq} does not match the checkpoint of ${anchored.at} (signed by ${anchored.nodeId}) witnessed by ${anchored.by}: the chain was rewritten after that checkpoint was witnessed.`
        : `Record ${r.seq} does not match the anchor's checkpoint of ${anchored.at} (signed by ${anchored.nodeId}): the chain was rewritten after the anchor was taken.` };
    }
    return undefined;
  }

  /** Feeds a checkpoint, which must come right after the record it signs (or after the chain's end). */
  checkpoint(cp: CheckpointEvent, line?: number): boolean {
    if (this.bad) return false;
    if (cp.chain !== 'message' && cp.chain !== 'admin') {
      return this.fail({ chain: 'message', nodeId: cp.nodeId, seq: cp.seq, reason: `Checkpoint names an unknown chain "${cp.chain}".`, ...(line ? { line } : {}) });
    }
    const chain: ChainName = cp.chain;
    const s = this.state(chain, cp.nodeId);
    const where = { chain, ...(chain === 'message' ? { nodeId: cp.nodeId } : {}), ...(line ? { line } : {}) };
    const what = `The ${chain} chain's checkpoint at record ${cp.seq} signed by ${cp.nodeId}`;
    const key = this.keys.get(cp.nodeId);
    if (!key) {
      const why = this.badKeys.has(cp.nodeId) ? 'whose registered key is not valid' : 'which is not a registered node';
      return this.fail({ ...where, seq: cp.seq, reason: `${what} cannot be checked: the signer is a node ${why}.` });
    }
    if (!checkpointSignatureOk(key, { chain, node_id: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, prev: cp.prev ?? null, signature: cp.signature })) {
      return this.fail({ ...where, seq: cp.seq, reason: `${what} has an invalid signature.` });
    }
    const signer = this.signerState(chain, cp.nodeId);
    const since = signer.lastSeq === undefined ? 'its first checkpoint' : `its checkpoint at record ${signer.lastSeq}`;
    if (cp.prev !== null && cp.prev !== undefined) {
      if (cp.prev !== (signer.lastHash ?? GENESIS)) {
        const why = signer.lastSeq === undefined
          ? 'names a previous checkpoint that is not in the log: a checkpoint before it was removed'
          : `does not follow ${since}: a checkpoint between them was removed or replaced`;
        return this.fail({ ...where, seq: cp.seq, reason: `${what} ${why}.` });
      }
      signer.chained = true;
    } else if (signer.chained) {
      return this.fail({ ...where, seq: cp.seq, reason: `${what} is not chained to ${since}, though the checkpoints before it are: it was inserted.` });
    }
    if (cp.seq > s.lastSeq) {
      return this.fail({ ...where, seq: s.lastSeq + 1, reason: `Records ${s.lastSeq + 1} to ${cp.seq} are missing: ${what.charAt(0).toLowerCase() + what.slice(1)} covers them.` });
    }
    if (cp.seq < s.lastSeq) {
      return this.fail({ ...where, seq: cp.seq, reason: `${what} is out of place (after record ${s.lastSeq}).` });
    }
    if (cp.hash !== s.lastHash) {
      return this.fail({ ...where, seq: cp.seq, ...(s.lastMessageId !== undefined ? { messageId: s.lastMessageId } : {}),
        reason: `Record ${cp.seq} does not match ${what.charAt(0).toLowerCase() + what.slice(1)}: the chain was rewritten.` });
    }
    signer.lastHash = checkpointHash({ chain, node_id: cp.nodeId, seq: cp.seq, hash: cp.hash, at: cp.at, prev: cp.prev ?? null, signature: cp.signature });
    signer.lastSeq = cp.seq;
    this.checkpoints++;
    return true;
  }

  private signerState(chain: ChainName, nodeId: string): SignerState {
    const k = `${chain}\u0000${nodeId}`;
    let s = this.signers.get(k);
    if (!s) { s = { chained: false }; this.signers.set(k, s); }
    return s;
  }

  /** What this verifier found, for another one to take in (a chain checked on a worker thread). */
  part(): VerifierPart {
    return {
      records: this.records, checkpoints: this.checkpoints, adminRecords: this.adminRecords,
      chains: [...this.chains], open: [...this.open], ...(this.bad ? { bad: this.bad } : {}),
    };
  }

  /**
   * Takes in what another verifier found on chains this one has not seen, as if it had been fed
   * their events itself; parts are absorbed in chain order. False once a part holds a bad record.
   */
  absorb(p: VerifierPart): boolean {
    if (this.bad) return false;
    this.records += p.records;
    this.checkpoints += p.checkpoints;
    this.adminRecords += p.adminRecords;
    for (const [k, s] of p.chains) this.chains.set(k, s);
    for (const [k, e] of p.open) this.open.set(k, e);
    this.lastState = undefined;
    return p.bad ? this.fail(p.bad) : true;
  }

  /** After the last record: every anchored point must have been reached. */
  finish(): boolean {
    if (this.bad) return false;
    for (const [k, points] of this.anchors) {
      const p = points[points.length - 1];
      const s = this.chains.get(k) ?? { lastSeq: 0, lastHash: GENESIS };
      if (s.lastSeq >= p.seq) continue;
      const chainName = p.chain === 'admin' ? 'The admin trail' : `Node ${p.nodeId}'s message chain`;
      const ends = s.lastSeq === 0 ? 'has no records' : `ends at record ${s.lastSeq}`;
      return this.fail({ chain: p.chain, ...(p.chain === 'message' ? { nodeId: p.nodeId } : {}), seq: s.lastSeq + 1,
        reason: p.by
          ? `The log no longer extends the checkpoint witnessed by ${p.by}: ${chainName} ${ends}, but that checkpoint of ${p.at} (signed by ${p.nodeId}) covers records up to ${p.seq}: records ${s.lastSeq + 1} to ${p.seq} were deleted.`
          : `The log no longer extends the anchor: ${chainName} ${ends}, but the anchor's checkpoint of ${p.at} covers records up to ${p.seq}: records ${s.lastSeq + 1} to ${p.seq} were deleted.` });
    }
    return true;
  }

  result(): VerifyResult {
    // A request record with no outcome: the node stopped (or the log failed) between the
    // provider call and the answer's record. Not tampering: the chain around it is whole.
    const interrupted = [...this.open.values()];
    return {
      ok: !this.bad, records: this.records, checkpoints: this.checkpoints, adminRecords: this.adminRecords,
      interrupted: interrupted.length, ...(interrupted.length ? { interruptedExchanges: interrupted.slice(0, NAMED_INTERRUPTED) } : {}),
      ...(this.bad ? { firstBad: this.bad } : {}),
    };
  }
}
