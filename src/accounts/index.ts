// Accounts: users, passwords, sessions, CSRF, lock-out, TOTP and personal API tokens.
export { accountsContext, DEFAULT_POLICY, type AccountsCtx, type AccountsOptions, type AccountsPolicy, type TrailEntry, type TrailWriter } from './context.js';
export { sessionAuthenticator, apiTokenAuthenticator, principalOf } from './authenticators.js';
export { accountsRoutes, type AccountsRoutesOptions } from './routes.js';
export {
  ensureFirstAdmin, cliAddUser, cliResetPassword, cliListUsers, createUser, updateUser, resetPassword, resetTotp, unlockUser,
  listUsers, getUser, userView, FIRST_ADMIN, ROLES, type UserView, type NewUser, type UserPatch,
} from './users.js';
export { hashPassword, verifyPassword, generatePassword, checkPasswordStrength } from './passwords.js';
export { totp, hotp, verifyTotp, base32Encode, base32Decode, otpauthUri } from './totp.js';
export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './cookies.js';
export { TOKEN_PREFIX } from './tokens.js';
export type { AccountsSchema } from './schema.js';
export { accountsPlugin, accountsAuthenticators, platformAccounts, auditTrail } from './plugin.js';
