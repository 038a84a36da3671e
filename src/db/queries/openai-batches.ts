/**
 * SQL for the OpenAI drop-in's batches: the OpenAI side stored beside each native batch, read
 * together with it, and the item and work-unit figures OpenAI's Batch object and files show.
 */
import type { Insertable, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BatchStatus, DB, Executor, ItemStatus, OpenaiBatchesTable } from '../schema.ts';

export async function insertOpenaiBatch(db: Executor, row: Insertable<OpenaiBatchesTable>): Promise<void> {
  await db.insertInto('openai_batches').values(row).execute();
}

/** The native batch with its OpenAI side: every column of `batches`, plus the drop-in's. */
function withOpenaiSide(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('openai_batches')
    .innerJoin('batches', 'batches.id', 'openai_batches.batch_id')
    .selectAll('batches')
    .select([
      'openai_batches.input_file_id',
      'openai_batches.endpoint',
      'openai_batches.completion_window',
      'openai_batches.model',
      'openai_batches.output_file_id',
      'openai_batches.error_file_id',
      'openai_batches.output_bytes',
      'openai_batches.error_bytes',
      'openai_batches.output_lines',
      'openai_batches.error_lines',
      'openai_batches.output_deleted_at',
      'openai_batches.error_deleted_at',
    ])
    .where('openai_batches.org_id', '=', orgId);
}

export async function findOpenaiBatch(db: Kysely<DB>, orgId: string, batchId: string) {
  return withOpenaiSide(db, orgId).where('openai_batches.batch_id', '=', batchId).executeTakeFirst();
}

export type OpenaiBatchRow = NonNullable<Awaited<ReturnType<typeof findOpenaiBatch>>>;

/** The batch whose output or error file has this id. */
export async function findOpenaiBatchByFileId(db: Kysely<DB>, orgId: string, fileId: string) {
  return withOpenaiSide(db, orgId)
    .where((eb) => eb.or([eb('openai_batches.output_file_id', '=', fileId), eb('openai_batches.error_file_id', '=', fileId)]))
    .executeTakeFirst();
}

/** Where a page of the list starts: after this batch, in (created_at desc, batch_id desc) order. */
export interface OpenaiBatchCursor {
  createdAt: Date;
  batchId: string;
}

export async function findOpenaiBatchCursor(db: Kysely<DB>, orgId: string, batchId: string): Promise<OpenaiBatchCursor | null> {
  const row = await db.selectFrom('openai_batches').select(['created_at', 'batch_id']).where('org_id', '=', orgId).where('batch_id', '=', batchId).executeTakeFirst();
  return row ? { createdAt: row.created_at, batchId: row.batch_id } : null;
}

/** A page of the org's drop-in batches, newest first, after the cursor when given. */
export async function listOpenaiBatches(db: Kysely<DB>, orgId: string, limit: number, after: OpenaiBatchCursor | null) {
  let query = withOpenaiSide(db, orgId);
  if (after) query = query.where(sql<boolean>`(openai_batches.created_at, openai_batches.batch_id) < (${after.createdAt}, ${after.batchId})`);
  return query.orderBy('openai_batches.created_at', 'desc').orderBy('openai_batches.batch_id', 'desc').limit(limit).execute();
}

/** Per item status: how many, the tokens the succeeded ones used, and when the last one finished. */
export async function itemFiguresByStatus(db: Kysely<DB>, batchId: string) {
  return db
    .selectFrom('batch_items')
    .select([
      'status',
      sql<number>`count(*)::int`.as('count'),
      sql<number>`coalesce(sum((usage->>'input_tokens')::bigint), 0)::bigint`.as('input_tokens'),
      sql<number>`coalesce(sum((usage->>'output_tokens')::bigint), 0)::bigint`.as('output_tokens'),
      sql<Date | null>`max(finished_at)`.as('last_finished_at'),
    ])
    .where('batch_id', '=', batchId)
    .groupBy('status')
    .execute();
}

/** When the batch's first work unit was made: the moment it went in progress. */
export async function firstWorkUnitAt(db: Kysely<DB>, batchId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('work_units')
    .select(sql<Date | null>`min(created_at)`.as('first'))
    .where('batch_id', '=', batchId)
    .executeTakeFirst();
  return row?.first ?? null;
}

/** Remembers the size of a generated output or error file (it never changes once the batch has ended). */
/** Records what an ended batch's generated files hold (they never change once it has ended). */
export async function setGeneratedFileFigures(
  db: Kysely<DB>,
  batchId: string,
  figures: { output_lines?: number; error_lines?: number; output_bytes?: number; error_bytes?: number },
): Promise<void> {
  await db.updateTable('openai_batches').set(figures).where('batch_id', '=', batchId).execute();
}

/** Marks a generated file deleted: it is no longer listed, read or downloaded. */
export async function markGeneratedFileDeleted(db: Kysely<DB>, batchId: string, kind: 'output' | 'error', at: Date): Promise<void> {
  await db
    .updateTable('openai_batches')
    .set(kind === 'output' ? { output_deleted_at: at } : { error_deleted_at: at })
    .where('batch_id', '=', batchId)
    .execute();
}

/** Drop-in batches of the org, in one of the `ended` statuses, whose generated files have not been measured yet. */
export async function unmeasuredEndedOpenaiBatches(db: Kysely<DB>, orgId: string, ended: readonly BatchStatus[]) {
  return withOpenaiSide(db, orgId)
    .where('batches.status', 'in', [...ended])
    .where((eb) => eb.or([eb('openai_batches.output_lines', 'is', null), eb('openai_batches.error_lines', 'is', null), eb('openai_batches.output_bytes', 'is', null), eb('openai_batches.error_bytes', 'is', null)]))
    .execute();
}

/** Whether a batch was created through the drop-in. */
export async function isOpenaiBatch(db: Executor, batchId: string): Promise<boolean> {
  return (await db.selectFrom('openai_batches').select('batch_id').where('batch_id', '=', batchId).executeTakeFirst()) !== undefined;
}

/** The drop-in batch a job names, in any org. */
export async function findOpenaiBatchById(db: Kysely<DB>, batchId: string) {
  const row = await db.selectFrom('openai_batches').select('org_id').where('batch_id', '=', batchId).executeTakeFirst();
  return row === undefined ? undefined : findOpenaiBatch(db, row.org_id, batchId);
}

/**
 * Finished items with one of `statuses` among items `from` to `to` (inclusive), in item order. A
 * bounded range of the primary key keeps the plan an index scan whatever the statistics say
 * about statuses (the embedded database never analyses on its own).
 */
export async function finishedItemsInRange(db: Kysely<DB>, batchId: string, statuses: readonly ItemStatus[], from: number, to: number) {
  return db
    .selectFrom('batch_items')
    .select(['item_index', 'customer_item_id', 'operation', 'status', 'assigned_model', 'output', 'usage', 'error', 'route_receipt', 'finished_at'])
    .where('batch_id', '=', batchId)
    .where('item_index', '>=', from)
    .where('item_index', '<=', to)
    .where('status', 'in', [...statuses])
    .orderBy('item_index')
    .execute();
}

export type FinishedItemRow = Awaited<ReturnType<typeof finishedItemsInRange>>[number];
