/**
 * Splits a batch's queued items into work units, one or more per lane, operation and model (a
 * provider batch job holds one endpoint and, for some providers, one model) within the lane's
 * limits (items and bytes per job), and queues each unit. Runs after submit and again when failed items
 * are queued for another attempt.
 */
import { assignItemsToUnit, moveQueuedItems, queuedItemsForSharding, queuedItemsOnLanes } from '../db/queries/batch-items.ts';
import { lockBatch, transitionBatch, type BatchRow } from '../db/queries/batches.ts';
import type { Executor } from '../db/schema.ts';
import type { RouteReceipt } from '../domain/batches.ts';
import { laneView, type LaneView } from '../domain/lane-health.ts';
import type { RoutingMode } from '../domain/manifest.ts';
import { insertWorkUnit } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import { sql } from 'kysely';
import { newId } from '../ids.ts';
import { reroute, selectionOf } from './reroute.ts';
import { field, type Task, type WorkerContext } from './tasks.ts';

interface Shard {
  laneId: string;
  indexes: number[];
}

interface ShardableItem {
  item_index: number;
  lane_id: string;
  operation: string;
  assigned_model: string;
  bytes: number;
}

/**
 * What a provider batch line adds to an item's input: the custom id, method, url and model around
 * the body. Counted so that a shard's file stays within the lane's byte limit, wrapper included.
 */
const LINE_OVERHEAD_BYTES = 256;

/** Cuts items (sorted by lane, operation and model) into shards no larger than their lane allows. */
export function shard(items: ShardableItem[], limits: (laneId: string) => { items: number; bytes: number }): Shard[] {
  const shards: Shard[] = [];
  let current: (Shard & { group: string; bytes: number }) | null = null;
  for (const item of items) {
    const limit = limits(item.lane_id);
    const group = `${item.lane_id}|${item.operation}|${item.assigned_model}`;
    const bytes = item.bytes + LINE_OVERHEAD_BYTES;
    if (!current || current.group !== group || current.indexes.length >= limit.items || current.bytes + bytes > limit.bytes) {
      current = { laneId: item.lane_id, group, indexes: [], bytes: 0 };
      shards.push(current);
    }
    current.indexes.push(item.item_index);
    current.bytes += bytes;
  }
  return shards.map(({ laneId, indexes }) => ({ laneId, indexes }));
}

/**
 * Items waiting for another attempt on a lane that is now failing go to the lane the batch's
 * routing mode picks among the others (same rules as at submit); items with no other lane stay.
 */
async function moveOffFailingLanes(ctx: WorkerContext, trx: Executor, batch: BatchRow, view: LaneView): Promise<void> {
  const items = await queuedItemsOnLanes(trx, batch.id, [...view.failing.keys()]);
  if (items.length === 0) return;
  const routed = reroute(ctx, batch, batch.routing_mode as RoutingMode, items, view.lanes, view);
  const moves = items.flatMap((item) => {
    const r = routed.get(item.item_index);
    if (!r) return [];
    const receipt = item.route_receipt as RouteReceipt;
    const reason = `moved off ${item.lane_id} for another attempt: it is failing (${view.failing.get(item.lane_id) ?? 'see lane health'})`;
    return [{ index: item.item_index, laneId: r.choice.lane.id, model: r.choice.model.id, routeReceipt: { ...receipt, ...selectionOf(r.choice), reason } }];
  });
  await moveQueuedItems(trx, batch.id, moves);
}

export const routeBatchTask: Task = {
  name: 'route-batch',
  batchSize: 5,
  async run(ctx, data) {
    const batchId = field(data, 'batch_id');
    const now = ctx.clock.now();
    // Read before the transaction: the embedded database serves one connection at a time.
    const view = laneView(ctx.lanes, await ctx.health.current());
    await ctx.db.transaction().execute(async (trx) => {
      // Two routing rounds of one batch (two units queued retries at once) take turns: the second
      // then finds nothing left queued, and makes no empty units.
      const batch = await lockBatch(trx, batchId);
      if (!batch || isTerminalBatch(batch.status)) return;
      await transitionBatch(trx, batchId, ['queued'], 'routing', now);
      if (view.failing.size > 0) await moveOffFailingLanes(ctx, trx, batch, view);
      const lanes = new Map(ctx.lanes.map((lane) => [lane.id, lane]));
      const shards = shard(await queuedItemsForSharding(trx, batchId), (laneId) => {
        const lane = lanes.get(laneId);
        return { items: lane?.max_items_per_job ?? 1, bytes: lane?.max_bytes_per_job ?? Number.MAX_SAFE_INTEGER };
      });
      for (const { laneId, indexes } of shards) {
        const unitId = newId('wu');
        const mode = lanes.get(laneId)?.mode ?? 'sync';
        await insertWorkUnit(trx, { id: unitId, batch_id: batchId, lane_id: laneId, mode, status: 'pending', item_count: indexes.length, created_at: now });
        await assignItemsToUnit(trx, batchId, indexes, unitId);
        await ctx.jobs.send(trx, 'run-work-unit', { work_unit_id: unitId }, { singletonKey: unitId });
      }
      await transitionBatch(trx, batchId, ['routing'], 'dispatched', now);
    });
    // A batch can add 100,000 rows at once; without fresh statistics the planner takes the unit's
    // items for a handful and scans them all on every result update (PGlite never auto-analyzes).
    await sql`analyze batch_items`.execute(ctx.db);
  },
};
