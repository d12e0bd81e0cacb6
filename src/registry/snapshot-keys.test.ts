import { describe, expect, it } from 'vitest';
import { apiKeyHolder, type Snapshot } from './snapshot.js';
import { hashApiKey, newApiKey } from './keys.js';

// Only the key map matters to apiKeyHolder; the rest of a snapshot is left empty.
const snapWith = (keys: [string, number][]): Snapshot => ({ keys: new Map(keys.map(([k, id]) => [hashApiKey(k), { id: 1, subsystemId: id, expiresAt: null }])) } as unknown as Snapshot);
const holder = (snap: Snapshot, key: string) => apiKeyHolder(snap, key)?.subsystemId;

describe('apiKeyHolder (API-key digests cached per snapshot)', () => {
  it('finds the subsystem of a valid key, on the first and on later calls', () => {
    const { key } = newApiKey();
    const snap = snapWith([[key, 7]]);
    expect(holder(snap, key)).toBe(7);
    expect(holder(snap, key)).toBe(7);
  });

  it('refuses unknown keys every time', () => {
    const { key } = newApiKey();
    const snap = snapWith([[key, 7]]);
    expect(holder(snap, key + 'x')).toBeUndefined();
    expect(holder(snap, key + 'x')).toBeUndefined();
    expect(holder(snap, '')).toBeUndefined();
  });

  it('a key revoked in the next snapshot is refused at once, though cached for the previous one', () => {
    const { key } = newApiKey();
    const before = snapWith([[key, 7]]);
    expect(holder(before, key)).toBe(7);
    const after = snapWith([]);
    expect(holder(after, key)).toBeUndefined();
  });

  it('a key moved to another subsystem in the next snapshot resolves to the new holder', () => {
    const { key } = newApiKey();
    expect(holder(snapWith([[key, 7]]), key)).toBe(7);
    expect(holder(snapWith([[key, 9]]), key)).toBe(9);
  });
});
