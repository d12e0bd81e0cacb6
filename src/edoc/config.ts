// The edoc wing's settings, read from the environment once with the rest of the config.
import fs from 'node:fs';
import { parseDuration } from '../core/duration.js';
import { VamcoError } from '../core/errors.js';

export interface EdocConfig {
  /** Largest package accepted, in bytes (VAMCO_EDOC_MAX_BYTES, default 100 MB). */
  maxBytes: number;
  /** Send status 01 to the sender when a recipient first fetches a document (VAMCO_EDOC_AUTO_ARRIVED, default on). */
  autoArrived: boolean;
  /** This hub's OrganId in the TraceHeaders it appends (VAMCO_EDOC_ORGAN_ID; default: the operator member's code). */
  organId?: string;
  /** How long delivered and acknowledged packages are kept, in ms (VAMCO_EDOC_RETENTION, default 43824h = 5 years; 0 keeps them). */
  retentionMs: number;
  upstream?: {
    /** The national axis (or a federated Vamco peer): VAMCO_EDOC_UPSTREAM_URL. */
    url: string;
    /** Read from VAMCO_EDOC_UPSTREAM_SYSTEM_ID_FILE and VAMCO_EDOC_UPSTREAM_SECRET_FILE, never from the environment itself. */
    systemId: string;
    secret: string;
    /** How often the inbox upstream is pulled (VAMCO_EDOC_PULL_INTERVAL, default 60 s). */
    pullIntervalMs: number;
    /** First retry delay; doubles per attempt up to maxBackoffMs (VAMCO_EDOC_RETRY_BASE, default 5 s; VAMCO_EDOC_RETRY_MAX, default 10 min). */
    retryBaseMs: number;
    maxBackoffMs: number;
  };
}

type Env = Record<string, string | undefined>;

function readSecretFile(name: string, file: string | undefined): string {
  if (!file) throw new VamcoError('VALIDATION_FAILED', `VAMCO_EDOC_UPSTREAM_URL is set: ${name} must name a file`);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new VamcoError('VALIDATION_FAILED', `${name}=${file} cannot be read: ${(e as Error).message}`);
  }
}

export function loadEdocConfig(env: Env): EdocConfig {
  const maxRaw = env.VAMCO_EDOC_MAX_BYTES;
  const maxBytes = maxRaw ? Number(maxRaw) : 100 * 1024 * 1024;
  if (!Number.isInteger(maxBytes) || maxBytes < 1024) throw new VamcoError('VALIDATION_FAILED', `VAMCO_EDOC_MAX_BYTES=${maxRaw} is not a whole number of bytes ≥ 1024`);
  const url = env.VAMCO_EDOC_UPSTREAM_URL || undefined;
  if (url && !/^https?:\/\//.test(url)) throw new VamcoError('VALIDATION_FAILED', `VAMCO_EDOC_UPSTREAM_URL=${url} is not an http(s) URL`);
  return Object.freeze({
    maxBytes,
    autoArrived: env.VAMCO_EDOC_AUTO_ARRIVED !== '0',
    organId: env.VAMCO_EDOC_ORGAN_ID || undefined,
    retentionMs: env.VAMCO_EDOC_RETENTION === '0' ? 0 : parseDuration(env.VAMCO_EDOC_RETENTION || '43824h'),
    upstream: url ? Object.freeze({
      url: url.replace(/\/+$/, ''),
      systemId: readSecretFile('VAMCO_EDOC_UPSTREAM_SYSTEM_ID_FILE', env.VAMCO_EDOC_UPSTREAM_SYSTEM_ID_FILE),
      secret: readSecretFile('VAMCO_EDOC_UPSTREAM_SECRET_FILE', env.VAMCO_EDOC_UPSTREAM_SECRET_FILE),
      pullIntervalMs: parseDuration(env.VAMCO_EDOC_PULL_INTERVAL || '60s'),
      retryBaseMs: parseDuration(env.VAMCO_EDOC_RETRY_BASE || '5s'),
      maxBackoffMs: parseDuration(env.VAMCO_EDOC_RETRY_MAX || '10m'),
    }) : undefined,
  });
}
