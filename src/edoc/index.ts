// The edoc wing (issue 9): official document exchange. The province's document-management
// systems (QLVB) send and receive edXML packages (QCVN 102:2016) through the platform, in the
// national document axis's API shape, under Quyết định 28/2018/QĐ-TTg.
export { EDXML_NS, STATUS_CODES, BUSINESS_TYPES, parsePackage, extractAttachment, checkOrganId, isEdxmlDate, isEdxmlTimestamp, vnDate, vnTimestamp } from './edxml.js';
export type { Package, EdocPackage, StatusPackage, Organization, ResponseFor, TraceHeader, AttachmentInfo, ManifestReference, Business } from './edxml.js';
export { buildEdoc, buildStatus, appendTraceHeader, type EdocSpec, type StatusSpec } from './build.js';
export { EDOC_ERRORS, EdocError, type EdocErrorCode } from './errors.js';
