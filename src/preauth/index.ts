// Pre-authentication limits: refuse an address that keeps failing to authenticate before it
// costs a key lookup, a token check, a password hash or a message-log record.
export { AddressGuard, addressKey, type AddressGuardOptions } from './address-guard.js';
