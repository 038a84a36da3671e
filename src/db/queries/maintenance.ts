/** SQL for keeping the embedded database's tables compact and its statistics current. */
import { sql } from 'kysely';
import type { Executor } from '../schema.ts';

export interface TableName {
  schema: string;
  table: string;
}

/**
 * Tables of the app's schema and the job queue's (`<schema>_jobs`) whose files have grown by more
 * than a fifth, and at least `minimumPages`, since they were last vacuumed or analysed (which is
 * when PostgreSQL records their size in `pg_class.relpages`).
 */
export async function tablesGrownSinceVacuum(db: Executor, minimumPages: number): Promise<TableName[]> {
  const { rows } = await sql<TableName>`
    select n.nspname as schema, c.relname as table
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname in (current_schema(), current_schema() || '_jobs')
      and pg_relation_size(c.oid) / current_setting('block_size')::int > c.relpages * 1.2 + ${minimumPages}
    order by n.nspname, c.relname`.execute(db);
  return rows;
}

/** VACUUM (ANALYZE) of one table: dead row versions become reusable space, statistics are gathered anew. */
export async function vacuumAnalyze(db: Executor, { schema, table }: TableName): Promise<void> {
  await sql`vacuum (analyze) ${sql.id(schema, table)}`.execute(db);
}
