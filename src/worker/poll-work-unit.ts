/**
 * Polls a provider batch job with backoff until it ends, then records every result. Items the
 * provider returned nothing for (an expired or cancelled job's unfinished part) are retried.
 */
import { isoTimestamp } from '../clock.ts';
import { appendLateAttempts, finishedRescuedItems, openItemsOfUnit } from '../db/queries/batch-items.ts';
import { findBatchById } from '../db/queries/batches.ts';
import { countWorkUnitPoll, findWorkUnit } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import type { RouteReceipt } from '../domain/batches.ts';
import type { LaneResult } from '../lanes/types.ts';
import { applyResults, closeUnit, customIdOf, missingResult, SUPERSEDED_NOTE } from './outcomes.ts';
import { FIRST_POLL_SECONDS } from './run-work-unit.ts';
import { field, type Task, type WorkerContext } from './tasks.ts';

/** Items whose results are recorded per transaction. */
const RESULT_PAGE = 1_000;

/** Polls slow down by half each time, to at most one a minute. */
function nextPollSeconds(polls: number): number {
  return Math.min(60, Math.ceil(FIRST_POLL_SECONDS * 1.5 ** polls));
}

/** Items rescued from this job and delivered from their rescue lane: what the job answered for them, noted on their receipts. */
async function noteLateAnswers(ctx: WorkerContext, batchId: string, unitId: string, results: ReadonlyMap<string, LaneResult>): Promise<void> {
  const at = isoTimestamp(ctx.clock.now());
  const notes = (await finishedRescuedItems(ctx.db, unitId)).flatMap((item) => {
    const result = results.get(customIdOf(item));
    const receipt = item.route_receipt as RouteReceipt;
    if (!result || !receipt.rescue) return [];
    // Already on the receipt when this job's answer was the one delivered.
    if (receipt.attempts.some((a) => typeof a === 'object' && a !== null && 'attempt' in a && a.attempt === item.attempts)) return [];
    const attempt = { attempt: item.attempts, lane_id: receipt.rescue.from.lane_id, model: receipt.rescue.from.model, at, status: result.status === 'succeeded' ? 'superseded' : 'failed' };
    return [{ index: item.item_index, attempt: result.status === 'succeeded' ? { ...attempt, note: SUPERSEDED_NOTE } : { ...attempt, error: result.error } }];
  });
  await appendLateAttempts(ctx.db, batchId, notes);
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
    if (!batch || !lane || lane.mode !== 'batch') return;
    // Once the batch has ended, a job whose items were rescued is still watched to its end, so
    // that what it answered late is noted on their receipts; any other job is of no more interest.
    if (isTerminalBatch(batch.status) && (await finishedRescuedItems(ctx.db, unitId)).length === 0) return;
    const state = await lane.poll(unit.provider_job_id);
    if (state.status === 'in_progress') {
      const polls = await countWorkUnitPoll(ctx.db, unitId);
      await ctx.jobs.send(ctx.db, 'poll-work-unit', { work_unit_id: unitId }, { startAfterSeconds: nextPollSeconds(polls) });
      return;
    }
    const results = new Map((await lane.fetchResults(unit.provider_job_id)).map((result) => [result.customId, result]));
    // A page of items at a time, each page in its own transaction: the embedded database runs one
    // transaction at a time, and a 50,000-item job recorded in one would hold every request up.
    let round = 1;
    for (let after = -1; ; ) {
      const items = await openItemsOfUnit(ctx.db, unitId, { after, limit: RESULT_PAGE });
      if (items.length === 0) break;
      after = items.at(-1)?.item_index ?? after;
      round = items[0]?.attempts ?? round;
      const why = `the provider job ended ${state.status} without a result for this item`;
      await applyResults(ctx, batch, unitId, items, items.map((item) => results.get(customIdOf(item)) ?? missingResult(customIdOf(item), why)));
    }
    await noteLateAnswers(ctx, batch.id, unitId, results);
    await closeUnit(ctx, batch, unitId, round);
  },
};
