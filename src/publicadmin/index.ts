// The publicadmin wing (issue 5): the province's shared public-administration data —
// administrative units, agencies, procedures and one-stop-shop dossiers — served as four
// ordinary provider services behind the gateway, plus admin routes and importers.
import { openApiFor } from './http/openapi.js';
import type { ServiceCode } from './http/routes.js';

export const PUBLICADMIN_SUBSYSTEM = 'publicadmin';

export const PUBLICADMIN_SERVICES: ReadonlyArray<{ code: ServiceCode; openapi: Record<string, unknown> }> =
  (['admin-units', 'agencies', 'procedures', 'dossiers'] as const).map((code) => ({ code, openapi: openApiFor(code) }));

export { startPublicAdminBackend, buildPublicAdminApp } from './http/server.js';
export { seedPublicAdmin } from './seed.js';
export { importAgencies } from './agencies/agencies.js';
export { importProcedures } from './procedures/procedures.js';
export { WorkCalendar, type HolidayRule } from './calendar/working-days.js';
export { BUILTIN_HOLIDAY_RULES } from './calendar/builtin-holidays.js';
export { addHolidayRules, calendarYear, deleteHolidayRule, listHolidayRules, updateHolidayRule } from './calendar/holiday-rules.js';
export { recomputeDeadlines } from './dossiers/deadlines.js';
export { publicAdminAdminRoutes, SELF_TRAILED } from './http/admin-routes.js';
export type { TrailWriter, Who as PublicAdminWho } from './trail.js';
export { tet, lunarToJdn, jdnToLunar } from './calendar/lunar.js';
export { STATUS_NAMES, TRANSITIONS } from './dossiers/status.js';
export type { ServiceCode as PublicAdminServiceCode } from './http/routes.js';
