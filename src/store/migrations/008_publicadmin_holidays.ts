import type { Migration } from '../migrate.js';

// Issue 10: every holiday rule names its legal source, and a rule says how a day falling on a
// weekend is made up (Tết: Saturday → the working day before, Sunday → the one after). Rows
// already stored get an empty source; the start-up seed rewrites the built-in ones.
export const m008publicadminHolidays: Migration = {
  name: '008_publicadmin_holidays',
  async up(db) {
    await db.schema.alterTable('publicadmin_holiday_rules').addColumn('source', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('publicadmin_holiday_rules').addColumn('compensation', 'text').execute();
  },
};
