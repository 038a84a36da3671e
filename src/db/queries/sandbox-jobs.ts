/** SQL for the sandbox provider's batch jobs. */
import type { Insertable, Kysely } from 'kysely';
import type { DB, SandboxJobsTable } from '../schema.ts';

export async function insertSandboxJob(db: Kysely<DB>, job: Insertable<SandboxJobsTable>): Promise<void> {
  await db.insertInto('sandbox_jobs').values(job).execute();
}

/** A job's timing and outcomes, without its results: what a poll needs. */
export async function findSandboxJobProgress(db: Kysely<DB>, laneId: string, jobId: string) {
  return db
    .selectFrom('sandbox_jobs')
    .select(['created_at', 'ready_at', 'cancelled_at', 'outcomes'])
    .where('id', '=', jobId)
    .where('lane_id', '=', laneId)
    .executeTakeFirst();
}

/** A job's timing and results. */
export async function findSandboxJobResults(db: Kysely<DB>, laneId: string, jobId: string) {
  return db
    .selectFrom('sandbox_jobs')
    .select(['created_at', 'ready_at', 'cancelled_at', 'results'])
    .where('id', '=', jobId)
    .where('lane_id', '=', laneId)
    .executeTakeFirst();
}

/** Marks a job cancelled at `at` if it is neither ready nor cancelled by then; true when it did. */
export async function cancelSandboxJob(db: Kysely<DB>, laneId: string, jobId: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('sandbox_jobs')
    .set({ cancelled_at: at })
    .where('id', '=', jobId)
    .where('lane_id', '=', laneId)
    .where('cancelled_at', 'is', null)
    .where('ready_at', '>', at)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Deletes sandbox jobs created before `before` (a real provider forgets its jobs too); returns how many. */
export async function deleteSandboxJobsBefore(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('sandbox_jobs').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
