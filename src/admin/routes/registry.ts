// Registry resources of the admin API. Every write checks the caller may act for the owning
// member; agency admins see their own credentials and rights only.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import * as reg from '../../registry/index.js';
import { authorize, visibleMember } from '../principal.js';
import { idParam, intParam, memberOf } from '../params.js';
import type { AdminDeps } from '../types.js';
import { clientTrustRoots, issueClientCert, loadOrCreateCa, platformCaCertificate, platformPeerCert } from '../../pki/index.js';
import { directoryStatus, foreignCatalogue } from '../../federation/index.js';
import { VamcoError } from '../../core/errors.js';

const who = (req: FastifyRequest) => ({ actor: req.principal!.actor, address: req.ip });
const list = <T>(items: T[]) => ({ items, total: items.length });
const Str = (o: object = {}) => Type.String({ minLength: 1, maxLength: 2048, ...o });
const IdParams = Type.Object({ id: Str() });
type IdP = { Params: { id: string } };

/**
 * Whether the caller may see how a member's systems reach their backends (address, credential
 * scheme, CA bundle, client certificate): platform admins, auditors (read-only registry) and that
 * member's own admins. Every other agency admin browses the catalogue without them.
 */
function seesBackend(req: FastifyRequest, memberId: string): boolean {
  const p = req.principal!;
  return p.role !== 'agency_admin' || p.memberId === memberId;
}
function serviceFor(req: FastifyRequest, s: reg.ServiceView): reg.ServiceView {
  if (seesBackend(req, s.memberId)) return s;
  const { url: _u, backendAuth: _a, backendCa: _c, ...rest } = s;
  return rest;
}
function subsystemFor(req: FastifyRequest, s: reg.SubsystemView): reg.SubsystemView {
  if (seesBackend(req, s.memberId)) return s;
  const { backendCert: _c, backendAuth: _a, ...rest } = s;
  return rest;
}

// A backend credential scheme (src/backend-auth); secrets are write-only: answers show only that one is set.
const BackendAuthBody = Type.Object({
  scheme: Type.Union(['none', 'static', 'oauth2', 'signed', 'inherit'].map((k) => Type.Literal(k))),
  budget: Type.Optional(Type.Union([Type.String({ maxLength: 50 }), Type.Null()])),
  headers: Type.Optional(Type.Array(Type.Object({ name: Str({ maxLength: 100 }), value: Type.Optional(Type.String({ maxLength: 8192 })) }, { additionalProperties: false }), { maxItems: 10 })),
  tokenUrl: Type.Optional(Str({ maxLength: 2048 })),
  clientId: Type.Optional(Str({ maxLength: 500 })),
  clientSecret: Type.Optional(Type.String({ maxLength: 8192 })),
  scope: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  clientAuth: Type.Optional(Type.Union([Type.Literal('basic'), Type.Literal('body')])),
  user: Type.Optional(Str({ maxLength: 500 })),
  secret: Type.Optional(Type.String({ maxLength: 8192 })),
  template: Type.Optional(Type.Object({}, { additionalProperties: true })),
}, { additionalProperties: false });

export const registryRoutes: FastifyPluginAsync<AdminDeps> = async (app, deps) => {
  const ctx = { store: deps.store, config: deps.config, ownPorts: deps.ownPorts };

  // ---- members
  app.get('/members', { schema: { tags: ['registry'], summary: 'List members (organisations)' } }, async (req) => {
    authorize(req, 'read');
    return list(await reg.listMembers(ctx));
  });
  app.post<{ Body: { memberClass: string; memberCode: string; name: string } }>('/members', {
    schema: { tags: ['registry'], summary: 'Register a member', body: Type.Object({ memberClass: Str(), memberCode: Str(), name: Str() }) },
  }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    reply.code(201);
    return reg.addMember(ctx, req.body, who(req));
  });
  app.get<IdP>('/members/:id', { schema: { tags: ['registry'], params: IdParams } }, async (req) => {
    authorize(req, 'read');
    return reg.getMember(ctx, idParam(req.params.id));
  });
  app.patch<IdP & { Body: { name: string } }>('/members/:id', {
    schema: { tags: ['registry'], summary: 'Rename a member', params: IdParams, body: Type.Object({ name: Str({ maxLength: 300 }) }, { additionalProperties: false }) },
  }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return reg.updateMember(ctx, idParam(req.params.id), req.body, who(req));
  });
  app.delete<IdP>('/members/:id', { schema: { tags: ['registry'], params: IdParams } }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    await reg.removeMember(ctx, idParam(req.params.id), who(req));
    reply.code(204);
  });

  // ---- subsystems
  app.get<{ Querystring: { member?: string } }>('/subsystems', {
    schema: { tags: ['registry'], querystring: Type.Object({ member: Type.Optional(Str()) }) },
  }, async (req) => {
    authorize(req, 'read');
    return list((await reg.listSubsystems(ctx, { member: req.query.member })).map((x) => subsystemFor(req, x)));
  });
  app.post<{ Body: { id: string; name?: string } }>('/subsystems', {
    schema: { tags: ['registry'], summary: 'Register a subsystem (information system) of a member', body: Type.Object({ id: Str(), name: Type.Optional(Type.String({ maxLength: 500 })) }) },
  }, async (req, reply) => {
    authorize(req, 'write', [memberOf(idParam(req.body.id))]);
    reply.code(201);
    return reg.addSubsystem(ctx, { id: idParam(req.body.id), name: req.body.name }, who(req));
  });
  app.patch<IdP & { Body: { name: string | null } }>('/subsystems/:id', {
    schema: { tags: ['registry'], summary: 'Rename a subsystem (null: no name)', params: IdParams, body: Type.Object({ name: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]) }, { additionalProperties: false }) },
  }, async (req) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    return reg.updateSubsystem(ctx, id, req.body, who(req));
  });
  app.delete<IdP>('/subsystems/:id', { schema: { tags: ['registry'], params: IdParams } }, async (req, reply) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    await reg.removeSubsystem(ctx, id, who(req));
    reply.code(204);
  });

  // The client certificate the gateway presents to this provider's https backends. Write-only
  // key: answers show the certificate's subject, validity and fingerprint, never the key.
  app.put<IdP & { Body: { cert: string; key: string } }>('/subsystems/:id/backend-cert', {
    schema: { tags: ['registry'], summary: 'Set the TLS client certificate presented to the subsystem\'s backends', params: IdParams,
      body: Type.Object({ cert: Type.String({ minLength: 1, maxLength: 1024 * 1024 }), key: Type.String({ minLength: 1, maxLength: 64 * 1024 }) }, { additionalProperties: false }) },
  }, async (req) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    return reg.setBackendCert(ctx, id, req.body, who(req));
  });
  app.delete<IdP>('/subsystems/:id/backend-cert', { schema: { tags: ['registry'], params: IdParams } }, async (req, reply) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    await reg.setBackendCert(ctx, id, null, who(req));
    reply.code(204);
  });

  app.put<IdP & { Body: reg.ServiceInput['backendAuth'] }>('/subsystems/:id/backend-auth', {
    schema: { tags: ['registry'], summary: 'Set the backend credential of the subsystem\'s services that set none of their own ("inherit" removes it)', params: IdParams, body: BackendAuthBody },
  }, async (req) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    return { backendAuth: await reg.setSubsystemBackendAuth(ctx, id, req.body as never, who(req)) };
  });

  // ---- services
  const ServiceBody = Type.Object({
    url: Type.Optional(Str()),
    openapi: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.String()])),
    wsdl: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 5 * 1024 * 1024 }), Type.Null()])),
    timeout: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
    connectTimeout: Type.Optional(Type.Union([Type.String(), Type.Integer(), Type.Null()])),
    rateLimit: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    logBodies: Type.Optional(Type.Boolean()),
    // PEM CA certificates an https backend is verified with, besides the system's CAs (null: none).
    backendCa: Type.Optional(Type.Union([Type.String({ maxLength: 1024 * 1024 }), Type.Null()])),
    backendAuth: Type.Optional(Type.Union([
      Type.Null(),
      // The older one-header shape (the platform's own wings).
      Type.Object({ header: Str({ maxLength: 100 }), value: Str() }, { additionalProperties: false }),
      BackendAuthBody,
    ])),
  }, { additionalProperties: false });
  app.get<{ Querystring: { provider?: string; member?: string } }>('/services', {
    schema: { tags: ['registry'], summary: 'The service catalogue', querystring: Type.Object({ provider: Type.Optional(Str()), member: Type.Optional(Str()) }) },
  }, async (req) => {
    authorize(req, 'read');
    return list((await reg.listServices(ctx, req.query)).map((x) => serviceFor(req, x)));
  });
  // What trusted peers offer, from their kept signed directories (issue 17): every role that
  // browses the catalogue sees it; a directory has no backend address to hide.
  app.get('/foreign-services', { schema: { tags: ['federation'], summary: 'The services of trusted peer platforms, from their signed directories (kind: foreign, with the peer instance)' } }, async (req) => {
    authorize(req, 'read');
    const peers = (await reg.listPeers(ctx)).filter((p) => p.trusted).map((p) => p.instance);
    return list(foreignCatalogue(peers, (i) => deps.directories?.content(i) ?? null));
  });
  app.post<{ Body: reg.ServiceInput }>('/services', {
    schema: { tags: ['registry'], summary: 'Publish a service', body: Type.Composite([Type.Object({ id: Str(), url: Str() }), ServiceBody], { additionalProperties: false }) },
  }, async (req, reply) => {
    const id = idParam(req.body.id);
    authorize(req, 'write', [memberOf(id)]);
    reply.code(201);
    return reg.addService(ctx, { ...req.body, id }, who(req));
  });
  app.get<IdP>('/services/:id', { schema: { tags: ['registry'], params: IdParams } }, async (req) => {
    authorize(req, 'read');
    return serviceFor(req, await reg.getService(ctx, idParam(req.params.id)));
  });
  app.patch<IdP & { Body: Partial<reg.ServiceInput> }>('/services/:id', { schema: { tags: ['registry'], params: IdParams, body: ServiceBody } }, async (req) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    return reg.updateService(ctx, id, req.body, who(req));
  });
  app.delete<IdP>('/services/:id', { schema: { tags: ['registry'], params: IdParams } }, async (req, reply) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    await reg.removeService(ctx, id, who(req));
    reply.code(204);
  });
  app.get<IdP>('/services/:id/openapi', { schema: { tags: ['registry'], params: IdParams } }, async (req, reply) => {
    authorize(req, 'read');
    const id = idParam(req.params.id);
    const stored = await reg.getServiceOpenApi(ctx, id);
    // The document's `servers` may name the backend's host: others get the paths only, as getOpenAPI gives them.
    const doc = stored && !seesBackend(req, memberOf(id)) ? reg.anonymiseOpenApi(stored) : stored;
    if (!doc) return reply.code(404).type('application/problem+json').send({ type: 'https://vamco.dev/problems/not-found', title: 'Not found', status: 404, code: 'NOT_FOUND', detail: 'This service has no OpenAPI document', requestId: req.id });
    return doc;
  });
  app.post<IdP & { Body: { method: string; path: string } }>('/services/:id/endpoints', {
    schema: { tags: ['registry'], params: IdParams, body: Type.Object({ method: Str(), path: Str() }) },
  }, async (req, reply) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    reply.code(201);
    return reg.addEndpoint(ctx, id, req.body, who(req));
  });
  app.delete<{ Params: { id: string; endpointId: string } }>('/services/:id/endpoints/:endpointId', { schema: { tags: ['registry'] } }, async (req, reply) => {
    const id = idParam(req.params.id);
    authorize(req, 'write', [memberOf(id)]);
    await reg.removeEndpoint(ctx, id, intParam(req.params.endpointId, 'endpointId'), who(req));
    reply.code(204);
  });

  // ---- access rights
  app.get<{ Querystring: { service?: string; client?: string } }>('/access-rights', {
    schema: { tags: ['access'], querystring: Type.Object({ service: Type.Optional(Str()), client: Type.Optional(Str()) }) },
  }, async (req) => {
    authorize(req, 'read');
    const q = { service: req.query.service && idParam(req.query.service), client: req.query.client && idParam(req.query.client), member: visibleMember(req) };
    // Rights of clients of peer instances (issue 17) are listed with the local ones, typed
    // kind: 'foreign'; a client written with its instance can only be foreign.
    const local = q.client && reg.isForeignClient(q.client) ? [] : await reg.listAccessRights(ctx, q);
    return list([...local, ...await reg.listForeignRights(ctx, q)]);
  });
  app.post<{ Body: reg.GrantInput }>('/access-rights', {
    schema: {
      tags: ['access'], summary: 'Grant a client subsystem access to a service or one endpoint',
      body: Type.Object({ service: Str(), client: Str(), endpoint: Type.Optional(Type.Union([Type.Null(), Type.Object({ method: Str(), path: Str() })])) }),
    },
  }, async (req, reply) => {
    const service = idParam(req.body.service);
    authorize(req, 'write', [memberOf(service)]);
    reply.code(201);
    return reg.grantAccess(ctx, { ...req.body, service, client: idParam(req.body.client) }, who(req));
  });
  app.delete<IdP>('/access-rights/:id', { schema: { tags: ['access'], params: IdParams } }, async (req, reply) => {
    const right = await reg.getAccessRight(ctx, intParam(req.params.id));
    authorize(req, 'write', [memberOf(right.serviceId)]);
    await reg.revokeAccess(ctx, { id: right.id }, who(req));
    reply.code(204);
  });
  // Foreign rights are numbered apart from local ones: their own path, as GET lists them (kind: 'foreign').
  app.delete<IdP>('/access-rights/foreign/:id', { schema: { tags: ['access'], summary: 'Revoke a right given to a client of a peer instance', params: IdParams } }, async (req, reply) => {
    const right = await reg.getForeignRight(ctx, intParam(req.params.id));
    authorize(req, 'write', [memberOf(right.serviceId)]);
    await reg.revokeForeign(ctx, { id: right.id }, who(req));
    reply.code(204);
  });

  // ---- peers (issue 17): other instances, trusted by CA or pinned certificate; platform admins change them.
  const withDirectory = (p: reg.PeerView) => ({ ...p, directory: directoryStatus(deps.config.dataDir, p.instance) });
  app.get('/peers', { schema: { tags: ['federation'], summary: 'Peer instances: URL, trusted CA or pinned certificate, the certificate this platform presents (never its key), trust, how their directory was last fetched' } }, async (req) => {
    authorize(req, 'read');
    return list((await reg.listPeers(ctx)).map(withDirectory));
  });
  app.post<{ Body: { instance: string; url: string; ca?: string; fingerprint?: string; certificate?: string; key?: string; directoryKey?: string; directoryKeyOnFirstUse?: boolean } }>('/peers', {
    schema: {
      tags: ['federation'], summary: 'Trust another instance: its gateway URL and its CA certificate (PEM) or the SHA-256 of its one certificate; the key(s) its directory is signed with',
      body: Type.Object({
        instance: Str({ maxLength: 100 }), url: Str(), ca: Type.Optional(Type.String({ maxLength: 20000 })), fingerprint: Type.Optional(Type.String({ maxLength: 100 })),
        certificate: Type.Optional(Type.String({ maxLength: 20000 })), key: Type.Optional(Type.String({ maxLength: 20000 })),
        directoryKey: Type.Optional(Type.String({ maxLength: 20000 })), directoryKeyOnFirstUse: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    const b = req.body;
    if (!!b.certificate !== !!b.key) throw new VamcoError('VALIDATION_FAILED', 'Send certificate and key together (this platform\'s certificate towards the peer), or neither to have the platform CA issue it');
    const clientCert = b.certificate && b.key ? { cert: b.certificate, key: b.key } : await platformPeerCert(deps.store, deps.config.dataDir, { instance: deps.config.instance, operatorName: deps.config.operatorName });
    reply.code(201);
    return withDirectory(await reg.addPeer(ctx, { instance: b.instance, url: b.url, ca: b.ca || null, fingerprint: b.fingerprint || null, clientCert, directoryKey: b.directoryKey || null, directoryKeyOnFirstUse: b.directoryKeyOnFirstUse }, who(req)));
  });
  const InstanceParams = Type.Object({ instance: Str({ maxLength: 100 }) });
  app.patch<{ Params: { instance: string }; Body: { trusted: boolean } }>('/peers/:instance', {
    schema: { tags: ['federation'], summary: 'Withdraw trust in a peer (trusted: false; calls to and from it refused within a second) or give it back', params: InstanceParams, body: Type.Object({ trusted: Type.Boolean() }, { additionalProperties: false }) },
  }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return withDirectory(await reg.setPeerTrust(ctx, req.params.instance, req.body.trusted, who(req)));
  });
  app.put<{ Params: { instance: string }; Body: { directoryKey?: string; onFirstUse?: boolean } }>('/peers/:instance/directory-key', {
    schema: {
      tags: ['federation'], summary: 'Accept the new key(s) a peer\'s directory is signed with (they replace the pinned ones), or forget the pin (onFirstUse: the next directory fetched is pinned)',
      params: InstanceParams, body: Type.Object({ directoryKey: Type.Optional(Type.String({ maxLength: 20000 })), onFirstUse: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    },
  }, async (req) => {
    authorize(req, 'write', [], { adminOnly: true });
    return withDirectory(await reg.setDirectoryKey(ctx, req.params.instance, { directoryKey: req.body.directoryKey || null, onFirstUse: req.body.onFirstUse }, who(req)));
  });
  app.delete<{ Params: { instance: string } }>('/peers/:instance', { schema: { tags: ['federation'], summary: 'Remove a peer (trust withdrawn, entry and certificates forgotten)', params: InstanceParams } }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    await reg.removePeer(ctx, req.params.instance, who(req));
    reply.code(204);
  });
  app.get('/outbound-rules', { schema: { tags: ['federation'], summary: 'Which local clients may call which services of peer instances (default deny)' } }, async (req) => {
    authorize(req, 'read');
    const member = visibleMember(req);
    return list((await reg.listOutbound(ctx)).filter((r) => member === undefined || r.clientId.startsWith(`${member}/`)));
  });
  app.post<{ Body: { service: string; client: string } }>('/outbound-rules', {
    schema: { tags: ['federation'], summary: 'Let a local client subsystem call a service of a peer instance (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE)', body: Type.Object({ service: Str(), client: Str() }, { additionalProperties: false }) },
  }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    reply.code(201);
    return reg.allowOutbound(ctx, { service: req.body.service.trim(), client: idParam(req.body.client) }, who(req));
  });
  app.delete<IdP>('/outbound-rules/:id', { schema: { tags: ['federation'], summary: 'Remove an outbound rule', params: IdParams } }, async (req, reply) => {
    authorize(req, 'write', [], { adminOnly: true });
    const id = intParam(req.params.id);
    const rule = (await reg.listOutbound(ctx)).find((r) => r.id === id);
    if (!rule) throw new VamcoError('NOT_FOUND', `No outbound rule ${id}`);
    await reg.denyOutbound(ctx, { service: rule.serviceId, client: rule.clientId }, who(req));
    reply.code(204);
  });

  // ---- API keys
  app.get<{ Querystring: { subsystem?: string } }>('/keys', {
    schema: { tags: ['credentials'], querystring: Type.Object({ subsystem: Type.Optional(Str()) }) },
  }, async (req) => {
    authorize(req, 'read');
    return list(await reg.listKeys(ctx, { subsystem: req.query.subsystem && idParam(req.query.subsystem), member: visibleMember(req) }));
  });
  app.post<{ Body: { subsystem: string; label?: string; expires?: string } }>('/keys', {
    schema: {
      tags: ['credentials'], summary: 'Create an API key (returned once)',
      body: Type.Object({
        subsystem: Str(), label: Type.Optional(Type.String({ maxLength: 200 })),
        expires: Type.Optional(Type.String({ maxLength: 40, description: 'When the key stops working: a duration from now (90d, 12h), a day (dd/mm/yyyy or yyyy-mm-dd, to its end in UTC+7) or an ISO moment; absent: never' })),
      }),
    },
  }, async (req, reply) => {
    const subsystem = idParam(req.body.subsystem);
    authorize(req, 'write', [memberOf(subsystem)]);
    reply.code(201).header('cache-control', 'no-store');
    return reg.createKey(ctx, { subsystem, label: req.body.label, expires: req.body.expires }, who(req));
  });
  app.delete<IdP>('/keys/:id', { schema: { tags: ['credentials'], params: IdParams } }, async (req) => {
    const key = await reg.getKey(ctx, intParam(req.params.id));
    authorize(req, 'write', [memberOf(key.subsystemId)]);
    return reg.revokeKey(ctx, key.id, who(req));
  });

  // ---- TLS client certificates (issue 8): register one (PEM), or have the platform CA sign a CSR.
  app.get<{ Querystring: { subsystem?: string } }>('/client-certificates', {
    schema: { tags: ['credentials'], summary: 'List TLS client certificates', querystring: Type.Object({ subsystem: Type.Optional(Str()) }) },
  }, async (req) => {
    authorize(req, 'read');
    return list(await reg.listClientCerts(ctx, { subsystem: req.query.subsystem && idParam(req.query.subsystem), member: visibleMember(req) }));
  });
  app.post<{ Body: { subsystem: string; certificate?: string; csr?: string; label?: string; days?: number } }>('/client-certificates', {
    schema: {
      tags: ['credentials'], summary: 'Register a client certificate (certificate), or issue one from a CSR (csr); answers the credential and, when issued, the certificate PEM',
      body: Type.Object({
        subsystem: Str(), certificate: Type.Optional(Type.String({ maxLength: 20000 })), csr: Type.Optional(Type.String({ maxLength: 20000 })),
        label: Type.Optional(Type.String({ maxLength: 200 })), days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
      }),
    },
  }, async (req, reply) => {
    const subsystem = idParam(req.body.subsystem);
    authorize(req, 'write', [memberOf(subsystem)]);
    const { certificate, csr, label, days } = req.body;
    if (!certificate === !csr) throw new VamcoError('VALIDATION_FAILED', 'Send either certificate (PEM, to register) or csr (PKCS #10 PEM, to have the platform CA sign it)');
    reply.code(201);
    if (certificate) return reg.addClientCert(ctx, { subsystem, pem: certificate, label }, who(req), await clientTrustRoots(deps.store, deps.config));
    const ca = await loadOrCreateCa(deps.store, deps.config.dataDir, { instance: deps.config.instance, operatorName: deps.config.operatorName });
    const r = await issueClientCert(ctx, ca, { subsystem, csrPem: csr, label, days }, who(req));
    return { ...r.credential, certificate: r.certPem };
  });
  app.delete<IdP>('/client-certificates/:id', { schema: { tags: ['credentials'], summary: 'Revoke a client certificate (every gateway refuses it within a second)', params: IdParams } }, async (req) => {
    const c = await reg.getClientCert(ctx, intParam(req.params.id));
    authorize(req, 'write', [memberOf(c.subsystemId)]);
    return reg.revokeClientCert(ctx, c.id, who(req));
  });
  // The platform CA certificate (public): what information systems pass to curl's --cacert.
  app.get('/ca-certificate', { schema: { tags: ['credentials'], summary: 'The platform CA certificate (PEM), to trust the gateway\'s HTTPS certificate' } }, async (req, reply) => {
    authorize(req, 'read');
    const pem = await platformCaCertificate(deps.store);
    if (!pem) throw new VamcoError('NOT_FOUND', 'The platform has no CA yet: run "vamco ca init" or start it once');
    return reply.type('application/x-pem-file').header('content-disposition', `attachment; filename="vamco-ca-${deps.config.instance}.crt"`).send(pem);
  });
};
