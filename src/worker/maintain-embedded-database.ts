/**
 * The embedded database's autovacuum: PGlite runs PostgreSQL in single-user mode, with no
 * autovacuum, so nothing would ever reclaim the dead row versions that every recorded result and
 * every job's change of state leave behind, or refresh the planner's statistics. Every ten minutes
 * this vacuums and analyses each table that has grown by a fifth (and at least a megabyte) since
 * it last was, one table at a time: each holds the database's one session while it runs. Only
 * queued on PGlite; PostgreSQL's own autovacuum does this there.
 */
import { tablesGrownSinceVacuum, vacuumAnalyze } from '../db/queries/maintenance.ts';
import type { Task } from './tasks.ts';

/** A megabyte of 8 kB pages: smaller tables are not worth a pass. */
export const MINIMUM_PAGES = 128;

export const maintainEmbeddedDatabaseTask: Task = {
  name: 'maintain-embedded-database',
  cron: '*/10 * * * *',
  batchSize: 1,
  async run(ctx) {
    for (const table of await tablesGrownSinceVacuum(ctx.db, MINIMUM_PAGES)) {
      const started = ctx.clock.now().getTime();
      await vacuumAnalyze(ctx.db, table);
      ctx.logger.info({ table: `${table.schema}.${table.table}`, ms: ctx.clock.now().getTime() - started }, 'vacuumed and analysed');
    }
  },
};
