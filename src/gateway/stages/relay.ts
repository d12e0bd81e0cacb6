// relay: the backend's answer goes back to the consumer, digested as it passes. Small answers
// (up to logBufferBytes) are held until their record is committed. Larger ones stream, but the
// last chunk is held back until the record, with the digest and size of the whole body, is
// committed: the consumer never receives a complete answer whose record is not durable.
import crypto from 'node:crypto';
import { VamcoError } from '../../core/errors.js';
import { downstreamHeaders } from '../headers.js';
import { RECEIPT_REQUEST_VALUE, acceptPeerReceipt, receiptReference } from '../../federation/index.js';
import type { Exchange, StageFactory } from './context.js';

export const relay: StageFactory = (deps, outcome) => ({
  name: 'relay',
  async run(x: Exchange): Promise<void> {
    const { req, res } = x;
    const up = x.upstream!;
    const svc = x.svc!;
    const limit = deps.config.logBufferBytes;
    // A streamed answer is hashed as it passes; one held whole is hashed once at its end (a
    // Hash object per exchange cost more than one crypto.hash over a small answer: issue 15).
    let hash: crypto.Hash | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    let streaming = false;
    let held: Buffer | null = null;
    const headers = downstreamHeaders(up.headers);
    // The backend answered before the consumer finished sending: close after this answer, or
    // the rest of the upload would be read as the next request on this connection.
    if (!req.complete) headers.connection = 'close';
    // A peer platform's own fault (its access denied, say) reaches the client as the peer said it.
    const peerFault = x.peer?.type === 'vamco' ? up.headers['x-road-error'] : undefined;
    if (typeof peerFault === 'string') headers['x-road-error'] = peerFault;
    // A peer's answer (not its fault) carries its receipt over this exchange: checked, referenced
    // in this record (the upstream leg) and kept whole with the received receipts.
    const takePeerReceipt = (digest: string, size: number) => {
      // A security server signs no receipt: its request hash is in the record instead (forward).
      if (!x.peer || x.peer.type !== 'vamco' || peerFault !== undefined) return;
      const r = acceptPeerReceipt(up.headers['x-vamco-receipt'] ?? up.trailers?.['x-vamco-receipt'], {
        instance: x.peer.instance, messageId: x.messageId, client: x.client!, service: x.service!, status: up.statusCode, responseDigest: digest, responseSize: size,
      });
      x.upstreamLeg!.tokenId = receiptReference(r);
      deps.receipts?.received(r);
    };
    const bodyless = x.method === 'HEAD' || up.statusCode === 204 || up.statusCode === 304;
    // A streamed answer's receipt can only be signed once its record is committed, after the
    // body: it travels as a trailer, which needs chunked encoding (no Content-Length).
    const wantsReceipt = !!deps.receipts && x.req.headers['x-vamco-receipt'] === RECEIPT_REQUEST_VALUE && !bodyless;
    const startStreaming = () => {
      streaming = true;
      hash = crypto.createHash('sha256');
      for (const b of chunks) hash.update(b);
      if (wantsReceipt) { delete headers['content-length']; headers.trailer = 'X-Vamco-Receipt'; }
      Object.assign(headers, outcome.xroadHeaders(x));
      res.writeHead(up.statusCode, headers);
      held = chunks.pop()!;
      for (const b of chunks) res.write(b);
      chunks.length = 0;
    };
    try {
      await new Promise<void>((resolve, reject) => {
        up.body.on('data', (c: Buffer) => {
          size += c.length;
          if (!streaming) {
            chunks.push(c);
            if (size > limit && !x.clientGone) startStreaming();
            return;
          }
          hash!.update(c);
          const ok = res.write(held!);
          held = c;
          if (!ok) {
            up.body.pause();
            res.once('drain', () => up.body.resume());
          }
        });
        up.body.once('end', resolve);
        up.body.once('error', reject);
        res.once('close', () => { if (!res.writableFinished) reject(new VamcoError('BAD_REQUEST', 'The client closed the connection')); });
      });
    } catch (err) {
      up.body.destroy();
      if (!streaming) throw err; // nothing sent yet: the exchange answers with a problem
      // Cut mid-stream: record what happened, then break the connection so the consumer
      // cannot take the partial body for a complete one.
      clearTimeout(x.timer);
      const status = x.clientGone ? 499 : 502;
      const pos = await outcome.logDurably(x, outcome.record(x, status, { responseSize: size, responseDigest: null, errorCode: x.clientGone ? 'CLIENT_CLOSED' : 'UPSTREAM_BAD_RESPONSE' }))
        .catch((e) => deps.logger.error({ err: e, requestId: x.requestId }, 'message log unavailable'));
      outcome.finishMetrics(x, status);
      res.destroy();
      x.finished = true;
      return;
    }
    clearTimeout(x.timer);
    x.finished = true;
    const streamed = hash as crypto.Hash | null;
    // Streamed: every chunk has gone to the consumer or is `held`, and `chunks` is empty.
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const digest = streamed ? streamed.digest('hex') : crypto.hash('sha256', body, 'hex');
    if (streamed) {
      let pos: Awaited<ReturnType<typeof outcome.logDurably>>;
      try {
        takePeerReceipt(digest, size);
      } catch (e) {
        // Most of the answer has gone: the connection is cut, so the client cannot take it as the peer's.
        deps.logger.warn({ err: e, requestId: x.requestId }, 'peer answer without a valid receipt');
        await outcome.logDurably(x, outcome.record(x, 502, { responseSize: size, responseDigest: digest, errorCode: 'UPSTREAM_BAD_RESPONSE' }))
          .catch((err) => deps.logger.error({ err, requestId: x.requestId }, 'message log unavailable'));
        outcome.finishMetrics(x, 502);
        res.destroy();
        return;
      }
      try {
        pos = await outcome.logDurably(x, outcome.record(x, up.statusCode, { responseSize: size, responseDigest: digest }));
      } catch (e) {
        deps.logger.error({ err: e, requestId: x.requestId }, 'message log unavailable');
        outcome.finishMetrics(x, 500); // Server.NotReady, though the answer is cut, not sent
        res.destroy(); // never complete an answer whose record is not durable
        return;
      }
      outcome.finishMetrics(x, up.statusCode);
      const receipt = wantsReceipt ? outcome.receipt(x, pos, up.statusCode, digest, size) : null;
      if (receipt) { res.write(held); res.addTrailers({ 'X-Vamco-Receipt': receipt }); res.end(); } else res.end(held);
      return;
    }
    takePeerReceipt(digest, size);
    const status = x.clientGone ? 499 : up.statusCode;
    const pos = await outcome.logDurably(x, outcome.record(x, status, {
      responseSize: size, responseDigest: digest, errorCode: x.clientGone ? 'CLIENT_CLOSED' : null,
      requestBody: svc.logBodies ? x.meter?.keptBase64() ?? null : null,
      responseBody: svc.logBodies ? body.toString('base64') : null,
    }));
    outcome.finishMetrics(x, status);
    if (x.clientGone) return;
    // HEAD, 204 and 304 carry no body: keep what the backend said its length is.
    if (!bodyless) headers['content-length'] = body.length;
    Object.assign(headers, outcome.xroadHeaders(x));
    const receipt = outcome.receipt(x, pos, status, digest, size);
    if (receipt) headers['x-vamco-receipt'] = receipt;
    res.writeHead(up.statusCode, headers);
    res.end(body);
  },
});
