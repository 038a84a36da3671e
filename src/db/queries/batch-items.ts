/** SQL for batch items: stored in bulk at submit, dispatched per work unit, finished once each. */
import type { Insertable, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BatchItemsTable, DB, Executor, ItemStatus } from '../schema.ts';

/** A jsonb parameter: SQL NULL for null, else the JSON text. */
const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));

/**
 * The rows of these items of a batch, found through the primary key whatever the planner believes
 * of the table: updates that join a list of items also name them here, so that they look up just
 * those rows. Joined on the item index alone, a planner working from stale statistics (PGlite never
 * gathers them by itself) hashes every item of the batch, or of the work unit, for each small list.
 */
function theseItems(batchId: string, indexes: readonly number[]) {
  return sql`b.batch_id = ${batchId} and b.item_index = any(${[...indexes]}::int[])`;
}

/**
 * Runs an update that joins a list of items (`from (values …)`) with nested loops off, in the
 * caller's transaction or one of its own. Without statistics the planner takes the items it looks
 * up for a single row and loops over the whole list for each of them, evaluating the list again
 * every time (a thousand results: a million rows and seconds); a hash join is linear whatever the
 * estimates.
 */
async function withoutNestedLoops<T>(db: Executor, update: (trx: Executor) => Promise<T>): Promise<T> {
  const run = async (trx: Executor) => {
    await sql`set local enable_nestloop = off`.execute(trx);
    try {
      return await update(trx);
    } finally {
      await sql`set local enable_nestloop = on`.execute(trx);
    }
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Rows per INSERT: 18 columns × 2,000 rows stays under PostgreSQL's 65,535 parameters. */
const INSERT_CHUNK = 2_000;
/** Results per UPDATE … FROM (VALUES …). */
const RESULT_CHUNK = 1_000;

export async function insertItems(db: Executor, items: Insertable<BatchItemsTable>[]): Promise<void> {
  for (let start = 0; start < items.length; start += INSERT_CHUNK) {
    await db.insertInto('batch_items').values(items.slice(start, start + INSERT_CHUNK)).execute();
  }
}

export async function countItemsByStatus(db: Executor, batchId: string): Promise<Partial<Record<ItemStatus, number>>> {
  const rows = await db
    .selectFrom('batch_items')
    .select(['status', sql<number>`count(*)::int`.as('count')])
    .where('batch_id', '=', batchId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

/** Queued items with their lane, operation, model and size, grouped: what sharding into work units needs. */
export async function queuedItemsForSharding(db: Executor, batchId: string) {
  return db
    .selectFrom('batch_items')
    .select(['item_index', 'lane_id', 'operation', 'assigned_model', sql<number>`octet_length(input::text)`.as('bytes')])
    .where('batch_id', '=', batchId)
    .where('status', '=', 'queued')
    .orderBy('lane_id')
    .orderBy('operation')
    .orderBy('assigned_model')
    .orderBy('item_index')
    .execute();
}

/** Queued items of a batch on the given lanes, with what routing needs. */
export async function queuedItemsOnLanes(db: Executor, batchId: string, laneIds: string[]) {
  return db
    .selectFrom('batch_items')
    .select(['item_index', 'customer_item_id', 'operation', 'model_options', 'input', 'input_tokens', 'lane_id', 'route_receipt'])
    .where('batch_id', '=', batchId)
    .where('status', '=', 'queued')
    .where('lane_id', 'in', laneIds)
    .execute();
}

/** Gives queued items another lane and model, with their receipts updated. */
export async function moveQueuedItems(db: Executor, batchId: string, moves: { index: number; laneId: string; model: string; routeReceipt: unknown }[]): Promise<void> {
  for (let start = 0; start < moves.length; start += RESULT_CHUNK) {
    const chunk = moves.slice(start, start + RESULT_CHUNK);
    const rows = chunk.map((m) => sql`(${m.index}::int, ${m.laneId}::text, ${m.model}::text, ${json(m.routeReceipt)}::jsonb)`);
    const update = sql`
      update batch_items as b set lane_id = v.lane_id, assigned_model = v.model, route_receipt = v.receipt
      from (values ${sql.join(rows)}) as v(item_index, lane_id, model, receipt)
      where ${theseItems(batchId, chunk.map((m) => m.index))} and b.item_index = v.item_index and b.status = 'queued'`;
    await withoutNestedLoops(db, (trx) => update.execute(trx));
  }
}

/** Hands items to a work unit: one more attempt each. */
export async function assignItemsToUnit(db: Executor, batchId: string, indexes: number[], unitId: string): Promise<void> {
  await db
    .updateTable('batch_items')
    .set((eb) => ({ work_unit_id: unitId, status: 'dispatched', attempts: eb('attempts', '+', 1) }))
    .where('batch_id', '=', batchId)
    .where('item_index', 'in', indexes)
    .where('status', '=', 'queued')
    .execute();
}

/**
 * The items of a unit that still await a result (cancelled and expired ones are left out), in item
 * order: all of them, or a page of at most `page.limit` after item `page.after`. Items rescued
 * from this unit to a faster lane still await it too (whichever answers first is delivered), as
 * the attempt this unit ran: one before the rescue's.
 */
export async function openItemsOfUnit(db: Executor, unitId: string, page: { after: number; limit: number } = { after: -1, limit: 1_000_000 }) {
  return db
    .selectFrom('batch_items')
    .select([
      'batch_id',
      'item_index',
      'operation',
      'input',
      'input_tokens',
      'route_receipt',
      'rescued_from_unit_id',
      sql<string>`case when rescued_from_unit_id = ${unitId} then (route_receipt->'rescue'->'from'->>'model') else assigned_model end`.as('assigned_model'),
      sql<number>`case when rescued_from_unit_id = ${unitId} then attempts - 1 else attempts end`.as('attempts'),
    ])
    .where((eb) => eb.or([eb('work_unit_id', '=', unitId), eb('rescued_from_unit_id', '=', unitId)]))
    .where('item_index', '>', page.after)
    .where('status', '=', 'dispatched')
    .orderBy('item_index')
    .limit(page.limit)
    .execute();
}

export type OpenItem = Awaited<ReturnType<typeof openItemsOfUnit>>[number];

export interface ItemResult {
  index: number;
  /** The lane and model that produced the result (for a rescued item, the one that answered first). */
  laneId: string;
  model: string;
  status: 'succeeded' | 'failed';
  costMicros: number | null;
  output: unknown;
  usage: unknown;
  error: unknown;
  routeReceipt: unknown;
}

/**
 * Records results for items still dispatched to `unitId` (or rescued from it); an item that
 * already has a result (or was cancelled, expired, or moved to another unit) is left alone, so
 * each item is finished once. Superseded attempts written meanwhile are kept in the receipt.
 * Returns the indexes of the items recorded.
 */
export async function recordItemResults(db: Executor, batchId: string, unitId: string, results: ItemResult[], at: Date): Promise<Set<number>> {
  const recorded = new Set<number>();
  for (let start = 0; start < results.length; start += RESULT_CHUNK) {
    const chunk = results.slice(start, start + RESULT_CHUNK);
    const rows = chunk.map(
      (r) =>
        sql`(${r.index}::int, ${r.laneId}::text, ${r.model}::text, ${r.status}::text, ${r.costMicros}::bigint, ${json(r.output)}::jsonb, ${json(r.usage)}::jsonb, ${json(r.error)}::jsonb, ${json(r.routeReceipt)}::jsonb)`,
    );
    const update = sql<{ item_index: number }>`
      update batch_items as b set
        status = v.status, lane_id = v.lane_id, assigned_model = v.model, cost_micros = v.cost, output = v.output, usage = v.usage, error = v.error,
        -- Only a rescued item can have gained a superseded attempt meanwhile: keep it.
        route_receipt = case when b.rescued_from_unit_id is null then v.receipt else jsonb_set(v.receipt, '{attempts}', (v.receipt->'attempts') || coalesce(
          (select jsonb_agg(a) from jsonb_array_elements(b.route_receipt->'attempts') a where a->>'status' = 'superseded'), '[]'::jsonb)) end,
        result_sequence = nextval('batch_result_sequence'), finished_at = ${at}
      from (values ${sql.join(rows)}) as v(item_index, lane_id, model, status, cost, output, usage, error, receipt)
      where ${theseItems(batchId, chunk.map((r) => r.index))} and b.item_index = v.item_index
        and (b.work_unit_id = ${unitId} or b.rescued_from_unit_id = ${unitId}) and b.status = 'dispatched'
      returning b.item_index`;
    const result = await withoutNestedLoops(db, (trx) => update.execute(trx));
    for (const row of result.rows) recorded.add(row.item_index);
  }
  return recorded;
}

/** Puts items back in the queue for another attempt, with their receipts updated. */
export async function requeueItems(db: Executor, batchId: string, unitId: string, items: { index: number; routeReceipt: unknown }[]): Promise<void> {
  for (let start = 0; start < items.length; start += RESULT_CHUNK) {
    const chunk = items.slice(start, start + RESULT_CHUNK);
    const rows = chunk.map((r) => sql`(${r.index}::int, ${json(r.routeReceipt)}::jsonb)`);
    const update = sql`
      update batch_items as b set status = 'queued', work_unit_id = null, route_receipt = v.receipt
      from (values ${sql.join(rows)}) as v(item_index, receipt)
      where ${theseItems(batchId, chunk.map((r) => r.index))} and b.item_index = v.item_index and b.work_unit_id = ${unitId} and b.status = 'dispatched'`;
    await withoutNestedLoops(db, (trx) => update.execute(trx));
  }
}

/** What a rescue needs of the items still dispatched to a unit (not yet rescued from it). */
export async function itemsToRescue(db: Executor, unitId: string) {
  return db
    .selectFrom('batch_items')
    .select(['item_index', 'customer_item_id', 'operation', 'model_options', 'input', 'input_tokens', 'route_receipt'])
    .where('work_unit_id', '=', unitId)
    .where('status', '=', 'dispatched')
    .orderBy('item_index')
    .execute();
}

/** Moves items still dispatched to a late unit onto a rescue unit, with their new lane, model and receipt; returns how many moved. */
export async function rescueItems(db: Executor, batchId: string, fromUnitId: string, toUnitId: string, moves: { index: number; laneId: string; model: string; routeReceipt: unknown }[]): Promise<number> {
  if (moves.length === 0) return 0;
  let moved = 0;
  for (let start = 0; start < moves.length; start += RESULT_CHUNK) {
    const chunk = moves.slice(start, start + RESULT_CHUNK);
    const rows = chunk.map((m) => sql`(${m.index}::int, ${m.laneId}::text, ${m.model}::text, ${json(m.routeReceipt)}::jsonb)`);
    const update = sql`
      update batch_items as b set work_unit_id = ${toUnitId}, rescued_from_unit_id = ${fromUnitId}, lane_id = v.lane_id,
        assigned_model = v.model, route_receipt = v.receipt, attempts = b.attempts + 1
      from (values ${sql.join(rows)}) as v(item_index, lane_id, model, receipt)
      where ${theseItems(batchId, chunk.map((m) => m.index))} and b.item_index = v.item_index and b.work_unit_id = ${fromUnitId} and b.status = 'dispatched'`;
    const result = await withoutNestedLoops(db, (trx) => update.execute(trx));
    moved += Number(result.numAffectedRows ?? 0);
  }
  return moved;
}

/** Appends an attempt to the receipts of items that already have their result (a late answer from the other lane). */
export async function appendLateAttempts(db: Executor, batchId: string, attempts: { index: number; attempt: unknown }[]): Promise<void> {
  for (let start = 0; start < attempts.length; start += RESULT_CHUNK) {
    const chunk = attempts.slice(start, start + RESULT_CHUNK);
    const rows = chunk.map((a) => sql`(${a.index}::int, ${json(a.attempt)}::jsonb)`);
    const update = sql`
      update batch_items as b set route_receipt = jsonb_set(b.route_receipt, '{attempts}', (b.route_receipt->'attempts') || jsonb_build_array(v.attempt))
      from (values ${sql.join(rows)}) as v(item_index, attempt)
      where ${theseItems(batchId, chunk.map((a) => a.index))} and b.item_index = v.item_index`;
    await withoutNestedLoops(db, (trx) => update.execute(trx));
  }
}

/** Items rescued from `unitId` that already have their result, with the attempt the unit ran. */
export async function finishedRescuedItems(db: Executor, unitId: string) {
  return db
    .selectFrom('batch_items')
    .select(['batch_id', 'item_index', sql<number>`attempts - 1`.as('attempts'), 'route_receipt'])
    .where('rescued_from_unit_id', '=', unitId)
    .where('status', '!=', 'dispatched')
    .execute();
}

/** Finishes every open item of a batch as cancelled or expired; returns how many. */
export async function finishOpenItems(db: Executor, batchId: string, status: Extract<ItemStatus, 'cancelled' | 'expired'>, error: unknown, at: Date): Promise<number> {
  const result = await sql`
    update batch_items set status = ${status}, error = ${json(error)}::jsonb,
      result_sequence = nextval('batch_result_sequence'), finished_at = ${at}
    where batch_id = ${batchId} and result_sequence is null`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Items waiting for another attempt (queued after a retryable failure, or not yet routed). */
export async function countQueuedItems(db: Executor, batchId: string): Promise<number> {
  const row = await db
    .selectFrom('batch_items')
    .select(sql<number>`count(*)::int`.as('queued'))
    .where('batch_id', '=', batchId)
    .where('status', '=', 'queued')
    .where('result_sequence', 'is', null)
    .executeTakeFirstOrThrow();
  return row.queued;
}

export async function countOpenItems(db: Executor, batchId: string): Promise<number> {
  const row = await db
    .selectFrom('batch_items')
    .select(sql<number>`count(*)::int`.as('open'))
    .where('batch_id', '=', batchId)
    .where('result_sequence', 'is', null)
    .executeTakeFirstOrThrow();
  return row.open;
}

/** Provider cost of the succeeded items, and how many succeeded, per lane. */
export async function costsByLane(db: Executor, batchId: string) {
  return db
    .selectFrom('batch_items')
    .select(['lane_id', sql<string>`coalesce(sum(cost_micros), 0)::text`.as('cost'), sql<number>`count(*)::int`.as('items')])
    .where('batch_id', '=', batchId)
    .where('status', '=', 'succeeded')
    .groupBy('lane_id')
    .execute();
}

/** Finished items after `afterSequence`, in finishing order. */
export async function resultsPage(db: Kysely<DB>, batchId: string, afterSequence: number, limit: number) {
  return db
    .selectFrom('batch_items')
    .select(['customer_item_id', 'status', 'assigned_model', 'lane_id', 'output', 'usage', 'cost_micros', 'error', 'route_receipt', 'result_sequence'])
    .where('batch_id', '=', batchId)
    .where('result_sequence', '>', afterSequence)
    .orderBy('result_sequence')
    .limit(limit)
    .execute();
}

export type ResultRow = Awaited<ReturnType<typeof resultsPage>>[number];
