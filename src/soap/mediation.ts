// REST → SOAP mediation (Circular 13/2017 art. 17: the platform converts protocols and data
// formats): a JSON body becomes the operation's request element inside an envelope of the
// binding's SOAP version; the answer's body element comes back as JSON, a SOAP fault as the
// platform's fault.
import { VamcoError } from '../core/errors.js';
import { answerBody, contentTypeFor, envelope } from './envelope.js';
import { genericJson, jsonToXml, xmlToJson } from './mapping.js';
import { parseXml } from './xml.js';
import type { WsdlModel, WsdlOperation } from './wsdl.js';

export interface MediatedRequest { body: Buffer; headers: Record<string, string> }

export function mediatedRequest(model: WsdlModel, op: WsdlOperation, json: unknown): MediatedRequest {
  if (!op.request) throw new VamcoError('NOT_FOUND', `Operation ${op.name} has no JSON endpoint (${op.noMediation ?? 'no request schema'}); call it with SOAP`);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new VamcoError('VALIDATION_FAILED', `The body must be a JSON object: the content of ${op.request.name}`);
  const body = Buffer.from(envelope(model.version, jsonToXml(op.request, json)), 'utf8');
  const headers: Record<string, string> = { 'content-type': contentTypeFor(model.version, op.soapAction) };
  // SOAP 1.1 sends the action as its own header (quoted); 1.2 as a media type parameter.
  if (model.version === '1.1') headers.soapaction = `"${op.soapAction}"`;
  return { body, headers };
}

/** The answer as JSON, or the backend's SOAP fault as a platform fault naming the service. */
export function mediatedAnswer(op: WsdlOperation, xml: string, service: string): unknown {
  let root;
  try {
    root = parseXml(xml, 'request');
  } catch (e) {
    throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The backend of ${service} answered XML the platform refuses: ${(e as Error).message}`);
  }
  const a = answerBody(root);
  if (a.fault) {
    const f = a.fault;
    throw new VamcoError('UPSTREAM_FAULT', `The backend of ${service} answered operation ${op.name} with a SOAP fault${f.code ? ` (${f.code})` : ''}: ${f.message || 'no reason given'}`, {
      extra: { fault: { code: f.code, message: f.message, detail: f.detail ? genericJson(f.detail) : null } },
    });
  }
  if (!a.element) return {};
  if (op.response && (a.element.local !== op.response.name)) {
    throw new VamcoError('UPSTREAM_BAD_RESPONSE', `The backend of ${service} answered ${a.element.local}, not ${op.response.name}`);
  }
  return xmlToJson(op.response?.type ?? null, a.element);
}
