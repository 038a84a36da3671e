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
import type { CatalogLane, CatalogModel, Operation, Region } from '../domain/catalog.ts';
import { laneView, type LaneView } from '../domain/lane-health.ts';
import type { CheckedItem, CheckedManifest, PrivacyTier, SlaTier } from '../domain/manifest.ts';
import { catalogPrices } from '../domain/quotes.ts';
import { planRoutes, type RoutedItem } from '../domain/routing.ts';
import { newId } from '../ids.ts';
import { shard } from './route-batch.ts';
import type { Task, WorkerContext } from './tasks.ts';

const MIN_LEAD_SECONDS = 15 * 60;
/** A rescue lane must be able to finish this many times over before the deadline. */
const SAFETY = 3;

type UnitAtRisk = Awaited<ReturnType<typeof findUnitsAtRisk>>[number];
type RescuableItem = Awaited<ReturnType<typeof itemsToRescue>>[number];

/** Routes items over `lanes` in `fastest` mode, leaving out those no lane can take. */
function routeRescue(ctx: WorkerContext, unit: UnitAtRisk, items: RescuableItem[], lanes: CatalogLane[], view: LaneView): RoutedItem[] {
  const models = new Map<string, CatalogModel>(ctx.catalog.models.map((model) => [model.id, model]));
  const regions = unit.allowed_regions.includes('global') ? null : (unit.allowed_regions as Region[]);
  let remaining = items;
  for (;;) {
    const checked: CheckedManifest = {
      slaTier: unit.sla_tier as SlaTier,
      routingMode: 'fastest',
      privacyTier: unit.privacy_tier as PrivacyTier,
      regions,
      items: remaining.map(
        (item, index): CheckedItem => ({
          index,
          customerItemId: item.customer_item_id,
          operation: item.operation as Operation,
          models: item.model_options.flatMap((id) => models.get(id) ?? []),
          input: item.input as Record<string, unknown>,
        }),
      ),
    };
    const measures = { inputTokens: remaining.map((item) => item.input_tokens), inputJson: remaining.map((item) => JSON.stringify(item.input)) };
    const routed = planRoutes(checked, measures, lanes, catalogPrices, view.failing);
    if ('plan' in routed) return routed.plan.items;
    // Leave out the items no lane can take (each problem names its item) and route the rest.
    const unroutable = new Set(routed.problems.map((problem) => Number(/^items\[(\d+)\]/.exec(problem.path)?.[1])));
    remaining = remaining.filter((_, index) => !unroutable.has(index));
    if (remaining.length === 0) return [];
  }
}

async function rescueUnit(ctx: WorkerContext, unit: UnitAtRisk, view: LaneView, now: Date): Promise<number> {
  const secondsLeft = (unit.sla_deadline.getTime() - now.getTime()) / 1000;
  const lanes = view.lanes.filter((lane) => lane.id !== unit.lane_id && lane.expected_turnaround_seconds * SAFETY <= secondsLeft);
  const items = await itemsToRescue(ctx.db, unit.unit_id);
  if (lanes.length === 0 || items.length === 0) return 0;
  const routed = routeRescue(ctx, unit, items, lanes, view);
  if (routed.length === 0) return 0;
  const byLane = new Map(lanes.map((lane) => [lane.id, lane]));
  const original = (routedItem: RoutedItem) => items[routedItem.item.index] as RescuableItem;
  const reason = `rescued: the batch job on ${unit.lane_id} had not finished ${Math.round(secondsLeft / 60)} minutes before the deadline`;
  return ctx.db.transaction().execute(async (trx) => {
    const batch = await lockBatch(trx, unit.batch_id);
    if (!batch || isTerminalBatch(batch.status)) return 0;
    const shards = shard(
      routed
        .map((r) => ({ item_index: original(r).item_index, lane_id: r.choice.lane.id, operation: r.item.operation, assigned_model: r.choice.model.id, bytes: r.bytes, routed: r }))
        .sort((a, b) => `${a.lane_id}|${a.operation}|${a.assigned_model}`.localeCompare(`${b.lane_id}|${b.operation}|${b.assigned_model}`) || a.item_index - b.item_index),
      (laneId) => ({ items: byLane.get(laneId)?.max_items_per_job ?? 1, bytes: byLane.get(laneId)?.max_bytes_per_job ?? Number.MAX_SAFE_INTEGER }),
    );
    const routedByIndex = new Map(routed.map((r) => [original(r).item_index, r]));
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
        const { choice } = r;
        const rescued: RouteReceipt = {
          ...receipt,
          selected: { lane_id: choice.lane.id, provider: choice.lane.provider, mode: choice.lane.mode, region: choice.lane.region, model: choice.model.id },
          prices: { input_micros_per_million: choice.prices.inputMicrosPerMillion, output_micros_per_million: choice.prices.outputMicrosPerMillion },
          rescue: { from: { ...receipt.selected, unit_id: unit.unit_id, prices: receipt.prices }, reason, at: isoTimestamp(now) },
        };
        return [{ index, laneId, model: choice.model.id, routeReceipt: rescued }];
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
