/**
 * The embedded database's stand-in for autovacuum: a table that has grown since it was last
 * vacuumed is vacuumed and analysed, so the space its dead row versions held is used again; a
 * table that has not is left alone. Run against the server's own context and database (PGlite, or
 * PostgreSQL when TEST_DATABASE_URL is set: the task itself works on both, and is queued on PGlite only).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tablesGrownSinceVacuum } from '../../src/db/queries/maintenance.ts';
import { maintainEmbeddedDatabaseTask, MINIMUM_PAGES } from '../../src/worker/maintain-embedded-database.ts';
import { startTestServer, TEST_DATABASE_URL, type TestServer } from '../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

/** The table's size now and as PostgreSQL last recorded it (at a vacuum or analyse), in pages. */
async function pagesOf(table: string): Promise<{ recorded: number; now: number }> {
  const { rows } = await sql<{ recorded: number; now: number }>`
    select c.relpages as recorded, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as now
    from pg_class c where c.oid = ${table}::regclass`.execute(server.server.database.db);
  const row = rows[0];
  if (!row) throw new Error(`no table ${table}`);
  return row;
}

describe('maintaining the embedded database', () => {
  it('vacuums and analyses a table that grew, so rewriting its rows again reuses the space', async () => {
    const db = server.server.database.db;
    await sql`create table churn (id int primary key, body text not null)`.execute(db);
    await sql`insert into churn select g, repeat('a', 300) from generate_series(1, 10000) g`.execute(db);
    await sql`update churn set body = repeat('b', 300)`.execute(db);
    const grown = await pagesOf('churn');
    expect(grown.now).toBeGreaterThan(200);

    await maintainEmbeddedDatabaseTask.run(server.server.ctx, {});
    const vacuumed = await pagesOf('churn');
    expect(vacuumed.recorded).toBe(vacuumed.now);
    const stats = await sql<{ n: number }>`select count(*)::int as n from pg_stats where tablename = 'churn'`.execute(db);
    expect(stats.rows[0]?.n).toBeGreaterThan(0);

    // Every row written once more: the dead versions' space is reused, the file barely grows.
    await sql`update churn set body = repeat('c', 300)`.execute(db);
    expect((await pagesOf('churn')).now).toBeLessThan(vacuumed.now * 1.1);
  });

  it('passes over a table that has not grown since, and one smaller than a megabyte', async () => {
    const db = server.server.database.db;
    await sql`update churn set body = 'short' where id <= 10`.execute(db);
    await sql`create table small (id int primary key, body text not null)`.execute(db);
    await sql`insert into small select g, repeat('a', 300) from generate_series(1, 1000) g`.execute(db);
    const due = (await tablesGrownSinceVacuum(db, MINIMUM_PAGES)).map((table) => table.table);
    expect(due).not.toContain('churn');
    expect(due).not.toContain('small');
  });

  it.skipIf(TEST_DATABASE_URL !== null)('is scheduled by the job queue on the embedded database', async () => {
    const schedules = await sql<{ name: string; cron: string }>`select name, cron from ${sql.id(`${server.server.database.schema}_jobs`, 'schedule')}`.execute(server.server.database.db);
    expect(schedules.rows).toContainEqual({ name: 'maintain-embedded-database', cron: '*/10 * * * *' });
  });
});
