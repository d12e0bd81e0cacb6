// One mapping from the HTTP framework's own errors (schema validation, body parsing, size)
// to the catalogue, for every fastify server of the platform.
import { VamcoError } from './errors.js';

interface FrameworkError { validation?: unknown; validationContext?: string; statusCode?: number; code?: string; message: string }

/** The catalogue error for `err`, or null when it is not a client error (log it: it is a bug). */
export function fromFrameworkError(err: unknown): VamcoError | null {
  if (err instanceof VamcoError) return err;
  const fe = err as FrameworkError;
  if (fe.validation) {
    return new VamcoError('VALIDATION_FAILED', `${fe.validationContext ?? 'request'} ${fe.message.replace(/^(body|querystring|params)\/?/, '')}`.trim());
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new VamcoError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new VamcoError('UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
    return new VamcoError('BAD_REQUEST', 'The body is not valid JSON');
  }
  if (fe.code?.startsWith('FST_ERR_CTP') || (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)) return new VamcoError('BAD_REQUEST', fe.message);
  return null;
}
