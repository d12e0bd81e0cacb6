// The link to the national document axis (or a federated Vamco peer speaking the same API):
// deliveries to recipients beyond this province are forwarded with retries and exponential
// back-off, in order per sender→recipient pair; the axis's inbox for this province is pulled on
// a schedule (the axis does not push: reference edxml.md, "receivers poll") and delivered
// locally, then acknowledged upstream. Requests are signed with the province's system id + secret.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { EdocHub } from './hub.js';
import type { EdocConfig } from './config.js';
import { signedHeaders } from './hmac.js';
import { meteredCopy } from './blobs.js';
import { EdocError } from './errors.js';
import { edb, type EdocDb } from './tables.js';
import type { Store } from '../store/index.js';

type Upstream = NonNullable<EdocConfig['upstream']>;

interface AxisAnswer { status?: string; ErrorCode?: string; ErrorDesc?: string; DocId?: string; data?: { docId: string }[] }

export class EdocUpstream {
  private readonly db: EdocDb;
  private timers: NodeJS.Timeout[] = [];
  private forwarding: Promise<void> | null = null;
  private pulling: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly hub: EdocHub, store: Store, private readonly up: Upstream, private readonly logger: Logger, private readonly maxBytes: number) {
    this.db = edb(store);
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<void>) => {
      const tick = () => {
        if (this.stopped) return;
        fn().catch((err) => this.logger.warn({ err }, 'edoc upstream')).finally(() => {
          if (!this.stopped) this.timers.push(setTimeout(tick, ms).unref());
        });
      };
      this.timers.push(setTimeout(tick, 0).unref());
    };
    every(Math.min(this.up.retryBaseMs, 1000), () => this.forwardDue());
    every(this.up.pullIntervalMs, () => this.pull());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.allSettled([this.forwarding, this.pulling]);
  }

  private async call(op: string, params: Record<string, string>, body?: FormData): Promise<Response> {
    return fetch(`${this.up.url}/${op}`, {
      method: 'POST', headers: signedHeaders(this.up.systemId, this.up.secret, op, params), body, signal: AbortSignal.timeout(60_000),
    });
  }

  /** Forwards every due delivery: per sender→recipient pair only the oldest pending one, so order holds. */
  forwardDue(): Promise<void> {
    this.forwarding ??= this.doForward().finally(() => { this.forwarding = null; });
    return this.forwarding;
  }

  private async doForward(): Promise<void> {
    const pending = await this.db.selectFrom('edoc_deliveries as d').innerJoin('edoc_documents as doc', 'doc.doc_id', 'd.doc_id')
      .select(['d.id', 'd.doc_id', 'd.sender_organ', 'd.recipient_organ', 'd.attempts', 'd.next_attempt_at', 'doc.message_type', 'doc.blob_sha256', 'doc.blob_size', 'doc.sender_client'])
      .where('d.route', '=', 'upstream').where('d.state', '=', 'pending').orderBy('d.id').limit(500).execute();
    const now = new Date().toISOString();
    const seen = new Set<string>();
    for (const d of pending) {
      const pair = `${d.sender_organ}>${d.recipient_organ}`;
      if (seen.has(pair)) continue; // a later one waits for the earlier one of its pair
      seen.add(pair);
      if (d.next_attempt_at && d.next_attempt_at > now) continue;
      if (this.stopped) return;
      await this.forwardOne(d);
    }
  }

  private async forwardOne(d: { id: number; doc_id: string; sender_organ: string; recipient_organ: string; attempts: number; message_type: string; blob_sha256: string; blob_size: number; sender_client: string }): Promise<void> {
    // A file-backed Blob: the package streams from the data dir into the request, not through memory.
    const form = new FormData();
    form.append('file', await fs.openAsBlob(this.hub.blobs.pathOf(d.blob_sha256), { type: 'application/xml' }), `${d.doc_id}.edxml`);
    // Blobs are addressed by the SHA-256 of their bytes.
    const params = { from: d.sender_organ, to: d.recipient_organ, servicetype: 'eDoc', messagetype: d.message_type, sha256: d.blob_sha256 };
    let outcome: { ok: true; docId: string } | { ok: false; permanent: boolean; error: string };
    try {
      const res = await this.call('sendEdoc', params, form);
      const body = await res.json().catch(() => ({})) as AxisAnswer;
      if (res.ok && body.status === 'OK') outcome = { ok: true, docId: String(body.DocId ?? '') };
      // The axis refused the package itself: retrying the same bytes cannot succeed.
      else if (res.status >= 400 && res.status < 500 && body.status === 'FAIL' && res.status !== 429 && res.status !== 401) outcome = { ok: false, permanent: true, error: `${body.ErrorCode}: ${body.ErrorDesc}` };
      else outcome = { ok: false, permanent: false, error: `HTTP ${res.status} ${body.ErrorCode ?? ''} ${body.ErrorDesc ?? ''}`.trim() };
    } catch (e) {
      outcome = { ok: false, permanent: false, error: (e as Error).message };
    }
    const attempts = d.attempts + 1;
    if (outcome.ok) {
      await this.db.updateTable('edoc_deliveries').set({ state: 'forwarded', attempts, upstream_doc_id: outcome.docId, last_error: null, next_attempt_at: null, acked_at: new Date().toISOString() })
        .where('id', '=', d.id).execute();
      await this.hub.record('forwarded', d.doc_id, d.sender_client, d.recipient_organ, d.blob_sha256, Number(d.blob_size), 200);
      return;
    }
    const delay = Math.min(this.up.retryBaseMs * 2 ** Math.min(attempts - 1, 20), this.up.maxBackoffMs);
    await this.db.updateTable('edoc_deliveries').set({
      attempts, last_error: outcome.error.slice(0, 500),
      ...(outcome.permanent ? { state: 'fail', next_attempt_at: null } : { next_attempt_at: new Date(Date.now() + delay).toISOString() }),
    }).where('id', '=', d.id).execute();
    await this.hub.record(outcome.permanent ? 'forward-refused' : 'forward-retry', d.doc_id, d.sender_client, d.recipient_organ, d.blob_sha256, Number(d.blob_size), outcome.permanent ? 400 : 503, outcome.permanent ? 'EDOC_UPSTREAM_REFUSED' : 'EDOC_UPSTREAM_UNAVAILABLE');
    this.logger.warn({ docId: d.doc_id, to: d.recipient_organ, attempts, error: outcome.error }, outcome.permanent ? 'edoc: the national axis refused a package' : 'edoc: forwarding to the national axis failed; will retry');
  }

  /** Takes what the axis holds for this province, delivers it locally, then acknowledges it upstream. */
  pull(): Promise<void> {
    this.pulling ??= this.doPull().finally(() => { this.pulling = null; });
    return this.pulling;
  }

  private async doPull(): Promise<void> {
    const res = await this.call('getReceivedEdocList', {});
    const list = await res.json() as AxisAnswer;
    if (!res.ok || list.status !== 'OK') throw new Error(`getReceivedEdocList: HTTP ${res.status} ${list.ErrorCode ?? ''} ${list.ErrorDesc ?? ''}`);
    for (const item of list.data ?? []) {
      if (this.stopped) return;
      const upId = String(item.docId);
      const done = await this.db.selectFrom('edoc_upstream_seen').select('doc_id').where('upstream_doc_id', '=', upId).executeTakeFirst();
      if (!done) {
        const got = await this.call('getEdoc', { docid: upId });
        if (!got.ok || !got.body) throw new Error(`getEdoc ${upId}: HTTP ${got.status}`);
        let docId: string | null = null;
        // Streamed to a temp file and accepted from there, as an upload is: a large package is never
        // held in memory, and one over the size limit stops at the limit.
        const file = this.hub.blobs.tmpPath();
        try {
          const meter = meteredCopy(this.maxBytes, () => new EdocError('EDOC_TOO_LARGE', `The package is larger than ${this.maxBytes} bytes (VAMCO_EDOC_MAX_BYTES)`));
          // Opened before the copy so that a copy stopped half-way leaves a file for the finally to remove.
          const fh = await fsp.open(file, 'w', 0o600);
          await pipeline(Readable.fromWeb(got.body as import('node:stream/web').ReadableStream), meter.through(), fh.createWriteStream());
          const pulled = meter.result();
          const r = await this.hub.accept({ organ: 'upstream', client: 'upstream' }, { file }, { origin: 'upstream', upstreamDocId: upId });
          docId = r.docId;
          if (!r.duplicate) await this.hub.record('pulled', r.docId, 'upstream', r.pkg.from.organId, pulled.sha256, pulled.size, 200);
        } catch (e) {
          if (!(e instanceof EdocError)) throw e;
          // Not deliverable here (not valid, not for our agencies): refused upstream, never retried.
          this.logger.warn({ upstreamDocId: upId, code: e.code, error: e.message }, 'edoc: a package from the national axis was refused');
          await this.db.insertInto('edoc_upstream_seen').values({ upstream_doc_id: upId, doc_id: null, at: new Date().toISOString() }).execute();
          await this.call('updateStatus', { docid: upId, status: 'fail' });
          continue;
        } finally {
          await fsp.rm(file, { force: true });
        }
        // Durable here before the axis is told it may forget the package.
        await this.db.insertInto('edoc_upstream_seen').values({ upstream_doc_id: upId, doc_id: docId, at: new Date().toISOString() }).execute();
      }
      const ack = await this.call('updateStatus', { docid: upId, status: 'done' });
      if (!ack.ok) throw new Error(`updateStatus ${upId}: HTTP ${ack.status}`);
    }
  }
}
