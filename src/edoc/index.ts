// The edoc wing (issue 9): official document exchange. The province's document-management
// systems (QLVB) send and receive edXML packages (QCVN 102:2016) through the platform, in the
// national document axis's API shape, under Quyết định 28/2018/QĐ-TTg.
export { EDXML_NS, STATUS_CODES, BUSINESS_TYPES, parsePackage, readPackage, extractAttachment, checkOrganId, isEdxmlDate, isEdxmlTimestamp, vnDate, vnTimestamp } from './edxml.js';
export type { Package, EdocPackage, StatusPackage, Organization, ResponseFor, TraceHeader, AttachmentInfo, ManifestReference, Business } from './edxml.js';
export { buildEdoc, buildStatus, appendTraceHeader, type EdocSpec, type StatusSpec } from './build.js';
export { EDOC_ERRORS, EdocError, type EdocErrorCode } from './errors.js';
export { loadEdocConfig, type EdocConfig } from './config.js';
export { EdocHub, TRANSPORT_STATUSES, type Caller, type TransportStatus, type InboxItem, type SentItem, type HubOptions } from './hub.js';
export { BlobStore } from './blobs.js';
export { createEdocHandler, EDOC_PREFIX, type EdocHttpDeps } from './http.js';
export { signedHeaders, hmacSign, hmacVerify, canonicalJson, HMAC_PREFIX } from './hmac.js';
export { EdocUpstream } from './upstream.js';
