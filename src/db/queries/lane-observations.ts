/** SQL for lane observations: one row per work unit a lane finished, read back as recent figures per lane. */
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB, Executor, LaneObservationsTable } from '../schema.ts';

export async function recordObservation(db: Executor, row: Insertable<LaneObservationsTable>): Promise<void> {
  await db.insertInto('lane_observations').values(row).onConflict((conflict) => conflict.column('work_unit_id').doNothing()).execute();
}

/** Per lane since `since`: units, items, items succeeded, and the 90th percentile of turnaround. */
export async function laneFigures(db: Kysely<DB>, since: Date) {
  return db
    .selectFrom('lane_observations')
    .select([
      'lane_id',
      sql<number>`count(*)::int`.as('units'),
      sql<number>`sum(items)::int`.as('items'),
      sql<number>`sum(succeeded)::int`.as('succeeded'),
      sql<number>`percentile_cont(0.9) within group (order by turnaround_seconds)`.as('turnaround_p90_seconds'),
    ])
    .where('observed_at', '>=', since)
    .groupBy('lane_id')
    .execute();
}

/** How many of a unit's items succeeded on it (items retried elsewhere or rescued are not among them). */
export async function succeededInUnit(db: Executor, unitId: string): Promise<number> {
  const row = await db
    .selectFrom('batch_items')
    .select(sql<number>`count(*)::int`.as('succeeded'))
    .where('work_unit_id', '=', unitId)
    .where('status', '=', 'succeeded')
    .executeTakeFirstOrThrow();
  return row.succeeded;
}
