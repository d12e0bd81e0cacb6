// Test data for the audit wing's tests (kept out of the public face).
import type { ExchangeRecord } from './types.js';

export function exchange(i: number, over: Partial<ExchangeRecord> = {}): ExchangeRecord {
  return {
    messageId: `msg-${i}`,
    requestId: `req-${i}`,
    at: new Date(Date.UTC(2025, 6, 1, 8, 0, 0, i)).toISOString(),
    client: 'VN/GOV/000.00.00.H59/hotich',
    service: `VN/GOV/000.00.00.H60/dancu/${i % 2 === 0 ? 'citizen' : 'household'}`,
    method: 'GET',
    path: `/citizens/${i}`,
    status: 200,
    durationMs: 1.25 + i / 7,
    requestSize: 0,
    responseSize: 208 + i,
    requestDigest: null,
    responseDigest: 'ab'.repeat(32),
    userId: null,
    issue: null,
    errorCode: null,
    ...over,
  };
}
