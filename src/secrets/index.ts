// Secrets at rest: the data dir's permissions, files that hold secrets, and the key file that
// seals database values and derives the platform's keyed secrets.
export { secureDataDir, type DataDirReport } from './data-dir.js';
export { createSecretFile, replaceSecretFile, readSecretFile, SECRET_FILE_MODE, SECRET_DIR_MODE } from './files.js';
export { Keyring, loadKeyring, isSealed, sealedKid, newSecretKey, formatKeyFile, parseKeyFile, kidOf, type SecretKey } from './keyring.js';
export { SEALED_COLUMNS, sealContext, sealPlainValues, resealAll, countByKid, type SealedColumn } from './sealed-columns.js';
export { openStoreKeyring, type KeyFileOptions } from './store-keyring.js';
export { keyStatus, rotateKey, retireOldKeys, type KeyStatus } from './rotation.js';
