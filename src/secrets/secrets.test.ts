import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, vi, afterEach } from 'vitest';
import { tempDir } from '../store/testing.js';
import {
  createSecretFile, formatKeyFile, loadKeyring, newSecretKey, parseKeyFile, readSecretFile, replaceSecretFile, secureDataDir, sealedKid,
} from './index.js';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('keyring', () => {
  const dir = tempDir();
  const file = path.join(dir, 'secret.key');
  fs.writeFileSync(file, formatKeyFile([newSecretKey()]), { mode: 0o600 });

  it('opens what it sealed, only for the place it was sealed for', () => {
    const ring = loadKeyring(file);
    const sealed = ring.seal('JBSWY3DPEHPK3PXP', 'users.totp_secret:1');
    expect(sealed.startsWith(`vs1.${ring.currentKid}.`)).toBe(true);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(ring.open(sealed, 'users.totp_secret:1')).toBe('JBSWY3DPEHPK3PXP');
    // Moved to another user's row, or another column: it does not open.
    expect(() => ring.open(sealed, 'users.totp_secret:2')).toThrow(/altered or moved/);
    expect(() => ring.open(sealed, 'users.totp_pending_secret:1')).toThrow(/altered or moved/);
    // One flipped bit anywhere in the body is refused.
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    expect(() => ring.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'users.totp_secret:1')).toThrow(/altered/);
    // Sealing twice gives two different values (fresh IV).
    expect(ring.seal('x', 'c')).not.toBe(ring.seal('x', 'c'));
  });

  it('derives one key per purpose and key, and refuses a key file whose ids do not match its keys', () => {
    const ring = loadKeyring(file);
    expect(ring.derive('a')).toEqual(ring.derive('a'));
    expect(ring.derive('a')).not.toEqual(ring.derive('b'));
    const k = newSecretKey();
    const forged = `vamco-key-v1 ${newSecretKey().kid} ${k.key.toString('base64url')}\n`;
    expect(() => parseKeyFile(forged, 'f')).toThrow(/line 1 is not a key line/);
    expect(() => parseKeyFile('# nothing\n', 'f')).toThrow(/holds no key/);
  });

  it('names the missing key, and picks up a rotated file without a restart', () => {
    const ring = loadKeyring(file);
    const other = path.join(dir, 'other.key');
    const k2 = newSecretKey();
    fs.writeFileSync(other, formatKeyFile([k2]), { mode: 0o600 });
    const foreign = loadKeyring(other).seal('v', 'ctx');
    expect(() => ring.open(foreign, 'ctx')).toThrow(new RegExp(`sealed with key ${k2.kid}, which .*secret.key does not hold`));
    // The file gains the key (as `vamco secrets rotate` does): the running keyring reads it again.
    const before = parseKeyFile(fs.readFileSync(file, 'utf8'), file);
    replaceSecretFile(file, formatKeyFile([k2, ...before]));
    expect(ring.open(foreign, 'ctx')).toBe('v');
    expect(ring.currentKid).toBe(k2.kid);
    expect(sealedKid(ring.seal('x', 'y'))).toBe(k2.kid);
  });
});

describe('secret files', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('are created 0600, synced before they appear, and never half-written', () => {
    const dir = tempDir();
    const file = path.join(dir, 'f');
    const order: string[] = [];
    const fsync = vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => { order.push(`fsync ${fd}`); });
    const link = vi.spyOn(fs, 'linkSync');
    link.mockImplementationOnce((a, b) => { order.push('link'); vi.mocked(fs.linkSync).mockRestore(); fs.linkSync(a, b); });
    expect(createSecretFile(file, 'token\n')).toBe(true);
    expect(order[0]).toMatch(/^fsync/);
    expect(order[1]).toBe('link');
    fsync.mockRestore();
    expect(mode(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('token\n');
    // Someone else's file is kept: false, and theirs stays.
    expect(createSecretFile(file, 'other\n')).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('token\n');
    expect(fs.readdirSync(dir)).toEqual(['f']);
  });

  it('report a failed write as an error, not as another process having won', () => {
    const dir = tempDir();
    vi.spyOn(fs, 'linkSync').mockImplementation(() => { throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }); });
    expect(() => createSecretFile(path.join(dir, 'f'), 'x')).toThrow(/Cannot create .*EIO/);
    expect(fs.readdirSync(dir)).toEqual([]); // no temporary file left behind
  });

  it('refuse a secret file others may read', () => {
    const dir = tempDir();
    const file = path.join(dir, 'k');
    fs.writeFileSync(file, 'x', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(() => readSecretFile(file)).toThrow(/may be read by other users \(mode 644\)/);
    fs.chmodSync(file, 0o640);
    expect(() => readSecretFile(file)).toThrow(/mode 640/);
    expect(readSecretFile(file, { allowGroupRead: true })).toBe('x');
  });
});

describe('data dir', () => {
  it('is created 0700', () => {
    const dir = path.join(tempDir(), 'data');
    expect(secureDataDir(dir).fixed).toEqual([]);
    expect(mode(dir)).toBe(0o700);
  });

  it('has modes that are too open restricted to the owner, and says which', () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, 'vamco.db'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'vamco.db-wal'), '', { mode: 0o664 });
    fs.mkdirSync(path.join(dir, 'exports'), { mode: 0o775 });
    fs.writeFileSync(path.join(dir, 'exports', 'x.jsonl'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'admin-token'), '', { mode: 0o600 });
    for (const f of ['vamco.db', 'vamco.db-wal', 'exports/x.jsonl']) fs.chmodSync(path.join(dir, f), f.endsWith('wal') ? 0o664 : 0o644);
    fs.chmodSync(path.join(dir, 'exports'), 0o775);
    const r = secureDataDir(dir);
    expect(r.fixed.map((f) => [path.relative(dir, f.path), f.was]).sort()).toEqual([
      ['', '0755'], ['exports', '0775'], ['exports/x.jsonl', '0644'], ['vamco.db', '0644'], ['vamco.db-wal', '0664'],
    ]);
    expect([mode(dir), mode(path.join(dir, 'exports')), mode(path.join(dir, 'vamco.db')), mode(path.join(dir, 'vamco.db-wal')), mode(path.join(dir, 'admin-token'))])
      .toEqual([0o700, 0o700, 0o600, 0o600, 0o600]);
    expect(secureDataDir(dir).fixed).toEqual([]);
  });

  it('refuses a symbolic link inside, and a file another user owns', () => {
    const dir = tempDir();
    fs.symlinkSync('/etc/passwd', path.join(dir, 'node-key.pem'));
    expect(() => secureDataDir(dir)).toThrow(/node-key.pem is a symbolic link/);
    fs.rmSync(path.join(dir, 'node-key.pem'));
    const f = path.join(dir, 'admin-token');
    fs.writeFileSync(f, 'x', { mode: 0o600 });
    fs.chownSync(f, 4242, 4242);
    expect(() => secureDataDir(dir)).toThrow(/admin-token belongs to user id 4242, but Vamco runs as user id \d+/);
  });
});
