// X-Road identifiers. Every part uses X-Road's allowed characters; Vamco writes them
// without the instance on the command line and in the admin API, and with it on the wire.
import { VamcoError } from './errors.js';

const PART = /^[A-Za-z0-9'()+,\-.=?]{1,255}$/;

export interface MemberRef { memberClass: string; memberCode: string }
export interface SubsystemRef extends MemberRef { subsystemCode: string }
export interface ServiceRef extends SubsystemRef { serviceCode: string }

/**
 * One identifier part. "." and ".." are refused although made of allowed characters: as path
 * segments (/r1/…/{part}/…, the admin API's /members/GOV/..) they mean something else.
 */
export function isValidPart(s: string): boolean {
  return PART.test(s) && s !== '.' && s !== '..';
}

function parts(text: string, n: number, what: string): string[] {
  const p = String(text ?? '').trim().split(/[/:]/);
  if (p.length !== n || !p.every(isValidPart)) {
    throw new VamcoError('INVALID_IDENTIFIER',
      `"${text}" is not a valid ${what} identifier: expected ${n} parts separated by "/", each of A-Z a-z 0-9 ' ( ) + , - . = ? (and not "." or "..")`);
  }
  return p;
}

/**
 * Member classes a platform accepts unless VAMCO_MEMBER_CLASSES says otherwise: X-Road keeps
 * the list in the instance's configuration; these are the classes the console offers.
 */
export const DEFAULT_MEMBER_CLASSES: readonly string[] = Object.freeze(['GOV', 'COM', 'ORG', 'NGO', 'EDU']);

/**
 * Agencies' electronic identifier codes (Quyết định 20/2020/QĐ-TTg): V1V2V3.Z1Z2.Y1Y2.MX1X2,
 * e.g. 000.00.00.H59. The console asks for this shape for GOV members, as its hint says.
 */
export const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

export function parseMemberId(text: string): MemberRef {
  const [memberClass, memberCode] = parts(text, 2, 'member (CLASS/CODE)');
  return { memberClass, memberCode };
}

export function parseSubsystemId(text: string): SubsystemRef {
  const [memberClass, memberCode, subsystemCode] = parts(text, 3, 'subsystem (CLASS/MEMBER/SUBSYSTEM)');
  return { memberClass, memberCode, subsystemCode };
}

export function parseServiceId(text: string): ServiceRef {
  const [memberClass, memberCode, subsystemCode, serviceCode] = parts(text, 4, 'service (CLASS/MEMBER/SUBSYSTEM/SERVICE)');
  return { memberClass, memberCode, subsystemCode, serviceCode };
}

/** The client named by X-Road-Client: a subsystem, or (well-formed, refused later) a member. */
export interface ClientRef extends MemberRef { instance: string; subsystemCode: string | null }

/**
 * X-Road-Client: INSTANCE/CLASS/MEMBER[/SUBSYSTEM], each part percent-encoded on its own
 * (PR-REST 1.0.4 §4.3 and §4.2: a member code with "+" arrives as "%2B"). The subsystem part
 * is optional in the syntax; only subsystems hold access rights, which authorisation decides.
 */
export function parseClientHeader(text: string): ClientRef {
  const raw = String(text ?? '').trim().split('/');
  const what = 'client (INSTANCE/CLASS/MEMBER/SUBSYSTEM)';
  let p: string[];
  try {
    p = raw.map((s) => decodeURIComponent(s));
  } catch {
    throw new VamcoError('INVALID_IDENTIFIER', `"${text}" is not a valid ${what} identifier: malformed percent-encoding`);
  }
  if ((p.length !== 3 && p.length !== 4) || !p.every(isValidPart)) {
    throw new VamcoError('INVALID_IDENTIFIER',
      `"${text}" is not a valid ${what} identifier: expected 3 or 4 parts separated by "/", each of A-Z a-z 0-9 ' ( ) + , - . = ? (percent-encoded, and not "." or "..")`);
  }
  return { instance: p[0], memberClass: p[1], memberCode: p[2], subsystemCode: p[3] ?? null };
}

export const memberId = (r: MemberRef): string => `${r.memberClass}/${r.memberCode}`;
export const subsystemId = (r: SubsystemRef): string => `${r.memberClass}/${r.memberCode}/${r.subsystemCode}`;
export const serviceId = (r: ServiceRef): string => `${subsystemId(r)}/${r.serviceCode}`;

/** Metaservice names are reserved service codes, as in X-Road. */
export const RESERVED_SERVICE_CODES = new Set(['listClients', 'listMethods', 'allowedMethods', 'getOpenAPI']);
