import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestStore, testEngines, type TestStore } from '../store/testing.js';
import { exchange } from './fixtures.js';
import { endPayload } from './export-file.js';
import { hashMessage } from './chain.js';
import { MessageLog, exportLog, loadOrCreateNodeKey, recordAdminAction, takeAnchor, verifyExportFile, verifyStore, type NodeKey } from './index.js';

describe.each(testEngines())('audit export on %s', (engine) => {
  let t: TestStore;
  let file: string;
  let lines: string[];
  let key: NodeKey;

  beforeAll(async () => {
    t = await createTestStore(engine);
    key = await loadOrCreateNodeKey(t.store, t.dataDir);
    const log = await MessageLog.open(t.store, key, { checkpointIntervalMs: 0 });
    for (let i = 1; i <= 6; i++) {
      // Record 4 carries a control character (exported as a \u escape), Vietnamese text and a body.
      void log.append(exchange(i, i === 4 ? {
        issue: 'Hồ sơ \u001f bổ sung', requestBody: 'eyJhIjoxfQ==', userId: 'cán-bộ-1',
        upstream: { scheme: 'oauth2', status: 401, durationMs: 3.25, attempts: 2, tokenId: 'tok-0f0f0f0f0f0f' },
      } : {}));
    }
    await log.checkpoint();
    for (let i = 7; i <= 9; i++) void log.append(exchange(i));
    await t.store.db.transaction().execute((trx) => recordAdminAction(trx, engine, { actor: 'alice', action: 'grant', target: 'svc', before: null, after: { x: 'ă' } }));
    await log.close();
    file = path.join(t.dataDir, 'export.jsonl');
  });
  afterAll(async () => { await t.cleanup(); });

  it('writes a file that verifies offline with the same counts as the database', async () => {
    const counts = await exportLog(t.store, file, key);
    expect(counts).toEqual({ records: 9, checkpoints: 3, adminRecords: 1 });
    lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    const types = lines.map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types).toEqual(['header', 'node', ...Array(6).fill('record'), 'checkpoint', ...Array(3).fill('record'), 'checkpoint', 'admin', 'checkpoint', 'end']);
    expect(JSON.parse(lines[0])).toMatchObject({ type: 'header', format: 'vamco-audit-export', version: 4 });
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ type: 'end', records: 9, checkpoints: 3, adminRecords: 1, nodeId: key.nodeId });
    expect(JSON.parse(lines.find((l) => l.includes('"messageId":"msg-4"'))!).upstream).toBe('{"scheme":"oauth2","status":401,"durationMs":3.25,"attempts":2,"tokenId":"tok-0f0f0f0f0f0f"}');
    const fromDb = await verifyStore(t.store);
    const fromFile = await verifyExportFile(file);
    expect(fromFile).toEqual({ ok: true, records: 9, checkpoints: 3, adminRecords: 1, interrupted: 0 });
    expect(fromFile).toEqual(fromDb);
  });

  it('still verifies a version 3 file (records without the credential field, end line signed as version 3)', async () => {
    const body = lines.slice(0, -1).map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (o.type === 'header') o.version = 3;
      if (o.type === 'record') { expect(o.credential).toBeNull(); delete o.credential; }
      return JSON.stringify(o);
    });
    const end = JSON.parse(lines[lines.length - 1]) as { records: number; checkpoints: number; adminRecords: number; nodeId: string };
    const digest = crypto.createHash('sha256').update(body.map((l) => l + '\n').join(''), 'utf8').digest('hex');
    const e = { records: end.records, checkpoints: end.checkpoints, adminRecords: end.adminRecords, digest, nodeId: end.nodeId };
    const signature = crypto.sign(null, Buffer.from(endPayload(e, 3), 'utf8'), key.privateKey).toString('base64');
    const f3 = path.join(t.dataDir, 'v3.jsonl');
    fs.writeFileSync(f3, [...body, JSON.stringify({ type: 'end', ...e, signature })].join('\n') + '\n');
    expect(await verifyExportFile(f3)).toEqual({ ok: true, records: 9, checkpoints: 3, adminRecords: 1, interrupted: 0 });
  });

  it('still verifies a version 1 file (records without the upstream field), and refuses the field there', async () => {
    // Version 1 had neither chained checkpoints (signed with prev, so they cannot be carried
    // over) nor a signed end line: both go, and the end line counts what is left.
    const v1 = (keepLeg: boolean) => lines.filter((l) => !l.startsWith('{"type":"checkpoint"')).map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (o.type === 'header') o.version = 1;
      if (o.type === 'record' && (o.upstream === null || !keepLeg)) delete o.upstream;
      if (o.type === 'record') delete o.credential; // version 4's field
      if (o.type === 'end') return JSON.stringify({ type: 'end', records: o.records, checkpoints: 0, adminRecords: o.adminRecords });
      return JSON.stringify(o);
    }).join('\n') + '\n';
    const f1 = path.join(t.dataDir, 'v1.jsonl');
    // Record 4 has a leg: dropped, its hash no longer matches (the leg is hashed); kept, the shape is wrong for v1.
    fs.writeFileSync(f1, v1(false));
    expect((await verifyExportFile(f1)).firstBad).toMatchObject({ seq: 4, messageId: 'msg-4' });
    fs.writeFileSync(f1, v1(true));
    expect((await verifyExportFile(f1)).firstBad?.reason).toMatch(/fields are not the ones/);
    // A v1 file whose records have no leg verifies, with a warning that its end is unsigned.
    const whole = v1(false).split('\n').map((l) => (l.includes('"messageId":"msg-4"') ? JSON.stringify({ ...JSON.parse(l), issue: null, requestBody: null, userId: null }) : l));
    fs.writeFileSync(f1, whole.join('\n'));
    const w = await verifyExportFile(f1);
    expect(w.firstBad?.seq).toBe(4); // record 4's content changed: its hash no longer matches
    const noLeg = v1(false).split('\n').filter((l) => !l.includes('"messageId":"msg-4"'));
    fs.writeFileSync(f1, noLeg.join('\n'));
    const r = await verifyExportFile(f1);
    expect(r.firstBad?.seq).toBe(4); // the removed record is named as missing, nothing before it is
    expect(r.firstBad?.reason).toMatch(/missing/);
  });

  it('fails naming the record for every single changed byte of a record line', async () => {
    const at = lines.findIndex((l) => l.includes('"messageId":"msg-4"'));
    const lineNo = at + 1;
    const original = Buffer.from(lines[at], 'utf8');
    const tampered = path.join(t.dataDir, 'tampered.jsonl');
    const before = Buffer.from(lines.slice(0, at).join('\n') + '\n', 'utf8');
    const after = Buffer.from('\n' + lines.slice(at + 1).join('\n') + '\n', 'utf8');
    let checked = 0;
    for (let i = 0; i < original.length; i++) {
      for (const mask of [0x01, 0x20]) {
        const changed = Buffer.from(original);
        changed[i] ^= mask;
        if (changed[i] === 0x0a || changed[i] === 0x0d) continue; // that splits the line: a different test
        fs.writeFileSync(tampered, Buffer.concat([before, changed, after]));
        const v = await verifyExportFile(tampered);
        if (v.ok || v.firstBad?.line !== lineNo) {
          throw new Error(`byte ${i} ^ ${mask} of line ${lineNo} went unnoticed: ${JSON.stringify(v)}`);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(original.length);
    // A readable change names the record itself.
    fs.writeFileSync(tampered, Buffer.concat([before, Buffer.from(lines[at].replace('"status":200', '"status":201')), after]));
    expect((await verifyExportFile(tampered)).firstBad).toMatchObject({ chain: 'message', seq: 4, messageId: 'msg-4', line: lineNo });
    // Unparsable JSON names the line.
    fs.writeFileSync(tampered, Buffer.concat([before, Buffer.from(lines[at].replace('"status":200', '"status":2x0')), after]));
    const v = await verifyExportFile(tampered);
    expect(v.firstBad).toMatchObject({ line: lineNo, seq: 4 });
    expect(v.firstBad!.reason).toMatch(/not valid JSON/);
  });

  it('detects removed lines, a cut-short file and a tampered checkpoint or admin record', async () => {
    const tampered = path.join(t.dataDir, 'tampered2.jsonl');
    const write = (ls: string[]) => fs.writeFileSync(tampered, ls.join('\n') + '\n');
    const recordAt = (seq: number) => lines.findIndex((l) => l.startsWith('{"type":"record"') && l.includes(`"seq":${seq},`));

    write(lines.filter((_, i) => i !== recordAt(3)));
    expect((await verifyExportFile(tampered)).firstBad).toMatchObject({ chain: 'message', seq: 3, line: recordAt(3) + 1 });

    // Records 7-9 and their checkpoint removed with it: still the end line's counts disagree.
    write(lines.filter((_, i) => i < recordAt(7) || i > recordAt(9) + 1));
    expect((await verifyExportFile(tampered)).firstBad!.reason).toMatch(/not the ones the exporter signed/);

    // Only records 7-9 removed: the checkpoint at 9 shows it.
    write(lines.filter((_, i) => i < recordAt(7) || i > recordAt(9)));
    expect((await verifyExportFile(tampered)).firstBad).toMatchObject({ seq: 7 });

    write(lines.slice(0, -1));
    expect((await verifyExportFile(tampered)).firstBad!.reason).toMatch(/cut short/);

    const cp = lines.findIndex((l) => l.startsWith('{"type":"checkpoint"'));
    write(lines.map((l, i) => (i === cp ? l.replace(/"signature":"(.)/, (_m, c: string) => `"signature":"${c === 'A' ? 'B' : 'A'}`) : l)));
    expect((await verifyExportFile(tampered)).firstBad).toMatchObject({ chain: 'message', seq: 6 });

    const admin = lines.findIndex((l) => l.startsWith('{"type":"admin"'));
    write(lines.map((l, i) => (i === admin ? l.replace('"actor":"alice"', '"actor":"mallo"') : l)));
    expect((await verifyExportFile(tampered)).firstBad).toMatchObject({ chain: 'admin', seq: 1, line: admin + 1 });
  });

  it('refuses a file cut short with its end counts fixed: the end line is signed over every byte before it (issue 12, finding 4)', async () => {
    const tampered = path.join(t.dataDir, 'cut.jsonl');
    const recordAt = (seq: number) => lines.findIndex((l) => l.startsWith('{"type":"record"') && l.includes(`"seq":${seq},`));
    // Records 7-9 and the checkpoint at 9 gone, the end line's counts fixed to match.
    const cut = lines.filter((_, i) => i < recordAt(7) || i > recordAt(9) + 1).map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      return o.type === 'end' ? JSON.stringify({ ...o, records: 6, checkpoints: 2 }) : l;
    });
    fs.writeFileSync(tampered, cut.join('\n') + '\n');
    let v = await verifyExportFile(tampered);
    expect(v.ok).toBe(false);
    expect(v.firstBad!.reason).toMatch(/end line's signature .* is not valid/);
    // The old end line kept as it was: its signed digest no longer matches the file.
    fs.writeFileSync(tampered, lines.filter((_, i) => i < recordAt(7) || i > recordAt(9) + 1).join('\n') + '\n');
    v = await verifyExportFile(tampered);
    expect(v.firstBad!.reason).toMatch(/not the ones the exporter signed/);
    // Passed off as a version 2 file (unsigned end): the checkpoints' signatures cover their prev.
    const v2 = cut.map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (o.type === 'header') o.version = 2;
      if (o.type === 'checkpoint') delete o.prev;
      if (o.type === 'record') delete o.credential;
      if (o.type === 'end') return JSON.stringify({ type: 'end', records: o.records, checkpoints: o.checkpoints, adminRecords: o.adminRecords });
      return JSON.stringify(o);
    });
    fs.writeFileSync(tampered, v2.join('\n') + '\n');
    v = await verifyExportFile(tampered);
    expect(v.firstBad!.reason).toMatch(/invalid signature/);
  });

  it('says a file that is not an export is not one, instead of naming a record (issue 12, finding 5)', async () => {
    const other = path.join(t.dataDir, 'other.txt');
    for (const text of ['hello\n', '{"type":"record","seq":1}\n', '[1,2]\n']) {
      fs.writeFileSync(other, text);
      const v = await verifyExportFile(other);
      expect(v.firstBad).toEqual({ chain: 'message', seq: 0, line: 1, reason: 'The file is not a Vamco audit export: its first line is not a vamco-audit-export header.' });
    }
  });

  it('checks an export against an anchor: a file that no longer extends it fails', async () => {
    const anchor = await takeAnchor(t.store);
    expect(await verifyExportFile(file, anchor)).toMatchObject({ ok: true });
    // A fresh export of the log after its newest records and checkpoint were deleted.
    const trimmed = path.join(t.dataDir, 'trimmed.jsonl');
    await t.store.db.deleteFrom('log_checkpoints').where('chain', '=', 'message').where('seq', '>', 6).execute();
    await t.store.db.deleteFrom('message_log').where('seq', '>', 6).execute();
    await exportLog(t.store, trimmed, key);
    expect((await verifyExportFile(trimmed)).ok).toBe(true);
    const v = await verifyExportFile(trimmed, anchor);
    expect(v.firstBad).toMatchObject({ chain: 'message', nodeId: key.nodeId, seq: 7 });
    expect(v.firstBad!.reason).toMatch(/no longer extends the anchor.*records 7 to 9 were deleted/);
  });

  it('leaves no listener behind on a file that needs many drains', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => { warnings.push(w.name); };
    process.on('warning', onWarning);
    const t2 = await createTestStore(engine);
    try {
      const k2 = await loadOrCreateNodeKey(t2.store, t2.dataDir);
      const log = await MessageLog.open(t2.store, k2, { checkpointIntervalMs: 0 });
      // Each line is larger than the stream's 16 KB buffer: every write waits for a drain.
      await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(exchange(i + 1, { requestBody: 'A'.repeat(20_000) }))));
      await log.close();
      const big = path.join(t2.dataDir, 'big.jsonl');
      await exportLog(t2.store, big, k2);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect(await verifyExportFile(big)).toMatchObject({ ok: true, records: 30 });
    } finally {
      process.off('warning', onWarning);
      await t2.cleanup();
    }
  });
});

describe('the credential in the record hash', () => {
  const row = {
    node_id: 'node-1', seq: 1, message_id: 'm', request_id: 'r', at: '2026-01-01T00:00:00.000Z', client: 'DEV/A/B/C', service: null,
    method: 'GET', path: '/', status: 200, duration_ms: 1, request_size: 0, response_size: 0, request_digest: null, response_digest: null,
    user_id: null, issue: null, error_code: null, request_body: null, response_body: null, upstream: null, prev_hash: '0'.repeat(64),
  };
  it('leaves the hash of a record without one as it was, and covers it when present', () => {
    const before = hashMessage(row);
    expect(hashMessage({ ...row, credential: null })).toBe(before);
    const key = hashMessage({ ...row, credential: 'api-key' });
    const cert = hashMessage({ ...row, credential: `certificate:${'a'.repeat(64)}` });
    expect(new Set([before, key, cert, hashMessage({ ...row, credential: `certificate:${'b'.repeat(64)}` })]).size).toBe(4);
    // An upstream leg and a credential are told apart by position, not confused with each other.
    expect(hashMessage({ ...row, upstream: 'api-key' })).not.toBe(key);
  });
});
