// The hub: packages accepted (validated, durable, one delivery per recipient), inboxes,
// fetches, transport acknowledgements and the senders' view, each step a message-log record.
// The HTTP shape lives in http.ts; the national axis link in upstream.ts.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Store } from '../store/index.js';
import type { ExchangeRecord } from '../audit/index.js';
import { recordAdminAction } from '../audit/index.js';
import type { EdocConfig } from './config.js';
import { BlobStore } from './blobs.js';
import { buildStatus, traceInsertion } from './build.js';
import { checkOrganId, parsePackage, readPackage, vnTimestamp, type EdocPackage, type Package, type StatusPackage } from './edxml.js';
import { EdocError } from './errors.js';
import { edb, type EdocDb } from './tables.js';

export interface Caller {
  /** The member's code: the agency's OrganId. */
  organ: string;
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM, or "upstream" for what the national axis delivered. */
  client: string;
}

export type TransportStatus = 'done' | 'fail' | 'processing';
export const TRANSPORT_STATUSES: readonly TransportStatus[] = ['done', 'fail', 'processing'];

export interface InboxItem {
  docId: string; from: string; to: string; messageType: 'edoc' | 'status'; status: string; created_time: string;
  documentId: string; subject: string; businessType: number; statusCode: string | null; responseFor: string | null;
}

export interface SentItem {
  docId: string; documentId: string; subject: string; businessType: number; created_time: string;
  recipients: { to: string; route: string; delivery: string; attempts: number; lastError: string | null; fetched_time: string | null; acked_time: string | null; status: string | null; statusTime: string | null }[];
}

export interface HubOptions {
  store: Store;
  /** Where package bytes are kept ({dataDir}/edoc). */
  dataDir: string;
  instance: string;
  config: EdocConfig;
  /** The message log (the same one every exchange writes). */
  log: { append(rec: ExchangeRecord): Promise<unknown> };
  /** This hub's own OrganId in the TraceHeaders it appends. */
  organId: string;
}

const BUSINESS_NAMES = ['new', 'revoke', 'update', 'replace'];

export class EdocHub {
  readonly blobs: BlobStore;
  private readonly db: EdocDb;
  constructor(readonly o: HubOptions) {
    this.blobs = new BlobStore(o.dataDir);
    this.db = edb(o.store);
  }

  // ---- endpoints: which subsystem speaks for which member ----

  /** Names the subsystem (CLASS/MEMBER/SUB) that sends and receives documents for its member; returns the SDK secret. */
  async setEndpoint(subsystem: string, actor: string): Promise<{ organId: string; subsystem: string; systemId: string; secret: string }> {
    const parts = subsystem.split('/');
    if (parts.length !== 3) throw new EdocError('EDOC_BAD_REQUEST', `${subsystem} is not CLASS/MEMBER/SUBSYSTEM`);
    const organId = checkOrganId(parts[1], 'The member code');
    const known = await this.db.selectFrom('subsystems').innerJoin('members', 'members.id', 'subsystems.member_id')
      .select('subsystems.id').where('members.member_class', '=', parts[0]).where('members.member_code', '=', parts[1])
      .where('subsystems.subsystem_code', '=', parts[2]).executeTakeFirst();
    if (!known) throw new EdocError('EDOC_NOT_FOUND', `No subsystem ${subsystem} is registered`);
    const secret = crypto.randomBytes(32).toString('base64url');
    const sealed = (await this.o.store.keyring()).seal(secret, `edoc_endpoints.hmac_secret:${organId}`);
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('edoc_endpoints').select(['subsystem']).where('organ_id', '=', organId).executeTakeFirst();
      if (before) await trx.updateTable('edoc_endpoints').set({ subsystem, hmac_secret: sealed, updated_at: now }).where('organ_id', '=', organId).execute();
      else await trx.insertInto('edoc_endpoints').values({ organ_id: organId, subsystem, hmac_secret: sealed, created_at: now, updated_at: now }).execute();
      await recordAdminAction(trx as unknown as Kysely<any>, this.o.store.engine, {
        actor, action: 'edoc.endpoint.set', target: organId, before: before ?? null, after: { subsystem },
      });
    });
    return { organId, subsystem, systemId: organId, secret };
  }

  async listEndpoints(): Promise<{ organId: string; subsystem: string; name: string | null }[]> {
    const rows = await this.db.selectFrom('edoc_endpoints').select(['organ_id', 'subsystem']).orderBy('organ_id').execute();
    const names = new Map((await this.db.selectFrom('members').select(['member_class', 'member_code', 'name']).execute())
      .map((m) => [`${m.member_class}/${m.member_code}`, m.name]));
    return rows.map((r) => ({ organId: r.organ_id, subsystem: r.subsystem, name: names.get(r.subsystem.split('/').slice(0, 2).join('/')) ?? null }));
  }

  /** The member a gateway client speaks for, if it is that member's document endpoint. */
  async organOfClient(subsystemKey: string): Promise<string | null> {
    const row = await this.db.selectFrom('edoc_endpoints').select('organ_id').where('subsystem', '=', subsystemKey).executeTakeFirst();
    return row?.organ_id ?? null;
  }

  /** The SDK scheme: a system id (the OrganId) and its secret. */
  async hmacSecret(systemId: string): Promise<{ secret: string; subsystem: string } | null> {
    const row = await this.db.selectFrom('edoc_endpoints').select(['hmac_secret', 'subsystem']).where('organ_id', '=', systemId).executeTakeFirst();
    if (!row?.hmac_secret) return null;
    return { secret: (await this.o.store.keyring()).open(row.hmac_secret, `edoc_endpoints.hmac_secret:${systemId}`), subsystem: row.subsystem };
  }

  private async isLocal(organ: string): Promise<boolean> {
    return !!(await this.db.selectFrom('edoc_endpoints').select('organ_id').where('organ_id', '=', organ).executeTakeFirst());
  }

  // ---- accepting ----

  /**
   * Validates and accepts one package. Durable (bytes fsynced, rows committed) before it returns;
   * a package already accepted for a recipient (same DocumentId and business type, or the same
   * status) is not delivered to it again, and its DocId is returned.
   */
  async accept(caller: Caller, input: string | { file: string }, opts: { expect?: 'edoc' | 'status'; origin?: 'local' | 'upstream' | 'hub'; upstreamDocId?: string } = {}): Promise<{ docId: string; duplicate: boolean; pkg: Package }> {
    // A file (an upload) is read in one streaming pass; a text is a package built or fetched in memory.
    const read = typeof input === 'string'
      ? { pkg: parsePackage(input, { expect: opts.expect }), head: input, bom: 0 }
      : await readPackage(input.file, { expect: opts.expect });
    const pkg = read.pkg;
    // The national axis delivers other provinces' packages: it, not the caller's member, vouches for From.
    if (opts.origin !== 'upstream' && pkg.from.organId !== caller.organ) {
      throw new EdocError('EDOC_SENDER_MISMATCH', `From/OrganId is ${pkg.from.organId} but the caller sends for ${caller.organ}: no agency sends in another's name`);
    }
    const origin = opts.origin ?? 'local';
    const recipients = await this.recipientsOf(pkg, origin);
    const idem = pkg.kind === 'edoc'
      ? `edoc|${pkg.documentId}|${pkg.business.docType}`
      : `status|${pkg.responseFor.documentId}|${pkg.statusCode}|${pkg.from.organId}`;
    const existing = await this.db.selectFrom('edoc_deliveries').select(['doc_id', 'recipient_organ'])
      .where('idem_key', '=', idem).where('recipient_organ', 'in', recipients.map((r) => r.organ)).execute();
    const have = new Set(existing.map((e) => e.recipient_organ));
    const fresh = recipients.filter((r) => !have.has(r.organ));
    if (fresh.length === 0) return { docId: existing[0].doc_id, duplicate: true, pkg };

    // This hop's TraceHeader spliced in; the attachments stay byte for byte as the sender encoded them.
    const hop = traceInsertion(read.head, { organId: this.o.organId, timestamp: vnTimestamp() });
    const blob = typeof input === 'string'
      ? await this.blobs.put(Buffer.from(input.slice(0, hop.index) + hop.insert + input.slice(hop.index), 'utf8'))
      : await this.blobs.putSpliced(input.file, read.bom + Buffer.byteLength(read.head.slice(0, hop.index), 'utf8'), Buffer.from(hop.insert, 'utf8'));
    const docId = crypto.randomUUID();
    const now = new Date().toISOString();
    const summary = pkg.kind === 'edoc'
      ? { to: pkg.to.map((t) => t.organId), code: `${pkg.code.codeNumber}/${pkg.code.codeNotation}`, promulgationDate: pkg.promulgation.date, priority: pkg.priority ?? 0,
        attachments: pkg.attachments, business: pkg.business, fromName: pkg.from.organName ?? null, traces: pkg.traces.length + 1, upstreamDocId: opts.upstreamDocId ?? null }
      : { to: recipients.map((r) => r.organ), description: pkg.description ?? null, responseFor: pkg.responseFor, traces: pkg.traces.length + 1, upstreamDocId: opts.upstreamDocId ?? null };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('edoc_documents').values({
          doc_id: docId, message_type: pkg.kind, document_id: pkg.kind === 'edoc' ? pkg.documentId : pkg.responseFor.documentId,
          sender_organ: pkg.from.organId, sender_client: caller.client, business_type: pkg.kind === 'edoc' ? pkg.business.docType : 0,
          status_code: pkg.kind === 'status' ? pkg.statusCode : null, response_for: pkg.kind === 'status' ? pkg.responseFor.documentId : null,
          subject: pkg.kind === 'edoc' ? pkg.subject : `Trạng thái ${pkg.statusCode}`, summary: JSON.stringify(summary),
          blob_sha256: blob.sha256, blob_size: blob.size, origin, created_at: now,
        }).execute();
        await trx.insertInto('edoc_deliveries').values(fresh.map((r) => ({
          doc_id: docId, sender_organ: pkg.from.organId, recipient_organ: r.organ, route: r.route, idem_key: idem,
          state: 'pending', attempts: 0, next_attempt_at: r.route === 'upstream' ? now : null, last_error: null, upstream_doc_id: null,
          created_at: now, fetched_at: null, acked_at: null,
        }))).execute();
      });
    } catch (e) {
      // A concurrent identical send won the unique (idem_key, recipient): answer with its DocId.
      const again = await this.db.selectFrom('edoc_deliveries').select('doc_id').where('idem_key', '=', idem)
        .where('recipient_organ', 'in', fresh.map((r) => r.organ)).executeTakeFirst();
      if (again) return { docId: again.doc_id, duplicate: true, pkg };
      throw new EdocError('EDOC_UNAVAILABLE', `The package could not be stored: ${(e as Error).message}`);
    }
    await Promise.all(fresh.map((r) => this.record('accepted', docId, caller.client, r.organ, blob.sha256, blob.size, 200)));
    return { docId, duplicate: false, pkg };
  }

  /** Where a package goes: its To list, or for a status the organisation it answers (13: the original's recipients). */
  private async recipientsOf(pkg: Package, origin: string): Promise<{ organ: string; route: 'local' | 'upstream' }[]> {
    let organs: string[];
    if (pkg.kind === 'edoc') organs = pkg.to.map((t) => t.organId);
    else organs = await this.statusRecipients(pkg);
    const out: { organ: string; route: 'local' | 'upstream' }[] = [];
    for (const organ of organs) {
      if (await this.isLocal(organ)) out.push({ organ, route: 'local' });
      // What came from upstream is never sent back up (no loops between hubs).
      else if (this.o.config.upstream && origin !== 'upstream') out.push({ organ, route: 'upstream' });
      // The axis hands each hub its own agencies' copies: the other recipients are not ours to deliver.
      else if (origin === 'upstream') continue;
      else throw new EdocError('EDOC_UNKNOWN_RECIPIENT', `${organ} is not an agency of this platform${this.o.config.upstream ? '' : ', and no national axis is configured'} (getAgenciesList lists them)`);
    }
    if (!out.length) throw new EdocError('EDOC_UNKNOWN_RECIPIENT', `None of ${organs.join(', ')} is an agency of this platform`);
    return out;
  }

  private async statusRecipients(s: StatusPackage): Promise<string[]> {
    const original = await this.db.selectFrom('edoc_documents').select(['doc_id', 'sender_organ'])
      .where('document_id', '=', s.responseFor.documentId).where('message_type', '=', 'edoc').orderBy('created_at').execute();
    const recipientsOfOriginal = original.length
      ? (await this.db.selectFrom('edoc_deliveries').select('recipient_organ').where('doc_id', 'in', original.map((d) => d.doc_id)).execute()).map((r) => r.recipient_organ)
      : [];
    if (s.statusCode === '13') {
      // Take-back: the original sender asks its recipients (roles swapped, reference "Status package").
      if (s.responseFor.organId !== s.from.organId) {
        throw new EdocError('EDOC_STATUS_INVALID', 'Status 13 (take-back) is sent by the document\'s own sender: ResponseFor/OrganId must be From/OrganId (QCVN 102:2016 status 13)');
      }
      if (!recipientsOfOriginal.length) throw new EdocError('EDOC_UNKNOWN_RECIPIENT', `No document ${s.responseFor.documentId} of ${s.from.organId} passed through this hub: there is nobody to ask for it back`);
      return [...new Set(recipientsOfOriginal)];
    }
    if (s.responseFor.organId === s.from.organId) {
      throw new EdocError('EDOC_STATUS_INVALID', `Status ${s.statusCode} is sent by a receiver to the document's sender: ResponseFor/OrganId cannot be the sender itself (QCVN 102:2016 status package)`);
    }
    // A receiver answers only for documents it received, when this hub saw the document.
    if (original.length && !recipientsOfOriginal.includes(s.from.organId)) {
      throw new EdocError('EDOC_NOT_FOUND', `${s.from.organId} did not receive ${s.responseFor.documentId}: it cannot send its status`);
    }
    return [s.responseFor.organId];
  }

  // ---- receiving ----

  async inbox(organ: string, q: { messageType?: 'edoc' | 'status'; from?: string; to?: string } = {}): Promise<InboxItem[]> {
    let query = this.db.selectFrom('edoc_deliveries as d').innerJoin('edoc_documents as doc', 'doc.doc_id', 'd.doc_id')
      .select(['d.doc_id', 'd.sender_organ', 'd.recipient_organ', 'd.state', 'd.created_at', 'doc.message_type', 'doc.document_id', 'doc.subject', 'doc.business_type', 'doc.status_code', 'doc.response_for'])
      .where('d.recipient_organ', '=', organ).where('d.route', '=', 'local').where('d.state', 'in', ['pending', 'processing']);
    if (q.messageType) query = query.where('doc.message_type', '=', q.messageType);
    if (q.from) query = query.where('d.created_at', '>=', q.from);
    if (q.to) query = query.where('d.created_at', '<', q.to);
    // Delivery order is acceptance order: in order per sender→recipient pair.
    const rows = await query.orderBy('d.id').limit(1000).execute();
    return rows.map((r) => ({
      docId: r.doc_id, from: r.sender_organ, to: r.recipient_organ, messageType: r.message_type as 'edoc' | 'status', status: r.state,
      created_time: r.created_at, documentId: r.document_id, subject: r.subject, businessType: r.business_type, statusCode: r.status_code, responseFor: r.response_for,
    }));
  }

  /** The package for its sender or one of its recipients; a recipient's first fetch is the delivery. */
  async fetch(caller: Caller, docId: string): Promise<{ sha256: string; size: number; messageType: string }> {
    const doc = await this.db.selectFrom('edoc_documents').selectAll().where('doc_id', '=', docId).executeTakeFirst();
    const delivery = doc && await this.db.selectFrom('edoc_deliveries').selectAll().where('doc_id', '=', docId)
      .where('recipient_organ', '=', caller.organ).where('route', '=', 'local').executeTakeFirst();
    if (!doc || (!delivery && doc.sender_organ !== caller.organ)) throw new EdocError('EDOC_NOT_FOUND', `No document ${docId} for ${caller.organ}`);
    if (delivery && !delivery.fetched_at) {
      const now = new Date().toISOString();
      const first = await this.db.updateTable('edoc_deliveries').set({ fetched_at: now }).where('id', '=', delivery.id).where('fetched_at', 'is', null).executeTakeFirst();
      if (Number(first.numUpdatedRows) === 1) {
        await this.record('delivered', docId, caller.client, caller.organ, doc.blob_sha256, doc.blob_size, 200);
        if (this.o.config.autoArrived && doc.message_type === 'edoc') await this.autoArrived(caller, doc);
      }
    }
    return { sha256: doc.blob_sha256, size: Number(doc.blob_size), messageType: doc.message_type };
  }

  /** Status 01 on the recipient's behalf when it first fetches a document (issue 9, 4). */
  private async autoArrived(caller: Caller, doc: { document_id: string; sender_organ: string; summary: string }): Promise<void> {
    const s = JSON.parse(doc.summary) as { code: string; promulgationDate: string };
    const text = buildStatus({
      from: { organId: caller.organ }, statusCode: '01', description: 'Đã đến hệ thống của bên nhận (tự động)', timestamp: vnTimestamp(),
      responseFor: { organId: doc.sender_organ, code: s.code, promulgationDate: s.promulgationDate, documentId: doc.document_id },
    });
    try {
      await this.accept({ organ: caller.organ, client: caller.client }, text, { expect: 'status', origin: 'hub' });
    } catch (e) {
      // The document itself was delivered; a sender no longer reachable does not undo that.
      if (!(e instanceof EdocError)) throw e;
    }
  }

  /** The transport acknowledgement: done takes the item off the recipient's pending list. */
  async updateStatus(caller: Caller, docId: string, status: TransportStatus): Promise<void> {
    if (!TRANSPORT_STATUSES.includes(status)) throw new EdocError('EDOC_BAD_REQUEST', `status must be done, fail or processing, not "${status}" (axis API updateStatus)`);
    const delivery = await this.db.selectFrom('edoc_deliveries').select(['id', 'state']).where('doc_id', '=', docId)
      .where('recipient_organ', '=', caller.organ).where('route', '=', 'local').executeTakeFirst();
    if (!delivery) throw new EdocError('EDOC_NOT_FOUND', `No document ${docId} for ${caller.organ}`);
    const now = new Date().toISOString();
    await this.db.updateTable('edoc_deliveries').set({ state: status, ...(status === 'processing' ? {} : { acked_at: now }) }).where('id', '=', delivery.id).execute();
    const doc = await this.db.selectFrom('edoc_documents').select(['blob_sha256', 'blob_size']).where('doc_id', '=', docId).executeTakeFirstOrThrow();
    await this.record(status === 'done' ? 'acknowledged' : status === 'fail' ? 'refused' : 'processing', docId, caller.client, caller.organ, doc.blob_sha256, doc.blob_size, 200);
  }

  /** The sender's documents with delivery and latest business status per recipient. */
  async sent(organ: string, q: { from?: string; to?: string } = {}): Promise<SentItem[]> {
    let query = this.db.selectFrom('edoc_documents').selectAll().where('sender_organ', '=', organ).where('message_type', '=', 'edoc');
    if (q.from) query = query.where('created_at', '>=', q.from);
    if (q.to) query = query.where('created_at', '<', q.to);
    const docs = await query.orderBy('created_at', 'desc').limit(500).execute();
    if (!docs.length) return [];
    const deliveries = await this.db.selectFrom('edoc_deliveries').selectAll().where('doc_id', 'in', docs.map((d) => d.doc_id)).orderBy('id').execute();
    const statuses = await this.db.selectFrom('edoc_documents').select(['response_for', 'sender_organ', 'status_code', 'created_at'])
      .where('message_type', '=', 'status').where('response_for', 'in', [...new Set(docs.map((d) => d.document_id))]).orderBy('created_at').execute();
    return docs.map((d) => ({
      docId: d.doc_id, documentId: d.document_id, subject: d.subject, businessType: d.business_type, created_time: d.created_at,
      recipients: deliveries.filter((x) => x.doc_id === d.doc_id).map((x) => {
        const last = statuses.filter((s) => s.response_for === d.document_id && s.sender_organ === x.recipient_organ).at(-1);
        return {
          to: x.recipient_organ, route: x.route, delivery: x.state, attempts: x.attempts, lastError: x.last_error,
          fetched_time: x.fetched_at, acked_time: x.acked_at, status: last?.status_code ?? null, statusTime: last?.created_at ?? null,
        };
      }),
    }));
  }

  /** One document's journey: the package's hops, its deliveries and the statuses answering it. */
  async journey(docId: string, organ?: string): Promise<Record<string, unknown>> {
    const doc = await this.db.selectFrom('edoc_documents').selectAll().where('doc_id', '=', docId).executeTakeFirst();
    if (!doc) throw new EdocError('EDOC_NOT_FOUND', `No document ${docId}`);
    const deliveries = await this.db.selectFrom('edoc_deliveries').selectAll().where('doc_id', '=', docId).orderBy('id').execute();
    if (organ && doc.sender_organ !== organ && !deliveries.some((d) => d.recipient_organ === organ)) throw new EdocError('EDOC_NOT_FOUND', `No document ${docId} for ${organ}`);
    const { pkg } = await readPackage(this.blobs.pathOf(doc.blob_sha256), { now: new Date(Date.now() + 86_400_000) });
    const statuses = doc.message_type === 'edoc'
      ? await this.db.selectFrom('edoc_documents').select(['doc_id', 'sender_organ', 'status_code', 'created_at']).where('message_type', '=', 'status').where('response_for', '=', doc.document_id).orderBy('created_at').execute()
      : [];
    return {
      docId, documentId: doc.document_id, messageType: doc.message_type, from: doc.sender_organ, subject: doc.subject,
      business: BUSINESS_NAMES[doc.business_type], created_time: doc.created_at, sha256: doc.blob_sha256, size: Number(doc.blob_size),
      hops: pkg.traces, deliveries: deliveries.map((d) => ({ to: d.recipient_organ, route: d.route, state: d.state, attempts: d.attempts, lastError: d.last_error, fetched_time: d.fetched_at, acked_time: d.acked_at })),
      statuses: statuses.map((s) => ({ docId: s.doc_id, from: s.sender_organ, statusCode: s.status_code, time: s.created_at })),
    };
  }

  /**
   * Retention (VAMCO_EDOC_RETENTION): documents older than it whose every delivery is closed
   * (acknowledged, refused or forwarded) are removed with their bytes; anything still pending
   * is kept however old. Returns how many documents went.
   */
  async prune(now = Date.now()): Promise<number> {
    if (!this.o.config.retentionMs) return 0;
    const cutoff = new Date(now - this.o.config.retentionMs).toISOString();
    const old = await this.db.selectFrom('edoc_documents').select(['doc_id', 'blob_sha256']).where('created_at', '<', cutoff).limit(1000).execute();
    let n = 0;
    for (const d of old) {
      const open = await this.db.selectFrom('edoc_deliveries').select('id').where('doc_id', '=', d.doc_id)
        .where('state', 'not in', ['done', 'fail', 'forwarded']).executeTakeFirst();
      if (open) continue;
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('edoc_deliveries').where('doc_id', '=', d.doc_id).execute();
        await trx.deleteFrom('edoc_documents').where('doc_id', '=', d.doc_id).execute();
      });
      const shared = await this.db.selectFrom('edoc_documents').select('doc_id').where('blob_sha256', '=', d.blob_sha256).executeTakeFirst();
      if (!shared) await this.blobs.remove(d.blob_sha256);
      n++;
    }
    return n;
  }

  /**
   * Document traffic per agency, for the console and `vamco edoc list`. With `organ`, only that
   * agency's row, counted from the deliveries it sent or received (an agency admin's view).
   */
  async traffic(organ?: string): Promise<{ organ: string; sent: number; pending: number; acknowledged: number; refused: number; stuck: number }[]> {
    let q = this.db.selectFrom('edoc_deliveries').select(['sender_organ', 'recipient_organ', 'state', 'route', 'attempts']);
    if (organ) q = q.where((eb) => eb.or([eb('sender_organ', '=', organ), eb('recipient_organ', '=', organ)]));
    const rows = await q.execute();
    const by = new Map<string, { organ: string; sent: number; pending: number; acknowledged: number; refused: number; stuck: number }>();
    const get = (organ: string) => by.get(organ) ?? by.set(organ, { organ, sent: 0, pending: 0, acknowledged: 0, refused: 0, stuck: 0 }).get(organ)!;
    for (const r of rows) {
      get(r.sender_organ).sent++;
      const to = get(r.recipient_organ);
      if (r.state === 'done' || r.state === 'forwarded') to.acknowledged++;
      else if (r.state === 'fail') to.refused++;
      else to.pending++;
      if (r.route === 'upstream' && r.state === 'pending' && r.attempts > 0) get(r.sender_organ).stuck++;
    }
    return [...by.values()].filter((r) => !organ || r.organ === organ).sort((a, b) => a.organ.localeCompare(b.organ));
  }

  /**
   * Deliveries still open after at least one failed attempt (forwarding to the national axis
   * being retried with back-off), oldest first; with `organ`, only those it sent or should receive.
   */
  async stuck(organ?: string): Promise<{ docId: string; from: string; to: string; route: string; state: string; attempts: number; lastError: string | null; nextAttempt: string | null; created_time: string }[]> {
    let q = this.db.selectFrom('edoc_deliveries').selectAll().where('state', 'not in', ['done', 'fail', 'forwarded']).where('attempts', '>', 0);
    if (organ) q = q.where((eb) => eb.or([eb('sender_organ', '=', organ), eb('recipient_organ', '=', organ)]));
    const rows = await q.orderBy('id').limit(500).execute();
    return rows.map((r) => ({ docId: r.doc_id, from: r.sender_organ, to: r.recipient_organ, route: r.route, state: r.state, attempts: Number(r.attempts), lastError: r.last_error, nextAttempt: r.next_attempt_at, created_time: r.created_at }));
  }

  /** The latest documents and statuses (newest first) with their deliveries; with `organ`, only those it sent or received. */
  async recent(organ?: string, limit = 100): Promise<{ docId: string; documentId: string; messageType: string; from: string; subject: string; statusCode: string | null; created_time: string; deliveries: { to: string; route: string; state: string; attempts: number }[] }[]> {
    let q = this.db.selectFrom('edoc_documents').selectAll();
    if (organ) {
      q = q.where((eb) => eb.or([eb('sender_organ', '=', organ),
        eb('doc_id', 'in', eb.selectFrom('edoc_deliveries').select('doc_id').where('recipient_organ', '=', organ))]));
    }
    const docs = await q.orderBy('created_at', 'desc').orderBy('doc_id', 'desc').limit(limit).execute();
    if (!docs.length) return [];
    const deliveries = await this.db.selectFrom('edoc_deliveries').selectAll().where('doc_id', 'in', docs.map((d) => d.doc_id)).orderBy('id').execute();
    return docs.map((d) => ({
      docId: d.doc_id, documentId: d.document_id, messageType: d.message_type, from: d.sender_organ, subject: d.subject, statusCode: d.status_code, created_time: d.created_at,
      deliveries: deliveries.filter((x) => x.doc_id === d.doc_id).map((x) => ({ to: x.recipient_organ, route: x.route, state: x.state, attempts: Number(x.attempts) })),
    }));
  }

  /**
   * One message-log record per step (accepted, delivered, acknowledged, refused, processing,
   * forwarded, pulled): the client is the agency's subsystem, the "service" the recipient's
   * document endpoint (INSTANCE/CLASS/MEMBER/SUB/edoc, or INSTANCE/AXIS/<OrganId>/edoc beyond
   * this platform), so each agency finds its own records in the log.
   */
  async record(step: string, docId: string, client: string, recipient: string, digest: string, size: number, status: number, errorCode: string | null = null): Promise<void> {
    const at = new Date().toISOString();
    const ep = await this.db.selectFrom('edoc_endpoints').select('subsystem').where('organ_id', '=', recipient).executeTakeFirst();
    await this.o.log.append({
      messageId: `edoc:${docId}:${step}:${recipient}`, requestId: crypto.randomUUID(), at,
      client: client.includes('/') ? client : null, service: `${this.o.instance}/${ep ? ep.subsystem : `AXIS/${recipient}`}/edoc`,
      method: 'POST', path: `/edoc/v1/${step}`, status, durationMs: 0, requestSize: size, responseSize: 0,
      requestDigest: digest, responseDigest: null, userId: null, issue: docId, errorCode,
    });
  }
}
