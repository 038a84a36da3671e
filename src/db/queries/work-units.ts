/** SQL for work units: the items sent to one lane together. */
import type { Insertable } from 'kysely';
import type { Executor, WorkUnitsTable } from '../schema.ts';

export async function insertWorkUnit(db: Executor, unit: Insertable<WorkUnitsTable>): Promise<void> {
  await db.insertInto('work_units').values(unit).execute();
}

export async function findWorkUnit(db: Executor, unitId: string) {
  return db.selectFrom('work_units').selectAll().where('id', '=', unitId).executeTakeFirst();
}

export async function markWorkUnitSubmitted(db: Executor, unitId: string, providerJobId: string | null, at: Date): Promise<void> {
  await db.updateTable('work_units').set({ status: 'submitted', provider_job_id: providerJobId, submitted_at: at }).where('id', '=', unitId).execute();
}

export async function countWorkUnitPoll(db: Executor, unitId: string): Promise<number> {
  const row = await db
    .updateTable('work_units')
    .set((eb) => ({ polls: eb('polls', '+', 1) }))
    .where('id', '=', unitId)
    .returning('polls')
    .executeTakeFirst();
  return row?.polls ?? 0;
}

/** Marks a unit finished unless it already is; true when this call finished it. */
export async function finishWorkUnit(db: Executor, unitId: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('work_units')
    .set({ status: 'finished', finished_at: at })
    .where('id', '=', unitId)
    .where('status', 'in', ['pending', 'submitted'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The provider jobs still running for a batch (to cancel them). */
export async function findSubmittedUnits(db: Executor, batchId: string) {
  return db.selectFrom('work_units').select(['id', 'lane_id', 'provider_job_id']).where('batch_id', '=', batchId).where('status', '=', 'submitted').execute();
}

export async function cancelOpenUnits(db: Executor, batchId: string, at: Date): Promise<void> {
  await db
    .updateTable('work_units')
    .set({ status: 'cancelled', finished_at: at })
    .where('batch_id', '=', batchId)
    .where('status', 'in', ['pending', 'submitted'])
    .execute();
}

/**
 * Provider batch jobs still running for open batches whose deadline falls before `by`, in batches
 * whose routing mode rescues (sla_aware, fastest): the candidates for a rescue.
 */
export async function findUnitsAtRisk(db: Executor, now: Date, by: Date) {
  return db
    .selectFrom('work_units as u')
    .innerJoin('batches as b', 'b.id', 'u.batch_id')
    .select(['u.id as unit_id', 'u.lane_id', 'u.provider_job_id', 'b.id as batch_id', 'b.sla_deadline', 'b.sla_tier', 'b.privacy_tier', 'b.allowed_regions'])
    .where('u.mode', '=', 'batch')
    .where('u.status', '=', 'submitted')
    .where('b.status', 'in', ['dispatched', 'processing'])
    .where('b.routing_mode', 'in', ['sla_aware', 'fastest'])
    .where('b.sla_deadline', '>', now)
    .where('b.sla_deadline', '<=', by)
    .execute();
}
