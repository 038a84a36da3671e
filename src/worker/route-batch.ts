/**
 * Another routing round: a batch's items queued for another attempt (submit cut the first round
 * itself) are cut into work units (src/domain/shards.ts), moved off lanes that are failing first,
 * and each unit is queued.
 */
import { assignItemsToUnit, moveQueuedItems, queuedItemsForSharding, queuedItemsOnLanes } from '../db/queries/batch-items.ts';
import { lockBatch, type BatchRow } from '../db/queries/batches.ts';
import type { Executor } from '../db/schema.ts';
import type { RouteReceipt } from '../domain/batches.ts';
import { laneView, type LaneView } from '../domain/lane-health.ts';
import type { RoutingMode } from '../domain/manifest.ts';
import { insertWorkUnit } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import { newId } from '../ids.ts';
import { laneLimits, shard } from '../domain/shards.ts';
import { reroute, selectionOf } from './reroute.ts';
import { field, type Task, type WorkerContext } from './tasks.ts';

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
      if (view.failing.size > 0) await moveOffFailingLanes(ctx, trx, batch, view);
      const lanes = new Map(ctx.lanes.map((lane) => [lane.id, lane]));
      const shards = shard(await queuedItemsForSharding(trx, batchId), laneLimits(ctx.lanes));
      for (const { laneId, indexes } of shards) {
        const unitId = newId('wu');
        const mode = lanes.get(laneId)?.mode ?? 'sync';
        await insertWorkUnit(trx, { id: unitId, batch_id: batchId, lane_id: laneId, mode, status: 'pending', item_count: indexes.length, created_at: now });
        await assignItemsToUnit(trx, batchId, indexes, unitId);
        await ctx.jobs.send(trx, 'run-work-unit', { work_unit_id: unitId }, { singletonKey: unitId });
      }
    });
  },
};
