/**
 * SLA rescue, every minute: items still on a provider batch job when their batch's deadline comes
 * within reach (the later of 15 minutes and three times the fastest lane's turnaround) move to the
 * fastest eligible lane that can finish three times over before the deadline, within the batch's
 * privacy tier, regions and each item's model options. The job they left is still watched: if it
 * answers first its answer is delivered, else it is noted on the receipt; either way each item is
 * delivered and charged once. Batches in `cheapest` mode are never rescued (the customer chose
 * cost over the deadline); a job whose items all left is cancelled at the provider.
 */
import { isoTimestamp } from '../clock.ts';
import { itemsToRescue, rescueItems } from '../db/queries/batch-items.ts';
import { lockBatch } from '../db/queries/batches.ts';
import { findUnitsAtRisk, insertWorkUnit } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import type { RouteReceipt } from '../domain/batches.ts';
import { laneView, type LaneView } from '../domain/lane-health.ts';
import { newId } from '../ids.ts';
import { reroute, selectionOf } from './reroute.ts';
import { laneLimits, shard } from '../domain/shards.ts';
import type { Task, WorkerContext } from './tasks.ts';

const MIN_LEAD_SECONDS = 15 * 60;
/** A rescue lane must be able to finish this many times over before the deadline. */
const SAFETY = 3;

type UnitAtRisk = Awaited<ReturnType<typeof findUnitsAtRisk>>[number];

async function rescueUnit(ctx: WorkerContext, unit: UnitAtRisk, view: LaneView, now: Date): Promise<number> {
  const secondsLeft = (unit.sla_deadline.getTime() - now.getTime()) / 1000;
  const lanes = view.lanes.filter((lane) => lane.id !== unit.lane_id && lane.expected_turnaround_seconds * SAFETY <= secondsLeft);
  const items = await itemsToRescue(ctx.db, unit.unit_id);
  if (lanes.length === 0 || items.length === 0) return 0;
  const routedByIndex = reroute(ctx, unit, 'fastest', items, lanes, view);
  if (routedByIndex.size === 0) return 0;
  const byLane = new Map(lanes.map((lane) => [lane.id, lane]));
  const reason = `rescued: the batch job on ${unit.lane_id} had not finished ${Math.round(secondsLeft / 60)} minutes before the deadline`;
  return ctx.db.transaction().execute(async (trx) => {
    const batch = await lockBatch(trx, unit.batch_id);
    if (!batch || isTerminalBatch(batch.status)) return 0;
    const shards = shard(
      [...routedByIndex].map(([itemIndex, r]) => ({ item_index: itemIndex, lane_id: r.choice.lane.id, operation: r.item.operation, assigned_model: r.choice.model.id, bytes: r.bytes })),
      laneLimits(lanes),
    );
    const itemByIndex = new Map(items.map((item) => [item.item_index, item]));
    let moved = 0;
    for (const { laneId, indexes } of shards) {
      const toUnitId = newId('wu');
      const lane = byLane.get(laneId);
      await insertWorkUnit(trx, { id: toUnitId, batch_id: unit.batch_id, lane_id: laneId, mode: lane?.mode ?? 'sync', status: 'pending', item_count: indexes.length, created_at: now });
      const moves = indexes.flatMap((index) => {
        const r = routedByIndex.get(index);
        const item = itemByIndex.get(index);
        if (!r || !item) return [];
        const receipt = item.route_receipt as RouteReceipt;
        const rescued: RouteReceipt = {
          ...receipt,
          ...selectionOf(r.choice),
          rescue: { from: { ...receipt.selected, unit_id: unit.unit_id, prices: receipt.prices }, reason, at: isoTimestamp(now) },
        };
        return [{ index, laneId, model: r.choice.model.id, routeReceipt: rescued }];
      });
      moved += await rescueItems(trx, unit.batch_id, unit.unit_id, toUnitId, moves);
      await ctx.jobs.send(trx, 'run-work-unit', { work_unit_id: toUnitId }, { singletonKey: toUnitId });
    }
    // Nothing left waiting on the job: stop it at the provider (it is still watched for what it finished).
    if (moved === items.length && unit.provider_job_id !== null) {
      await ctx.jobs.send(trx, 'cancel-provider-job', { lane_id: unit.lane_id, provider_job_id: unit.provider_job_id });
    }
    return moved;
  });
}

/** Moves the items at risk of missing their deadline to faster lanes; returns how many moved. */
export async function rescueLateItems(ctx: WorkerContext): Promise<number> {
  const now = ctx.clock.now();
  const view = laneView(ctx.lanes, await ctx.health.current());
  const fastest = Math.min(...view.lanes.map((lane) => lane.expected_turnaround_seconds));
  const leadSeconds = Math.max(MIN_LEAD_SECONDS, Number.isFinite(fastest) ? fastest * SAFETY : 0);
  let moved = 0;
  for (const unit of await findUnitsAtRisk(ctx.db, now, new Date(now.getTime() + leadSeconds * 1000))) moved += await rescueUnit(ctx, unit, view, now);
  return moved;
}

export const rescueLateItemsTask: Task = {
  name: 'rescue-late-items',
  cron: '* * * * *',
  batchSize: 1,
  async run(ctx) {
    const moved = await rescueLateItems(ctx);
    if (moved > 0) ctx.logger.info({ items: moved }, 'items rescued from late batch jobs');
  },
};
