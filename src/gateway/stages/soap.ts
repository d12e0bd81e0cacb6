// SOAP services in the forward stage (issue 16): a passing envelope is read only as far as
// its Body's first element (which names the operation, and whose right is checked then), the
// rest streams on; a JSON call to "POST /{operation}" becomes the operation's envelope, and the
// answer's body element comes back as JSON (a SOAP fault as the platform's UPSTREAM_FAULT).
// No DTD or entity declaration is ever accepted (src/soap).
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { VamcoError } from '../../core/errors.js';
import { isAllowed } from '../../registry/index.js';
import { findOperation, mediatedAnswer, mediatedRequest, requestAction, scanEnvelopeHead, type EnvelopeHead, type WsdlOperation } from '../../soap/index.js';
import type { Exchange, UpstreamAnswer } from './context.js';

// A Header larger than this before the Body starts is not a request the platform reads.
const MAX_HEAD_CHARS = 256 * 1024;

/** Pass-through: names the operation from the envelope's head, checks the client's right to it. */
export async function soapPassThrough(x: Exchange): Promise<{ op: WsdlOperation; body: Readable }> {
  const svc = x.svc!;
  if (!x.meter) throw new VamcoError('INVALID_XML', 'A SOAP request carries its envelope in the body');
  const it = x.meter[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  const decoder = new StringDecoder('utf8');
  let text = '';
  let done = false;
  let head: EnvelopeHead | null = null;
  while (!head) {
    const r = await it.next();
    if (r.done) {
      done = true;
      text += decoder.end();
      head = scanEnvelopeHead(text, true);
      break;
    }
    chunks.push(r.value);
    text += decoder.write(r.value);
    head = scanEnvelopeHead(text, false);
    if (!head && text.length > MAX_HEAD_CHARS) throw new VamcoError('INVALID_XML', `The SOAP envelope's Body does not start within ${MAX_HEAD_CHARS} characters`);
  }
  const op = findOperation(svc.soap!, head!, requestAction(x.req.headers), x.service!);
  if (!isAllowed(x.snap, svc, x.clientSub!.id, 'POST', `/${op.name}`)) {
    throw new VamcoError('ACCESS_DENIED', `${x.client} has no access to operation ${op.name} of ${x.service}`);
  }
  x.soapOperation = op;
  const body = Readable.from((async function* () {
    yield* chunks;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })());
  return { op, body };
}

async function readAll(body: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) throw new VamcoError('PAYLOAD_TOO_LARGE', `${what} is larger than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** JSON endpoint: the consumer's JSON object as the operation's request envelope. */
export async function soapJsonRequest(x: Exchange, maxBytes: number): Promise<{ body: Buffer; headers: Record<string, string> }> {
  const svc = x.svc!;
  const name = x.servicePath!.decoded.slice(1);
  const op = svc.soap!.operations.find((o) => o.name === name);
  if (!op) throw new VamcoError('NOT_FOUND', `${x.service} has no operation ${name}`);
  x.soapOperation = op;
  const raw = x.meter ? await readAll(x.meter, maxBytes, 'The request body') : Buffer.alloc(0);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new VamcoError('BAD_REQUEST', `The body of a call to operation ${op.name} must be a JSON object (the content of its request element)`);
  }
  return mediatedRequest(svc.soap!, op, json);
}

/** The backend's SOAP answer as the consumer's JSON answer, or its fault as the platform's. */
export async function soapJsonAnswer(x: Exchange, up: UpstreamAnswer, maxBytes: number): Promise<UpstreamAnswer> {
  const xml = (await readAll(up.body as AsyncIterable<Buffer>, maxBytes, `The answer of the backend of ${x.service}`)).toString('utf8');
  // SOAP 1.1 section 6.2 and 1.2 part 2, 7.5.1: a fault comes with HTTP 500 (1.2: 400 for a sender fault).
  if (up.statusCode !== 200 && up.statusCode !== 500 && up.statusCode !== 400) {
    throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The backend of ${x.service} answered HTTP ${up.statusCode} to operation ${x.soapOperation!.name}`);
  }
  const json = mediatedAnswer(x.soapOperation!, xml, x.service!);
  if (up.statusCode !== 200) throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The backend of ${x.service} answered HTTP ${up.statusCode} without a SOAP fault`);
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Readable.from([body]) };
}
