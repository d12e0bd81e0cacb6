// Backend authentication: how the gateway proves itself to a provider's backend (a national
// gateway, a national database, an agency system). Pluggable schemes set per service or per
// provider subsystem: none, static headers, OAuth2 client credentials, signed templates.
export {
  SCHEMES, SIGNED_INPUTS, SIGNED_ALGORITHMS, SIGNED_TIMESTAMPS, SIGNED_ENCODINGS, SIGNED_PLACEHOLDERS,
  parseStoredSpec, viewOf, secretsOf, checkTemplate,
  type BackendAuthSpec, type BackendAuthView, type SchemeName, type SignedTemplate,
} from './spec.js';
export { normaliseBackendAuth, type BackendAuthInput, type LegacyHeaderInput } from './input.js';
export { readSecretFileArg } from './secret-files.js';
export { signedHeaders, formatTimestamp } from './signed.js';
export { OAuth2Client, tokenId, type UpstreamToken } from './oauth2.js';
export { BackendAuthenticators, createAuthenticator, type Authenticator, type AppliedAuth, type ResolvedAuth } from './runtime.js';
export { UpstreamBudgets, type BudgetCounters } from './budget.js';
export {
  normaliseCaBundle, caBundleView, checkClientCertificate, clientCertView, backendTls, tlsFailure,
  type CertificateView, type ClientCertificate, type BackendTls, type TlsFailure,
} from './tls.js';
