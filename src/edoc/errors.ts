// The edoc wing's refusals, in the national axis's answer shape ({status: "FAIL", ErrorCode,
// ErrorDesc}). The axis itself publishes no catalogue beyond "0" = success, so these codes are
// Vamco's own, stable, documented in docs/edoc.md; each names the rule it enforces.

export const EDOC_ERRORS = {
  EDOC_XML_MALFORMED:        { http: 400, rule: 'XML 1.0 well-formedness (QCVN 102:2016 packages are XML documents)' },
  EDOC_XML_DTD:              { http: 400, rule: 'No DTD or entity declarations: external entities and entity expansion are never processed (issue 9, validation on arrival)' },
  EDOC_NOT_EDXML:            { http: 400, rule: 'QCVN 102:2016: the root is edXML in namespace http://www.mic.gov.vn/TBT/QCVN_102_2016' },
  EDOC_STRUCTURE:            { http: 400, rule: 'QCVN 102:2016: edXML › edXMLEnvelope › edXMLHeader › MessageHeader (reference edxml.md, Package)' },
  EDOC_FIELD_MISSING:        { http: 400, rule: 'QCVN 102:2016 MessageHeader: fields a production hub enforces (reference edxml.md, Package, *)' },
  EDOC_FIELD_INVALID:        { http: 400, rule: 'QCVN 102:2016 MessageHeader: value formats and ranges (reference edxml.md, Package)' },
  EDOC_ORGANID_INVALID:      { http: 400, rule: 'QĐ 20/2020/QĐ-TTg electronic codes: at most 35 characters of 0-9 A-Z and dot-separated groups' },
  EDOC_DOCUMENTID_INVALID:   { http: 400, rule: 'QCVN 102:2016 DocumentId: "<sender OrganId>,<yyyy/MM/dd>,<CodeNumber>/<CodeNotation>"' },
  EDOC_DUPLICATE_RECIPIENT:  { http: 400, rule: 'QCVN 102:2016 MessageHeader/To: no duplicate OrganId' },
  EDOC_MANIFEST_MISMATCH:    { http: 400, rule: 'QCVN 102:2016 edXMLManifest/Reference ↔ AttachmentEncoded/Attachment by ContentId (with or without "cid:")' },
  EDOC_ATTACHMENT_ENCODING:  { http: 400, rule: 'QCVN 102:2016 Attachment/ContentTransferEncoded: base64' },
  EDOC_STATUS_INVALID:       { http: 400, rule: 'QCVN 102:2016 status package: StatusCode one of 01–06, 13, 15, 16 with ResponseFor (reference edxml.md, Status package)' },
  EDOC_MESSAGETYPE_MISMATCH: { http: 400, rule: 'Axis API sendEdoc: messagetype edoc|status must match the package sent' },
  EDOC_SHA256_MISMATCH:      { http: 400, rule: 'Axis API sendEdoc: the upload\'s SHA-256 must match the file (issue 9, validation on arrival)' },
  EDOC_BAD_REQUEST:          { http: 400, rule: 'Axis API: parameters as headers, the package as a multipart file' },
  EDOC_TOO_LARGE:            { http: 413, rule: 'VAMCO_EDOC_MAX_BYTES (default 100 MB per package)' },
  EDOC_UNAUTHENTICATED:      { http: 401, rule: 'Gateway credentials (X-Road-Client + API key / token) or the SDK\'s system-id + HMAC-SHA256 headers' },
  EDOC_NOT_ENDPOINT:         { http: 403, rule: 'Only the subsystem named by `vamco edoc endpoint set` sends and receives for its member' },
  EDOC_SENDER_MISMATCH:      { http: 403, rule: 'From/OrganId must be the caller\'s own member: no sending in another agency\'s name (issue 9)' },
  EDOC_UNKNOWN_RECIPIENT:    { http: 400, rule: 'Every To/OrganId (status: ResponseFor/OrganId) must be a known agency, local or through the national axis' },
  EDOC_NOT_FOUND:            { http: 404, rule: 'A document is visible only to its sender and its recipients' },
  EDOC_UNAVAILABLE:          { http: 503, rule: 'The platform could not make the package durable; nothing was accepted' },
} as const;

export type EdocErrorCode = keyof typeof EDOC_ERRORS;

export class EdocError extends Error {
  readonly code: EdocErrorCode;
  readonly http: number;
  /** `http` overrides the code's status where HTTP itself says more (404 no such operation, 405). */
  constructor(code: EdocErrorCode, desc: string, http?: number) {
    super(desc);
    this.name = 'EdocError';
    this.code = code;
    this.http = http ?? EDOC_ERRORS[code].http;
  }
}
