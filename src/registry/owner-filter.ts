// The "whose is it" filter that list queries share: rows joined to their subsystem and member,
// narrowed to one subsystem or one member (an agency admin's view). One place, so a role's
// visibility rule cannot drift between API keys, client certificates and the other lists.
import type { SelectQueryBuilder } from 'kysely';
import { parseMemberId, parseSubsystemId } from '../core/ids.js';

export interface OwnerFilter { subsystem?: string; member?: string }

/** `m` and `s` are the aliases the query gave the members and subsystems tables. */
export function whereOwner<Q extends SelectQueryBuilder<any, any, any>>(q: Q, filter: OwnerFilter, m = 'm', s = 's'): Q {
  let out = q;
  if (filter.subsystem) {
    const r = parseSubsystemId(filter.subsystem);
    out = out.where(`${m}.member_class`, '=', r.memberClass).where(`${m}.member_code`, '=', r.memberCode)
      .where(`${s}.subsystem_code`, '=', r.subsystemCode) as Q;
  }
  if (filter.member) {
    const r = parseMemberId(filter.member);
    out = out.where(`${m}.member_class`, '=', r.memberClass).where(`${m}.member_code`, '=', r.memberCode) as Q;
  }
  return out;
}
