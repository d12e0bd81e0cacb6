// Issuing a subsystem's client certificate is one step: the platform CA signs it and the
// registry records it as the subsystem's credential (in one admin-trail action).
import { parseSubsystemId, subsystemId } from '../core/ids.js';
import { addClientCert, type Actor, type ClientCertView, type RegistryCtx } from '../registry/index.js';
import { issueWithKey, signCsr, type PlatformCa } from './ca.js';

export interface IssueClientCertInput {
  subsystem: string;
  /** The information system's PKCS #10 request; absent: the platform makes the key too. */
  csrPem?: string;
  days?: number;
  label?: string | null;
}

export async function issueClientCert(ctx: RegistryCtx, ca: PlatformCa, input: IssueClientCertInput, who: Actor):
  Promise<{ credential: ClientCertView; certPem: string; keyPem: string | null }> {
  const sid = subsystemId(parseSubsystemId(input.subsystem));
  const holder = { commonName: `${ctx.config.instance}/${sid}`, organisation: ctx.config.operatorName, usage: 'client' as const, days: input.days ?? 365 };
  const issued = input.csrPem ? { ...(await signCsr(ca, input.csrPem, holder)), keyPem: null } : await issueWithKey(ca, holder);
  const credential = await addClientCert(ctx, { subsystem: sid, pem: issued.certPem, label: input.label ?? null }, who, [ca.certPem]);
  return { credential, certPem: issued.certPem, keyPem: issued.keyPem };
}
