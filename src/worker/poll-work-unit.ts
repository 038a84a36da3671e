/**
 * Polls a provider batch job with backoff until it ends, then records every result. Items the
 * provider returned nothing for (an expired or cancelled job's unfinished part) are retried.
 */
import { openItemsOfUnit } from '../db/queries/batch-items.ts';
import { findBatchById } from '../db/queries/batches.ts';
import { countWorkUnitPoll, findWorkUnit } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import { applyResults, closeUnit, customIdOf, missingResult } from './outcomes.ts';
import { FIRST_POLL_SECONDS } from './run-work-unit.ts';
import { field, type Task } from './tasks.ts';

/** Polls slow down by half each time, to at most one a minute. */
function nextPollSeconds(polls: number): number {
  return Math.min(60, Math.ceil(FIRST_POLL_SECONDS * 1.5 ** polls));
}

export const pollWorkUnitTask: Task = {
  name: 'poll-work-unit',
  batchSize: 10,
  async run(ctx, data) {
    const unitId = field(data, 'work_unit_id');
    const unit = await findWorkUnit(ctx.db, unitId);
    if (!unit || unit.status !== 'submitted' || unit.provider_job_id === null) return;
    const batch = await findBatchById(ctx.db, unit.batch_id);
    const lane = ctx.runtimeLanes.get(unit.lane_id);
    if (!batch || isTerminalBatch(batch.status) || !lane || lane.mode !== 'batch') return;
    const state = await lane.poll(unit.provider_job_id);
    if (state.status === 'in_progress') {
      const polls = await countWorkUnitPoll(ctx.db, unitId);
      await ctx.jobs.send(ctx.db, 'poll-work-unit', { work_unit_id: unitId }, { startAfterSeconds: nextPollSeconds(polls) });
      return;
    }
    const results = await lane.fetchResults(unit.provider_job_id);
    const items = await openItemsOfUnit(ctx.db, unitId);
    const returned = new Set(results.map((result) => result.customId));
    const missing = items
      .filter((item) => !returned.has(customIdOf(item)))
      .map((item) => missingResult(customIdOf(item), `the provider job ended ${state.status} without a result for this item`));
    const retried = await applyResults(ctx, batch, unitId, items, [...results, ...missing]);
    await closeUnit(ctx, batch, unitId, retried, items[0]?.attempts ?? 1);
  },
};
