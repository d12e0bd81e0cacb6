// SOAP services: WSDL operations as endpoints, per-operation access on passing messages, and
// the JSON mediation. XML is read without DTDs or external entities, ever.
export { parseWsdl, findOperation, type WsdlModel, type WsdlOperation } from './wsdl.js';
export { scanEnvelopeHead, requestAction, answerBody, SOAP11, SOAP12, type EnvelopeHead, type SoapVersion, type SoapFault } from './envelope.js';
export { mediatedRequest, mediatedAnswer, type MediatedRequest } from './mediation.js';
export { jsonToXml, xmlToJson, genericJson } from './mapping.js';
export { parseXml, assertNoDtd, type QName, type XNode } from './xml.js';
