// The federation wing (issue 17): what platforms prove to each other: signed receipts and witnessed checkpoints so far.
export {
  RECEIPT_FORMAT, RECEIPT_VERSION, RECEIPT_HEADER, RECEIPT_REQUEST_VALUE, signReceipt, verifyReceipt, receiptPayload,
  encodeReceiptHeader, decodeReceiptHeader, publicKeyFrom, type Receipt, type ReceiptFields, type ReceiptSigner,
} from './receipt.js';
export { saveReceipt, findReceipts, receiptFor, verifyKeptReceipts, type ReceiptRole, type ReceiptCheck } from './receipt-book.js';
export { receiptIssuer, type ReceiptIssuer } from './issuer.js';
export { loadFederationConfig, type FederationConfig } from './config.js';
export {
  Witness, federationHandler, startWitnessing, fetchWitnessed, witnessPayload, FEDERATION_PREFIX, WITNESS_PATH,
  type SubmittedCheckpoint, type WitnessedCheckpoint, type WitnessedPoints,
} from './witness.js';
export {
  DIRECTORY_PATH, DIRECTORY_FORMAT, directoryContent, signDirectory, verifyDirectory, directoryPublisher, DirectoryCopy,
  type DirectoryContent, type SignedDirectory, type DirectoryPublisher, type FetchOutcome,
} from './directory.js';
export { acceptPeerReceipt, receiptReference, type ExpectedReceipt } from './peer-receipt.js';
export { startPeerDirectories, keptPeerDirectories, directoryStatus, DIRECTORIES_DIR, type PeerDirectories, type DirectoryStatus } from './peer-directories.js';
export { asXroadRequest, xroadAnswerReference, xroadFault } from './xroad-peer.js';
export { foreignCatalogue, type ForeignServiceView } from './catalogue.js';
