// edXML packages (QCVN 102:2016/BTTTT) as the hub reads them: parsed by namespace, never by
// prefix, without DTDs or entities, and checked field by field. Each refusal names its rule.
// No official XSD is public; the fields and which of them are enforced follow what production
// hubs and SDK samples agree on (docs/edoc.md lists them with their sources).
import { EdocError } from './errors.js';
import { EDXML_NS, readFile, readText, type ENode, type ReadResult } from './reader.js';

export { EDXML_NS } from './reader.js';

/** Status codes of QCVN 102:2016 status packages (reference edxml.md, Status package). */
export const STATUS_CODES: Readonly<Record<string, string>> = Object.freeze({
  '01': 'arrived, not yet handled',
  '02': 'refused, returned',
  '03': 'accepted and registered',
  '04': 'assigned to a handler',
  '05': 'being processed',
  '06': 'completed',
  '13': 'the sender takes the document back',
  '15': 'receiver agrees to the update / take-back',
  '16': 'receiver refuses the update / take-back',
});

/** BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace. */
export const BUSINESS_TYPES = ['new', 'revoke', 'update', 'replace'] as const;

export interface Organization {
  organId: string;
  organName?: string;
  organizationInCharge?: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  fax?: string;
  website?: string;
}

export interface ResponseFor { organId: string; code?: string; promulgationDate?: string; documentId: string }
export interface TraceHeader { organId: string; timestamp: string }
export interface ManifestReference { contentId: string; contentType?: string; description?: string; attachmentName?: string }
export interface AttachmentInfo {
  contentId: string;
  attachmentName: string;
  description?: string;
  contentType: string;
  /** Decoded size in bytes and hex SHA-256 of the decoded bytes: what a signed PDF's check compares. */
  size: number;
  sha256: string;
}
export interface Business {
  docType: 0 | 1 | 2 | 3;
  reason?: string;
  paper?: 0 | 1;
  /** Replace (3): the DocumentIds this document replaces. */
  replaces: string[];
}

export interface EdocPackage {
  kind: 'edoc';
  from: Organization;
  to: Organization[];
  documentId: string;
  code: { codeNumber: string; codeNotation: string };
  promulgation: { place?: string; date: string };
  documentType: { type: number; typeDetail?: number; typeName?: string };
  subject: string;
  content?: string;
  signer?: { competence?: string; position?: string; fullName?: string };
  dueDate?: string;
  priority?: number;
  steeringType?: number;
  responseFor: ResponseFor[];
  traces: TraceHeader[];
  business: Business;
  manifest: ManifestReference[];
  attachments: AttachmentInfo[];
  /** An envelope Signature element was present (kept as sent, never relied on). */
  signed: boolean;
}

export interface StatusPackage {
  kind: 'status';
  from: Organization;
  responseFor: ResponseFor;
  statusCode: string;
  description?: string;
  staff?: { fullName?: string; department?: string; email?: string; mobile?: string };
  timestamp: string;
  traces: TraceHeader[];
}

export type Package = EdocPackage | StatusPackage;

const ORGANID = /^[0-9A-Z]+(\.[0-9A-Z]+)*$/;
const DATE = /^(\d{4})\/(\d{2})\/(\d{2})$/;
const TIMESTAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

type XNode = ENode;
const child = (n: XNode | undefined, local: string): XNode | undefined => n?.children.find((c) => c.ns === EDXML_NS && c.local === local);
const children = (n: XNode | undefined, local: string): XNode[] => n?.children.filter((c) => c.ns === EDXML_NS && c.local === local) ?? [];
const val = (n: XNode | undefined, local: string): string | undefined => {
  const t = child(n, local)?.text.trim();
  return t ? t.normalize('NFC') : undefined;
};

function need(n: XNode | undefined, local: string, where: string): string {
  const v = val(n, local);
  if (v === undefined) throw new EdocError('EDOC_FIELD_MISSING', `${where}/${local} is required (QCVN 102:2016 MessageHeader)`);
  return v;
}

function intIn(raw: string | undefined, where: string, allowed: readonly number[]): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!allowed.includes(n)) throw new EdocError('EDOC_FIELD_INVALID', `${where} must be one of ${allowed.join(', ')}, not "${raw}" (QCVN 102:2016)`);
  return n;
}

/** A calendar date written yyyy/MM/dd (QCVN 102:2016 date format). */
export function isEdxmlDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export function isEdxmlTimestamp(s: string): boolean {
  const m = TIMESTAMP.exec(s);
  return !!m && isEdxmlDate(`${m[1]}/${m[2]}/${m[3]}`) && +m[4] < 24 && +m[5] < 60 && +m[6] < 60;
}

/** Today in Vietnam (Asia/Ho_Chi_Minh, UTC+7 without daylight saving) as yyyy/MM/dd. */
export function vnDate(at = new Date()): string {
  return new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '/');
}

/** A TraceHeader timestamp "yyyy/MM/dd HH:mm:ss" in Vietnam's time. */
export function vnTimestamp(at = new Date()): string {
  return new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
}

export function checkOrganId(id: string, where: string): string {
  if (id.length > 35 || !ORGANID.test(id)) {
    throw new EdocError('EDOC_ORGANID_INVALID', `${where} "${id}" is not an agency code: at most 35 characters of 0-9 A-Z in dot-separated groups (QĐ 20/2020/QĐ-TTg)`);
  }
  return id;
}

function organization(n: XNode | undefined, where: string): Organization {
  if (!n) throw new EdocError('EDOC_FIELD_MISSING', `${where} is required (QCVN 102:2016 MessageHeader)`);
  const o: Organization = { organId: checkOrganId(need(n, 'OrganId', where), `${where}/OrganId`) };
  const opt = ['OrganName', 'OrganizationInCharge', 'OrganAdd', 'Email', 'Telephone', 'Fax', 'Website'] as const;
  const keys = ['organName', 'organizationInCharge', 'organAdd', 'email', 'telephone', 'fax', 'website'] as const;
  opt.forEach((local, i) => { const v = val(n, local); if (v !== undefined) o[keys[i]] = v; });
  return o;
}

function traces(header: XNode): TraceHeader[] {
  return children(child(header, 'TraceHeaderList'), 'TraceHeader').map((t) => ({
    organId: val(t, 'OrganId') ?? '', timestamp: val(t, 'Timestamp') ?? '',
  }));
}

function responseFor(n: XNode, where: string, requireCode: boolean): ResponseFor {
  const organId = checkOrganId(need(n, 'OrganId', where), `${where}/OrganId`);
  const documentId = need(n, 'DocumentId', where);
  const code = requireCode ? need(n, 'Code', where) : val(n, 'Code');
  const promulgationDate = val(n, 'PromulgationDate');
  if (promulgationDate !== undefined && !isEdxmlDate(promulgationDate)) {
    throw new EdocError('EDOC_FIELD_INVALID', `${where}/PromulgationDate "${promulgationDate}" is not a date yyyy/MM/dd (QCVN 102:2016)`);
  }
  return { organId, documentId, ...(code ? { code } : {}), ...(promulgationDate ? { promulgationDate } : {}) };
}

/** An attachment's size and SHA-256, as the reader decoded its base64 on the way through. */
function attachmentDigest(enc: XNode, where: string): { size: number; sha256: string } {
  const d = enc.digest;
  if (!d || 'invalid' in d) {
    throw new EdocError('EDOC_ATTACHMENT_ENCODING', `${where}/ContentTransferEncoded is not valid base64 (QCVN 102:2016 Attachment)`);
  }
  return d;
}

const stripCid = (id: string) => (id.toLowerCase().startsWith('cid:') ? id.slice(4) : id).trim();

function checkRoot(root: XNode): XNode {
  if (root.ns !== EDXML_NS || root.local !== 'edXML') {
    throw new EdocError('EDOC_NOT_EDXML', `The root element is {${root.ns}}${root.local}, not edXML in ${EDXML_NS} (QCVN 102:2016)`);
  }
  return root;
}

/**
 * Parses and validates one package. `expect` is the sendEdoc `messagetype`: a status package
 * sent as edoc (or the reverse) is refused rather than guessed at.
 */
export function parsePackage(text: string, opts: PackageOptions = {}): Package {
  return packageOf(readText(text), opts);
}

export interface PackageOptions { expect?: 'edoc' | 'status'; now?: Date }

/**
 * Reads, parses and validates a package file in one streaming pass (attachments decoded and hashed
 * on the way, never held). `head` and `bom` say where this hop's TraceHeader goes (hub.accept).
 */
export async function readPackage(file: string, opts: PackageOptions = {}): Promise<{ pkg: Package; head: string; bom: number }> {
  const r = await readFile(file);
  return { pkg: packageOf(r, opts), head: r.head, bom: r.bom };
}

function packageOf({ root: tree }: ReadResult, opts: PackageOptions): Package {
  const root = checkRoot(tree);
  const envelope = child(root, 'edXMLEnvelope');
  const header = child(envelope, 'edXMLHeader');
  const mh = child(header, 'MessageHeader');
  if (!mh) throw new EdocError('EDOC_STRUCTURE', 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader is missing (QCVN 102:2016)');
  const isStatus = child(mh, 'StatusCode') !== undefined;
  const kind = isStatus ? 'status' : 'edoc';
  if (opts.expect && opts.expect !== kind) {
    throw new EdocError('EDOC_MESSAGETYPE_MISMATCH', `messagetype is ${opts.expect} but the package is ${isStatus ? 'a status package (it has StatusCode)' : 'a document (it has no StatusCode)'}`);
  }
  return isStatus ? parseStatus(mh, header!) : parseEdoc(root, envelope!, header!, mh, opts.now ?? new Date());
}

function parseStatus(mh: XNode, header: XNode): StatusPackage {
  const from = organization(child(mh, 'From'), 'From');
  const statusCode = val(mh, 'StatusCode')!;
  if (!(statusCode in STATUS_CODES)) {
    throw new EdocError('EDOC_STATUS_INVALID', `StatusCode "${statusCode}" is not one of ${Object.keys(STATUS_CODES).join(', ')} (QCVN 102:2016 status package)`);
  }
  const rf = child(mh, 'ResponseFor');
  if (!rf) throw new EdocError('EDOC_STATUS_INVALID', 'A status package names the document it answers in ResponseFor (QCVN 102:2016 status package)');
  const timestamp = need(mh, 'Timestamp', 'MessageHeader');
  if (!isEdxmlTimestamp(timestamp)) throw new EdocError('EDOC_FIELD_INVALID', `Timestamp "${timestamp}" is not yyyy/MM/dd HH:mm:ss (QCVN 102:2016)`);
  const staffNode = child(mh, 'StaffInfo');
  const staff = staffNode ? {
    fullName: val(staffNode, 'FullName'), department: val(staffNode, 'Department'), email: val(staffNode, 'Email'), mobile: val(staffNode, 'Mobile'),
  } : undefined;
  const description = val(mh, 'Description');
  if (statusCode === '02' && !description) {
    throw new EdocError('EDOC_STATUS_INVALID', 'Status 02 (refused, returned) carries its reason in Description (QCVN 102:2016; Nghị định 30/2020 art. 21)');
  }
  return {
    kind: 'status', from, responseFor: responseFor(rf, 'ResponseFor', false), statusCode, timestamp, traces: traces(header),
    ...(description ? { description } : {}), ...(staff ? { staff } : {}),
  };
}

function parseEdoc(root: XNode, envelope: XNode, header: XNode, mh: XNode, now: Date): EdocPackage {
  const from = organization(child(mh, 'From'), 'From');
  const toNodes = children(mh, 'To');
  if (toNodes.length === 0) throw new EdocError('EDOC_FIELD_MISSING', 'MessageHeader/To: at least one recipient is required (QCVN 102:2016)');
  const to = toNodes.map((n, i) => organization(n, `To[${i + 1}]`));
  const seen = new Set<string>();
  for (const t of to) {
    if (seen.has(t.organId)) throw new EdocError('EDOC_DUPLICATE_RECIPIENT', `To/OrganId ${t.organId} appears twice (QCVN 102:2016 MessageHeader/To)`);
    seen.add(t.organId);
  }
  const codeNode = child(mh, 'Code');
  if (!codeNode) throw new EdocError('EDOC_FIELD_MISSING', 'MessageHeader/Code is required (QCVN 102:2016)');
  const code = { codeNumber: need(codeNode, 'CodeNumber', 'Code'), codeNotation: need(codeNode, 'CodeNotation', 'Code') };
  const prom = child(mh, 'PromulgationInfo');
  if (!prom) throw new EdocError('EDOC_FIELD_MISSING', 'MessageHeader/PromulgationInfo is required (QCVN 102:2016)');
  const date = need(prom, 'PromulgationDate', 'PromulgationInfo');
  if (!isEdxmlDate(date)) throw new EdocError('EDOC_FIELD_INVALID', `PromulgationInfo/PromulgationDate "${date}" is not a date yyyy/MM/dd (QCVN 102:2016)`);
  if (date > vnDate(now)) throw new EdocError('EDOC_FIELD_INVALID', `PromulgationInfo/PromulgationDate ${date} is in the future (QCVN 102:2016)`);
  const dt = child(mh, 'DocumentType');
  if (!dt) throw new EdocError('EDOC_FIELD_MISSING', 'MessageHeader/DocumentType is required (QCVN 102:2016)');
  const typeRaw = need(dt, 'Type', 'DocumentType');
  if (!/^\d{1,4}$/.test(typeRaw)) throw new EdocError('EDOC_FIELD_INVALID', `DocumentType/Type "${typeRaw}" is not an integer (QCVN 102:2016)`);
  const detailRaw = val(dt, 'TypeDetail');
  if (detailRaw !== undefined && !/^\d{1,4}$/.test(detailRaw)) throw new EdocError('EDOC_FIELD_INVALID', `DocumentType/TypeDetail "${detailRaw}" is not an integer (QCVN 102:2016)`);
  const subject = need(mh, 'Subject', 'MessageHeader');

  const derivedId = `${from.organId},${date},${code.codeNumber}/${code.codeNotation}`;
  const documentId = val(mh, 'DocumentId') ?? derivedId;
  const idParts = /^([^,]+),(\d{4}\/\d{2}\/\d{2}),(.+)$/.exec(documentId);
  if (!idParts || idParts[1] !== from.organId || !isEdxmlDate(idParts[2])) {
    throw new EdocError('EDOC_DOCUMENTID_INVALID', `DocumentId "${documentId}" must read "<From/OrganId>,<yyyy/MM/dd>,<CodeNumber>/<CodeNotation>" with the sender ${from.organId} (QCVN 102:2016)`);
  }

  const other = child(mh, 'OtherInfo');
  const priority = intIn(val(other, 'Priority'), 'OtherInfo/Priority', [0, 1, 2, 3, 4]);
  const steeringType = intIn(val(mh, 'SteeringType'), 'SteeringType', [0, 1, 2]);
  const dueDate = val(mh, 'DueDate');
  if (dueDate !== undefined && !isEdxmlDate(dueDate)) throw new EdocError('EDOC_FIELD_INVALID', `DueDate "${dueDate}" is not a date yyyy/MM/dd (QCVN 102:2016)`);
  const signerNode = child(mh, 'SignerInfo');
  const rfs = children(mh, 'ResponseFor').map((n, i) => responseFor(n, `ResponseFor[${i + 1}]`, false));

  const b = child(child(header, 'TraceHeaderList'), 'Bussiness');
  const docType = (intIn(val(b, 'BussinessDocType'), 'Bussiness/BussinessDocType', [0, 1, 2, 3]) ?? 0) as Business['docType'];
  const paper = intIn(val(b, 'Paper'), 'Bussiness/Paper', [0, 1]) as 0 | 1 | undefined;
  const replaces = children(child(b, 'ReplacementInfoList'), 'ReplacementInfo').map((r) => val(r, 'DocumentId')).filter((x): x is string => !!x);
  if (docType === 3 && replaces.length === 0) {
    throw new EdocError('EDOC_FIELD_MISSING', 'A replacement (BussinessDocType 3) names the replaced DocumentId in ReplacementInfoList/ReplacementInfo/DocumentId (QCVN 102:2016 Bussiness)');
  }
  const reason = val(b, 'BussinessDocReason');
  if (docType === 1 && !reason) throw new EdocError('EDOC_FIELD_MISSING', 'A revocation (BussinessDocType 1) gives its reason in BussinessDocReason (QCVN 102:2016 Bussiness)');

  const body = child(envelope, 'edXMLBody');
  const manifest: ManifestReference[] = children(child(body, 'edXMLManifest'), 'Reference').map((r, i) => {
    const id = val(r, 'ContentId');
    if (!id) throw new EdocError('EDOC_MANIFEST_MISMATCH', `edXMLManifest/Reference[${i + 1}] has no ContentId (QCVN 102:2016)`);
    return { contentId: stripCid(id), contentType: val(r, 'ContentType'), description: val(r, 'Description'), attachmentName: val(r, 'AttachmentName') };
  });
  const attachments: AttachmentInfo[] = children(child(root, 'AttachmentEncoded'), 'Attachment').map((a, i) => {
    const where = `AttachmentEncoded/Attachment[${i + 1}]`;
    const id = val(a, 'ContentId');
    if (!id) throw new EdocError('EDOC_MANIFEST_MISMATCH', `${where} has no ContentId (QCVN 102:2016)`);
    const enc = child(a, 'ContentTransferEncoded');
    if (!enc) throw new EdocError('EDOC_ATTACHMENT_ENCODING', `${where}/ContentTransferEncoded is missing (QCVN 102:2016 Attachment)`);
    const { size, sha256 } = attachmentDigest(enc, where);
    const description = val(a, 'Description');
    return {
      contentId: stripCid(id), attachmentName: val(a, 'AttachmentName') ?? stripCid(id), contentType: val(a, 'ContentType') ?? 'application/octet-stream',
      size, sha256, ...(description ? { description } : {}),
    };
  });
  const ids = (xs: { contentId: string }[], where: string) => {
    const s = new Set<string>();
    for (const x of xs) {
      if (s.has(x.contentId)) throw new EdocError('EDOC_MANIFEST_MISMATCH', `${where} lists ContentId ${x.contentId} twice (QCVN 102:2016)`);
      s.add(x.contentId);
    }
    return s;
  };
  const inManifest = ids(manifest, 'edXMLManifest');
  const attached = ids(attachments, 'AttachmentEncoded');
  for (const id of inManifest) {
    if (!attached.has(id)) throw new EdocError('EDOC_MANIFEST_MISMATCH', `edXMLManifest references ContentId ${id} but no Attachment carries it (QCVN 102:2016)`);
  }
  for (const id of attached) {
    if (!inManifest.has(id)) throw new EdocError('EDOC_MANIFEST_MISMATCH', `Attachment ${id} is not listed in edXMLManifest (QCVN 102:2016)`);
  }

  const content = val(mh, 'Content');
  const place = val(prom, 'Place');
  const typeName = val(dt, 'TypeName');
  return {
    kind: 'edoc', from, to, documentId, code, promulgation: { date, ...(place ? { place } : {}) },
    documentType: { type: Number(typeRaw), ...(detailRaw !== undefined ? { typeDetail: Number(detailRaw) } : {}), ...(typeName ? { typeName } : {}) },
    subject, ...(content ? { content } : {}),
    ...(signerNode ? { signer: { competence: val(signerNode, 'Competence'), position: val(signerNode, 'Position'), fullName: val(signerNode, 'FullName') } } : {}),
    ...(dueDate ? { dueDate } : {}), ...(priority !== undefined ? { priority } : {}), ...(steeringType !== undefined ? { steeringType } : {}),
    responseFor: rfs, traces: traces(header),
    business: { docType, replaces, ...(reason ? { reason } : {}), ...(paper !== undefined ? { paper } : {}) },
    manifest, attachments,
    signed: header.children.some((c) => c.local === 'Signature'),
  };
}

/** The decoded bytes of one attachment (for `vamco edoc` and tests; the hub never re-encodes). */
export function extractAttachment(text: string, contentId: string): Buffer | null {
  const root = checkRoot(readText(text, true).root);
  for (const a of children(child(root, 'AttachmentEncoded'), 'Attachment')) {
    if (stripCid(val(a, 'ContentId') ?? '') === stripCid(contentId)) return Buffer.from((child(a, 'ContentTransferEncoded')?.text ?? '').replace(/\s+/g, ''), 'base64');
  }
  return null;
}
