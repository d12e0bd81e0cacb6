// TLS client certificates as credentials of subsystems (issue 8). A certificate is registered
// by its SHA-256 fingerprint; the TLS handshake proves the caller holds its key, and the
// gateway recognises it from the snapshot. Revoking keeps the row, so a revoked certificate is
// refused as revoked (not as unknown) on every node once its snapshot moves.
import crypto from 'node:crypto';
import { VamcoError } from '../core/errors.js';
import { optionalName } from '../core/text.js';
import { parseSubsystemId, subsystemId } from '../core/ids.js';
import { readCertificate, issuedByOneOf, type CertInfo } from '../pki/x509.js';
import { whereOwner } from './owner-filter.js';
import { mutate, subsystemRow, type Actor, type RegistryCtx } from './registry.js';

/** RFC 5280 id-kp-clientAuth. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface ClientCertView {
  id: number; subsystemId: string; fingerprint: string; serial: string; subject: string; issuer: string;
  notBefore: string; notAfter: string; label: string | null; createdAt: string; revokedAt: string | null;
}

/**
 * Registers `pem` as a credential of `subsystem`. It must be issued by one of `trustedRoots`
 * (the platform CA, VAMCO_CLIENT_CA_FILE), allow client authentication, and not be expired;
 * one not yet valid may be registered ahead of a rotation.
 */
export async function addClientCert(ctx: RegistryCtx, input: { subsystem: string; pem: string; label?: string | null }, who: Actor,
  trustedRoots: readonly string[]): Promise<ClientCertView> {
  const sub = await subsystemRow(ctx.store.db, input.subsystem);
  const sid = subsystemId(parseSubsystemId(input.subsystem));
  const info = readCertificate(input.pem);
  const cert = new crypto.X509Certificate(info.pem);
  if (cert.ca) throw new VamcoError('VALIDATION_FAILED', 'This is a CA certificate: register the information system\'s own certificate');
  const eku = cert.keyUsage;
  if (eku && eku.length && !eku.includes(CLIENT_AUTH)) throw new VamcoError('VALIDATION_FAILED', 'The certificate does not allow TLS client authentication (extended key usage without clientAuth)');
  if (Date.parse(info.notAfter) <= Date.now()) throw new VamcoError('VALIDATION_FAILED', `The certificate expired at ${info.notAfter}`);
  const roots = trustedRoots.map((r) => new crypto.X509Certificate(r));
  if (!issuedByOneOf(cert, roots)) {
    throw new VamcoError('VALIDATION_FAILED', `The certificate (issuer ${info.issuer}) is not issued by the platform CA nor by a CA of VAMCO_CLIENT_CA_FILE`);
  }
  const label = optionalName(input.label, 'A certificate\'s label');
  return mutate(ctx, who, 'cert.add', `${sid} ${info.fingerprint.slice(0, 16)}`, async (trx) => {
    const created = new Date().toISOString();
    const r = await trx.insertInto('client_certificates').values({
      subsystem_id: sub.id, fingerprint: info.fingerprint, serial: info.serial, subject: info.subject, issuer: info.issuer,
      not_before: info.notBefore, not_after: info.notAfter, certificate: info.pem, label, created_at: created, revoked_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    const view = viewOf(Number(r.id), sid, info, label, created, null);
    return { result: view, after: view };
  });
}

function viewOf(id: number, sid: string, i: Omit<CertInfo, 'pem'>, label: string | null, createdAt: string, revokedAt: string | null): ClientCertView {
  return { id, subsystemId: sid, fingerprint: i.fingerprint, serial: i.serial, subject: i.subject, issuer: i.issuer, notBefore: i.notBefore, notAfter: i.notAfter, label, createdAt, revokedAt };
}

export async function listClientCerts(ctx: RegistryCtx, filter: { id?: number; subsystem?: string; member?: string } = {}): Promise<ClientCertView[]> {
  let q = ctx.store.db.selectFrom('client_certificates as c').innerJoin('subsystems as s', 's.id', 'c.subsystem_id').innerJoin('members as m', 'm.id', 's.member_id')
    .select(['c.id', 'c.fingerprint', 'c.serial', 'c.subject', 'c.issuer', 'c.not_before', 'c.not_after', 'c.label', 'c.created_at', 'c.revoked_at',
      's.subsystem_code', 'm.member_class', 'm.member_code']);
  if (filter.id !== undefined) q = q.where('c.id', '=', filter.id);
  q = whereOwner(q, filter);
  const rows = await q.orderBy('c.id').execute();
  return rows.map((r) => viewOf(Number(r.id), `${r.member_class}/${r.member_code}/${r.subsystem_code}`,
    { fingerprint: r.fingerprint, serial: r.serial, subject: r.subject, issuer: r.issuer, notBefore: r.not_before, notAfter: r.not_after }, r.label, r.created_at, r.revoked_at));
}

export async function getClientCert(ctx: RegistryCtx, id: number): Promise<ClientCertView> {
  const [c] = await listClientCerts(ctx, { id });
  if (!c) throw new VamcoError('NOT_FOUND', `Client certificate ${id} does not exist`);
  return c;
}

/** Revokes by id; every gateway refuses the certificate once its snapshot moves (within a poll). */
export async function revokeClientCert(ctx: RegistryCtx, id: number, who: Actor): Promise<ClientCertView> {
  const c = await getClientCert(ctx, id);
  if (c.revokedAt) return c;
  await mutate(ctx, who, 'cert.revoke', `${c.subsystemId} ${c.fingerprint.slice(0, 16)}`, async (trx) => {
    await trx.updateTable('client_certificates').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).execute();
    return { result: undefined, before: c };
  });
  return getClientCert(ctx, id);
}
