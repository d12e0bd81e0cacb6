// The federation wing's settings, read from the environment once with the rest of the config.
import { parseDuration } from '../core/duration.js';
import { VamcoError } from '../core/errors.js';

export interface FederationConfig {
  /** Gateway base URLs of the witnesses this node sends its signed checkpoints to (VAMCO_WITNESSES, comma-separated). */
  witnesses: readonly string[];
  /** Node ids whose checkpoints this platform witnesses (VAMCO_WITNESS_ACCEPT, comma-separated; empty: it witnesses none). */
  witnessAccept: readonly string[];
  /** How often new checkpoints are sent to the witnesses (VAMCO_WITNESS_INTERVAL, default 10 s). */
  witnessIntervalMs: number;
  /** Publish this instance's signed directory at GET /federation/v1/directory (VAMCO_DIRECTORY_PUBLISH=1; default off). */
  directoryPublish: boolean;
  /** How often peers' directories are fetched (VAMCO_DIRECTORY_FETCH_INTERVAL, default 60 s). */
  directoryFetchIntervalMs: number;
}

type Env = Record<string, string | undefined>;
const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function loadFederationConfig(env: Env): FederationConfig {
  const witnesses = list(env.VAMCO_WITNESSES).map((u) => {
    let url: URL;
    try { url = new URL(u); } catch { throw new VamcoError('VALIDATION_FAILED', `VAMCO_WITNESSES: ${u} is not a URL`); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new VamcoError('VALIDATION_FAILED', `VAMCO_WITNESSES: ${u} is not an http(s) URL`);
    return url.origin + url.pathname.replace(/\/+$/, '');
  });
  const witnessAccept = list(env.VAMCO_WITNESS_ACCEPT);
  for (const n of witnessAccept) if (!/^node-[0-9a-f]{12}$/.test(n)) throw new VamcoError('VALIDATION_FAILED', `VAMCO_WITNESS_ACCEPT: ${n} is not a node id (node- and 12 hex digits, as "vamco audit anchor" shows)`);
  let witnessIntervalMs = 10_000;
  if (env.VAMCO_WITNESS_INTERVAL) {
    witnessIntervalMs = parseDuration(env.VAMCO_WITNESS_INTERVAL);
  }
  return Object.freeze({ witnesses: Object.freeze(witnesses), witnessAccept: Object.freeze(witnessAccept), witnessIntervalMs, directoryPublish: env.VAMCO_DIRECTORY_PUBLISH === '1',
    directoryFetchIntervalMs: env.VAMCO_DIRECTORY_FETCH_INTERVAL ? parseDuration(env.VAMCO_DIRECTORY_FETCH_INTERVAL) : 60_000,
  });
}
