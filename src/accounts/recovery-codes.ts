// Recovery codes (issue 14): handed out when two-step verification is set up, each standing in
// once for an authentication code when the phone is lost. Only a SHA-256 bound to the user is
// stored (50 random bits each, so a slow hash would add nothing), and spending one is a single
// conditional update: of two requests carrying the same code at once, only one gets through.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { iso, type AccountsCtx } from './context.js';
import type { AccountsSchema } from './schema.js';
import { sha256 } from './sessions.js';
import { base32Encode } from './totp.js';

export const RECOVERY_CODE_COUNT = 10;

/** What the user may type: case, spaces and dashes do not matter. */
const normalise = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');
const hashOf = (userId: number, code: string): string => sha256(`${userId}:${normalise(code)}`);

/** Looks like a recovery code rather than a 6-digit authentication code. */
export const isRecoveryCodeShape = (code: string): boolean => /^[A-Z2-7]{10}$/.test(normalise(code));

/**
 * Replaces the user's recovery codes with fresh ones (inside the caller's transaction) and
 * returns them in clear: the only time they are ever seen.
 */
export async function replaceRecoveryCodes(ctx: AccountsCtx, db: Kysely<AccountsSchema>, userId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const c = base32Encode(crypto.randomBytes(7)).slice(0, 10).toLowerCase();
    return `${c.slice(0, 5)}-${c.slice(5)}`;
  });
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  const at = iso(ctx.now());
  await db.insertInto('user_recovery_codes').values(codes.map((c) => ({ user_id: userId, code_hash: hashOf(userId, c), created_at: at, used_at: null }))).execute();
  return codes;
}

export async function dropRecoveryCodes(db: Kysely<AccountsSchema>, userId: number): Promise<void> {
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
}

/** Spends `code` if it is one of the user's unused codes; true when it was. */
export async function spendRecoveryCode(ctx: AccountsCtx, db: Kysely<AccountsSchema>, userId: number, code: string): Promise<boolean> {
  if (!isRecoveryCodeShape(code)) return false;
  const r = await db.updateTable('user_recovery_codes').set({ used_at: iso(ctx.now()) })
    .where('user_id', '=', userId).where('code_hash', '=', hashOf(userId, code)).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** How many unused codes the user has left. */
export async function recoveryCodesLeft(db: Kysely<AccountsSchema>, userId: number): Promise<number> {
  const r = await db.selectFrom('user_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}
