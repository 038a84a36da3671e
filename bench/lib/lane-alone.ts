/**
 * The sandbox benchmark's baseline: the time spent inside lane calls, measured by running the
 * lanes directly in this process over the very requests the worker would send, with nothing of
 * the router around them. The items are routed by the domain's own `checkAndRoute`, cut into work
 * units by submit's own `shardPlan`, and turned into requests by the worker's own `requestOf`
 * (all outside the timing); the lanes are the server's (`makeRuntimeLanes` with the same settings).
 * A batch lane's time includes its own storage (the sandbox keeps jobs in the database, as a real
 * provider keeps them on its side): submit, one poll, fetching the results, per work unit.
 */
import type { Database } from '../../src/db/database.ts';
import type { Config } from '../../src/config.ts';
import { newId } from '../../src/ids.ts';
import type { Manifest } from '../../src/domain/manifest.ts';
import { makeRuntimeLanes } from '../../src/lanes/registry.ts';
import type { LaneRequest, LaneResult } from '../../src/lanes/types.ts';
import { requestOf } from '../../src/worker/outcomes.ts';
import { shardPlan } from '../../src/domain/shards.ts';
import { routeManifest, routingContextOf } from './database.ts';
import { timed } from './report.ts';

export interface LaneAlone {
  /** Milliseconds spent inside lane calls. */
  ms: number;
  results: number;
  units: number;
}

/** Runs every item of `manifest` through the lane routing picks, directly; returns the time inside the lane. */
export async function timeLanesAlone(database: Database, config: Config, manifest: Manifest): Promise<LaneAlone> {
  const ctx = await routingContextOf(database);
  const plan = await routeManifest(ctx, manifest);
  const lanes = makeRuntimeLanes(ctx.catalog, ctx.lanes, config, { db: database.db, clock: ctx.clock });
  // What the worker reads back for each item on its first attempt.
  const byIndex = new Map(plan.items.map((routed) => [routed.item.index, routed]));
  // Cut into work units as submit cuts them.
  const units = shardPlan(plan.items, ctx.lanes);

  let ms = 0;
  let results = 0;
  for (const unit of units) {
    const lane = lanes.get(unit.laneId);
    if (!lane) throw new Error(`lane ${unit.laneId} is not running`);
    const requests: LaneRequest[] = unit.indexes.map((index) => {
      const routed = byIndex.get(index);
      if (!routed) throw new Error(`item ${index} was not routed`);
      return requestOf({
        batch_id: 'bat_bench',
        item_index: index,
        operation: routed.item.operation,
        assigned_model: routed.choice.model.id,
        input: routed.item.input,
        input_tokens: routed.inputTokens,
        rescued_from_unit_id: null,
        attempts: 1,
        route_receipt: {},
      });
    });
    const run = await timed(async (): Promise<LaneResult[]> => {
      if (lane.mode === 'batch') {
        const { jobId, refused } = await lane.submit(requests, { key: newId('wu'), since: new Date() });
        if (jobId === null) return refused;
        await lane.poll(jobId);
        return [...refused, ...(await lane.fetchResults(jobId))];
      }
      const answers: LaneResult[] = [];
      for (const request of requests) answers.push(await lane.call(request));
      return answers;
    });
    ms += run.ms;
    results += run.result.length;
  }
  return { ms, results, units: units.length };
}
