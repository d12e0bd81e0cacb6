// Writing edXML (QCVN 102:2016): status packages the hub sends itself (01 on fetch), packages
// for `vamco edoc send` and tests, and the TraceHeader each hop appends. Appending splices the
// stored text so attachments stay byte for byte as the sender encoded them.
import { escapeText } from '../soap/xml.js';
import { EDXML_NS, type Organization, type ResponseFor, type StatusPackage } from './edxml.js';

const el = (name: string, v: string | number | undefined): string => (v === undefined || v === '' ? '' : `<${name}>${escapeText(String(v))}</${name}>`);

function org(name: string, o: Organization): string {
  return `<${name}>${el('OrganId', o.organId)}${el('OrganName', o.organName)}${el('OrganizationInCharge', o.organizationInCharge)}${el('OrganAdd', o.organAdd)}`
    + `${el('Email', o.email)}${el('Telephone', o.telephone)}${el('Fax', o.fax)}${el('Website', o.website)}</${name}>`;
}

function responseFor(r: ResponseFor): string {
  return `<ResponseFor>${el('OrganId', r.organId)}${el('Code', r.code)}${el('PromulgationDate', r.promulgationDate)}${el('DocumentId', r.documentId)}</ResponseFor>`;
}

export interface EdocSpec {
  from: Organization;
  to: Organization[];
  codeNumber: string;
  codeNotation: string;
  /** yyyy/MM/dd */
  promulgationDate: string;
  place?: string;
  type?: number;
  typeName?: string;
  subject: string;
  content?: string;
  signer?: { competence?: string; position?: string; fullName?: string };
  priority?: number;
  /** Defaults to "<From>,<date>,<number>/<notation>". */
  documentId?: string;
  responseFor?: ResponseFor[];
  business?: { docType: 0 | 1 | 2 | 3; reason?: string; replaces?: string[] };
  attachments?: { contentId?: string; name: string; contentType: string; bytes: Buffer; description?: string }[];
  traces?: { organId: string; timestamp: string }[];
}

export function buildEdoc(s: EdocSpec): string {
  const documentId = s.documentId ?? `${s.from.organId},${s.promulgationDate},${s.codeNumber}/${s.codeNotation}`;
  const atts = (s.attachments ?? []).map((a, i) => ({ ...a, contentId: a.contentId ?? `${i + 1}.${a.name}` }));
  const b = s.business ?? { docType: 0 };
  const header = `<MessageHeader>${org('From', s.from)}${s.to.map((t) => org('To', t)).join('')}`
    + `${el('DocumentId', documentId)}<Code>${el('CodeNumber', s.codeNumber)}${el('CodeNotation', s.codeNotation)}</Code>`
    + `<PromulgationInfo>${el('Place', s.place)}${el('PromulgationDate', s.promulgationDate)}</PromulgationInfo>`
    + `<DocumentType>${el('Type', s.type ?? 1)}${el('TypeName', s.typeName ?? 'Công văn')}</DocumentType>`
    + `${el('Subject', s.subject)}${el('Content', s.content)}`
    + (s.signer ? `<SignerInfo>${el('Competence', s.signer.competence)}${el('Position', s.signer.position)}${el('FullName', s.signer.fullName)}</SignerInfo>` : '')
    + (s.priority !== undefined ? `<OtherInfo>${el('Priority', s.priority)}</OtherInfo>` : '')
    + (s.responseFor ?? []).map(responseFor).join('')
    + `</MessageHeader>`;
  const trace = `<TraceHeaderList>${(s.traces ?? []).map((t) => `<TraceHeader>${el('OrganId', t.organId)}${el('Timestamp', t.timestamp)}</TraceHeader>`).join('')}`
    + `<Bussiness>${el('BussinessDocType', b.docType)}${el('BussinessDocReason', b.reason)}`
    + ((b.replaces ?? []).length ? `<ReplacementInfoList>${b.replaces!.map((d) => `<ReplacementInfo>${el('DocumentId', d)}</ReplacementInfo>`).join('')}</ReplacementInfoList>` : '')
    + `</Bussiness></TraceHeaderList>`;
  const manifest = atts.map((a) => `<Reference>${el('ContentId', `cid:${a.contentId}`)}${el('ContentType', a.contentType)}${el('Description', a.description)}${el('AttachmentName', a.name)}</Reference>`).join('');
  const attachments = atts.map((a) => `<Attachment>${el('ContentId', a.contentId)}${el('AttachmentName', a.name)}${el('Description', a.description)}`
    + `${el('ContentType', a.contentType)}<ContentTransferEncoded>${a.bytes.toString('base64')}</ContentTransferEncoded></Attachment>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="${EDXML_NS}"><edXMLEnvelope><edXMLHeader>${header}${trace}</edXMLHeader>`
    + `<edXMLBody><edXMLManifest>${manifest}</edXMLManifest></edXMLBody></edXMLEnvelope>`
    + `<AttachmentEncoded>${attachments}</AttachmentEncoded></edXML>\n`;
}

/** What a status package says, as parsed (timestamp `yyyy/MM/dd HH:mm:ss`); the hops are added per hop. */
export type StatusSpec = Omit<StatusPackage, 'kind' | 'traces'>;

export function buildStatus(s: StatusSpec): string {
  const staff = s.staff ? `<StaffInfo>${el('Department', s.staff.department)}${el('Staff', s.staff.fullName)}${el('FullName', s.staff.fullName)}${el('Email', s.staff.email)}${el('Mobile', s.staff.mobile)}</StaffInfo>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="${EDXML_NS}"><edXMLEnvelope><edXMLHeader><MessageHeader>`
    + `${org('From', s.from)}${responseFor(s.responseFor)}${staff}${el('StatusCode', s.statusCode)}${el('Description', s.description)}${el('Timestamp', s.timestamp)}`
    + `</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>\n`;
}

/**
 * Where one TraceHeader (this hop) goes in a package's text, and what to insert there. The
 * inserted elements declare the edXML namespace themselves, so they are right whatever prefix
 * the sender bound it to. Only the header region (before edXMLBody / AttachmentEncoded) is searched.
 */
export function traceInsertion(text: string, trace: { organId: string; timestamp: string }): { index: number; insert: string } {
  const th = (ns: boolean) => `<TraceHeader${ns ? ` xmlns="${EDXML_NS}"` : ''}>${el('OrganId', trace.organId)}${el('Timestamp', trace.timestamp)}</TraceHeader>`;
  const bodyAt = text.search(/<([A-Za-z_][\w.-]*:)?(edXMLBody|AttachmentEncoded)[\s>/]/);
  const head = bodyAt === -1 ? text : text.slice(0, bodyAt);
  const listEnd = /<\/([A-Za-z_][\w.-]*:)?TraceHeaderList\s*>/.exec(head);
  if (listEnd) {
    // After the last TraceHeader: before the Bussiness block when there is one, else before the list's end.
    const listStart = head.lastIndexOf('TraceHeaderList', listEnd.index - 1);
    const bus = /<([A-Za-z_][\w.-]*:)?Bussiness[\s>/]/.exec(head.slice(listStart, listEnd.index));
    return { index: bus ? listStart + bus.index : listEnd.index, insert: th(true) };
  }
  const headerEnd = /<\/([A-Za-z_][\w.-]*:)?edXMLHeader\s*>/.exec(head);
  if (!headerEnd) throw new Error('not an edXML package: no edXMLHeader'); // validated packages always have one
  return { index: headerEnd.index, insert: `<TraceHeaderList xmlns="${EDXML_NS}">${th(false)}</TraceHeaderList>` };
}

/** The package's text with this hop's TraceHeader; everything else byte for byte. */
export function appendTraceHeader(text: string, trace: { organId: string; timestamp: string }): string {
  const { index, insert } = traceInsertion(text, trace);
  return text.slice(0, index) + insert + text.slice(index);
}
