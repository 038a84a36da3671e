/**
 * Runs one work unit on its lane. A batch lane gets one provider job (then polled); a sync lane
 * gets one call per item, a bounded number at a time, with results recorded chunk by chunk so a
 * worker that dies loses at most the calls in flight (the job is retried and picks up the rest).
 */
import { openItemsOfUnit, type OpenItem } from '../db/queries/batch-items.ts';
import { findBatchById, transitionBatch } from '../db/queries/batches.ts';
import { findWorkUnit, markWorkUnitSubmitted } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import type { SyncLane } from '../lanes/types.ts';
import { applyResults, closeUnit, customIdOf, requestOf, thrownAsResult } from './outcomes.ts';
import { field, type Task, type WorkerContext } from './tasks.ts';

/** Calls in flight per sync work unit. */
const SYNC_CONCURRENCY = 32;
/** Items read and recorded together on a sync lane. */
const SYNC_CHUNK = 500;
/** First look at a provider job, in seconds after submitting it. */
export const FIRST_POLL_SECONDS = 1;

async function callAll(lane: SyncLane, items: OpenItem[]) {
  const results = new Array<Awaited<ReturnType<SyncLane['call']>>>(items.length);
  let next = 0;
  const runner = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (!item) continue;
      try {
        results[i] = await lane.call(requestOf(item));
      } catch (error) {
        results[i] = thrownAsResult(customIdOf(item), error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, items.length) }, runner));
  return results;
}

export const runWorkUnitTask: Task = {
  name: 'run-work-unit',
  batchSize: 4,
  async run(ctx: WorkerContext, data) {
    const unitId = field(data, 'work_unit_id');
    const unit = await findWorkUnit(ctx.db, unitId);
    if (!unit || (unit.status !== 'pending' && unit.status !== 'submitted')) return;
    const batch = await findBatchById(ctx.db, unit.batch_id);
    if (!batch || isTerminalBatch(batch.status)) return;
    const lane = ctx.runtimeLanes.get(unit.lane_id);
    const round = (await openItemsOfUnit(ctx.db, unitId))[0]?.attempts ?? 1;

    if (!lane) {
      const items = await openItemsOfUnit(ctx.db, unitId);
      const results = items.map((item) => ({
        customId: customIdOf(item),
        status: 'failed' as const,
        error: { code: 'lane_unavailable', message: `lane ${unit.lane_id} is not enabled on this instance`, retryable: false },
        raw: null,
      }));
      await applyResults(ctx, batch, unitId, items, results);
      await closeUnit(ctx, batch, unitId, 0, round);
      return;
    }

    if (lane.mode === 'batch') {
      if (unit.status === 'submitted') return;
      const items = await openItemsOfUnit(ctx.db, unitId);
      const { jobId } = await lane.submit(items.map(requestOf));
      await ctx.db.transaction().execute(async (trx) => {
        await markWorkUnitSubmitted(trx, unitId, jobId, ctx.clock.now());
        await transitionBatch(trx, batch.id, ['dispatched'], 'processing', ctx.clock.now());
        await ctx.jobs.send(trx, 'poll-work-unit', { work_unit_id: unitId }, { startAfterSeconds: FIRST_POLL_SECONDS });
      });
      return;
    }

    await transitionBatch(ctx.db, batch.id, ['dispatched'], 'processing', ctx.clock.now());
    let retried = 0;
    for (;;) {
      const items = (await openItemsOfUnit(ctx.db, unitId)).slice(0, SYNC_CHUNK);
      if (items.length === 0) break;
      retried += await applyResults(ctx, batch, unitId, items, await callAll(lane, items));
    }
    await closeUnit(ctx, batch, unitId, retried, round);
  },
};
