// One exchange as the stages see it. Each stage reads what the stages before it set and adds
// its own part; nothing else is shared between them (DESIGN.md, "The exchange as stages").
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { isoNow } from '../../core/index.js';
import type { Snapshot, SnapPeer, SnapService, SnapSubsystem } from '../../registry/index.js';
import type { NormalisedPath } from '../path.js';
import type { Meter } from '../meter.js';
import type { GatewayDeps } from '../types.js';
import type { Outcome } from './outcome.js';
import type { UpstreamAbort } from './forward.js';
import type { UpstreamLeg } from '../../audit/index.js';
import type { WsdlOperation } from '../../soap/index.js';

/** The service named by the request path: /r1/{instance}/{class}/{member}/{subsystem}/{service}. */
export interface TargetRef {
  instance: string; memberClass: string; memberCode: string; subsystemCode: string; serviceCode: string;
  /** CLASS/MEMBER/SUBSYSTEM */
  providerKey: string;
}

export interface UpstreamAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** undici fills these in once the body has ended (a peer's streamed answer has its receipt there). */
  trailers?: Record<string, string | string[] | undefined>;
}

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** performance.now() when the request arrived. */
  readonly t0: number;
  /** ISO time the request arrived. */
  readonly at: string;
  readonly requestId: string;
  readonly method: string;
  /** The snapshot this exchange is decided on, taken once at its start. */
  readonly snap: Snapshot;
  messageId: string;
  /** The client sent no X-Road-Id: the gateway made one (and the request hash covers it). */
  messageIdGenerated: boolean;
  /** Authorization carried the credential the gateway checked (a bearer token of POST /token). */
  authorizationConsumed: boolean;
  /** The request target as logged: the raw one, made canonical once the service path is normalised. */
  target: string;

  // parse
  path: string;
  query: string;
  /** ['', 'r1', instance, class, member, subsystem, service, ...path] */
  segments: string[];
  ref: TargetRef | null;
  userId: string | null;
  issue: string | null;
  /** X-Road-Security-Server, decoded (INSTANCE/CLASS/MEMBER/SERVERCODE), when the client named one. */
  securityServer: string | null;

  // identify
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM as the client named itself (logged even when refused). */
  client: string | null;
  /** The calling subsystem; null for a member-level client (which authorise refuses). */
  clientSub: SnapSubsystem | null;
  /** Which credential identified the client ('peer': a peer platform's certificate, for a client of that instance; 'xroad': a security server peer's). */
  credential: 'api-key' | 'token' | 'certificate' | 'peer' | 'xroad' | null;
  /** The peer platform the request came from (its client is of that instance). */
  fromPeer: SnapPeer | null;
  /** SHA-256 (hex) of the TLS client certificate, when that was the credential. */
  certFingerprint: string | null;

  // resolve
  /** INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE */
  service: string | null;
  /** Metrics label: the service key, a metaservice name, or 'unknown'. */
  serviceLabel: string;
  svc: SnapService | null;
  /** A metaservice's name when the request is for one. */
  metaservice: string | null;
  servicePath: NormalisedPath | null;
  /** The peer instance the service belongs to: the exchange is forwarded to its gateway. */
  peer: SnapPeer | null;

  // forward
  meter: Meter | null;
  abort: UpstreamAbort | null;
  timer: NodeJS.Timeout | undefined;
  timedOut: boolean;
  upstream: UpstreamAnswer | null;
  /** SOAP services: the envelope passes through ('pass') or JSON is mediated ('json'). */
  soapMode: 'pass' | 'json' | null;
  soapOperation: WsdlOperation | null;
  /** The gateway's own call to a backend that needs a credential (recorded; never the token). */
  upstreamLeg: UpstreamLeg | null;

  /** The consumer's connection closed before the answer was complete. */
  clientGone: boolean;
  /** Set by the stage that answered: the stages after it do not run. */
  finished: boolean;
}

/** One step of the exchange. It may answer (and set `finished`) or throw a VamcoError. */
export interface Stage {
  readonly name: string;
  run(x: Exchange): void | Promise<void>;
}

export type StageFactory = (deps: GatewayDeps, outcome: Outcome) => Stage;

export function newExchange(req: IncomingMessage, res: ServerResponse, t0: number, snap: Snapshot): Exchange {
  const requestId = crypto.randomUUID();
  return {
    req, res, t0, at: isoNow(), requestId, method: req.method ?? 'GET', snap,
    messageId: requestId, messageIdGenerated: false, authorizationConsumed: false, target: req.url ?? '/',
    path: '', query: '', segments: [], ref: null, userId: null, issue: null, securityServer: null,
    client: null, clientSub: null, credential: null, fromPeer: null, certFingerprint: null,
    service: null, serviceLabel: 'unknown', svc: null, metaservice: null, servicePath: null, peer: null,
    meter: null, abort: null, timer: undefined, timedOut: false, upstream: null, upstreamLeg: null, soapMode: null, soapOperation: null,
    clientGone: false, finished: false,
  };
}
