/** SQL for batches. */
import type { Insertable, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BatchesTable, BatchStatus, DB, Executor } from '../schema.ts';
import { olderThan, type PageCursor } from './pages.ts';

export async function insertBatch(db: Executor, batch: Insertable<BatchesTable>): Promise<void> {
  await db.insertInto('batches').values(batch).execute();
}

export async function findBatch(db: Executor, orgId: string, batchId: string) {
  return db.selectFrom('batches').selectAll().where('org_id', '=', orgId).where('id', '=', batchId).executeTakeFirst();
}

/** A batch by id alone: for workers, which act for whichever org owns it. */
export async function findBatchById(db: Executor, batchId: string) {
  return db.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
}

export async function findBatchByIdempotencyKey(db: Executor, orgId: string, key: string) {
  return db.selectFrom('batches').selectAll().where('org_id', '=', orgId).where('idempotency_key', '=', key).executeTakeFirst();
}

export type BatchRow = NonNullable<Awaited<ReturnType<typeof findBatchById>>>;

/** A page of an org's batches, newest first, after the cursor (created_at, id) when given. */
export async function listBatches(db: Kysely<DB>, orgId: string, limit: number, after: PageCursor | null) {
  let query = db.selectFrom('batches').selectAll().where('org_id', '=', orgId);
  if (after) query = query.where(olderThan(after));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Moves a batch to `to` if it is in one of `from`; returns whether it moved. The guard makes
 * concurrent workers agree: only one of them wins a transition.
 */
export async function transitionBatch(db: Executor, batchId: string, from: readonly BatchStatus[], to: BatchStatus, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('batches')
    .set({ status: to, updated_at: at, ...(['completed', 'failed', 'cancelled', 'expired'].includes(to) ? { finished_at: at } : {}) })
    .where('id', '=', batchId)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Locks a batch row for the rest of the transaction and returns it. */
export async function lockBatch(db: Executor, batchId: string) {
  return db.selectFrom('batches').selectAll().where('id', '=', batchId).forUpdate().executeTakeFirst();
}

export async function setBatchMoney(db: Executor, batchId: string, money: { reserved_micros: number; captured_micros: number }): Promise<void> {
  await db.updateTable('batches').set(money).where('id', '=', batchId).execute();
}

/** Open batches whose SLA deadline has passed. */
export async function findOverdueBatchIds(db: Kysely<DB>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('batches')
    .select('id')
    .where('sla_deadline', '<=', now)
    .where(sql<boolean>`status not in ('completed', 'failed', 'cancelled', 'expired')`)
    .execute();
  return rows.map((row) => row.id);
}

/** The org's batches still holding a reservation, newest first. */
export async function listReservingBatches(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('batches')
    .select(['id', 'status', 'reserved_micros', 'created_at'])
    .where('org_id', '=', orgId)
    .where('reserved_micros', '>', 0)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
