/**
 * Runs one work unit on its lane. A batch lane gets one provider job (then polled); a sync lane
 * gets one call per item, a bounded number at a time, with results recorded chunk by chunk so a
 * worker that dies loses at most the calls in flight (the job is retried and picks up the rest).
 */
import { performance } from 'node:perf_hooks';
import { openItemsOfUnit, type OpenItem } from '../db/queries/batch-items.ts';
import { findBatchById, transitionBatch, type BatchRow } from '../db/queries/batches.ts';
import { findWorkUnit, markWorkUnitSubmitted } from '../db/queries/work-units.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import type { LaneResult, SyncLane } from '../lanes/types.ts';
import { applyResults, closeUnit, customIdOf, requestOf, thrownAsResult } from './outcomes.ts';
import { field, type Task, type WorkerContext } from './tasks.ts';

/** Calls in flight per sync work unit. */
const SYNC_CONCURRENCY = 32;
/** Items read from the database at a time on a sync lane. */
const SYNC_CHUNK = 500;
/** Below this many items in hand, the next page is read. */
const READ_AHEAD_ITEMS = 2 * SYNC_CONCURRENCY;
/** Results are recorded in groups of this many, or at least this often: available as they finish. */
const FLUSH_ITEMS = 50;
const FLUSH_MS = 250;
/** How often a running sync unit looks whether its batch was cancelled or expired meanwhile. */
const CANCEL_CHECK_MS = 1_000;
/** First look at a provider job, in seconds after submitting it. */
export const FIRST_POLL_SECONDS = 1;

/**
 * The unit's open items in item order, a page at a time, the next page read while the current one
 * is still being worked through: the calls never wait on the database between pages.
 */
function itemFeed(ctx: WorkerContext, unitId: string): () => Promise<OpenItem | null> {
  const buffer: OpenItem[] = [];
  let after = -1;
  let exhausted = false;
  let reading: Promise<void> | null = null;
  const read = () =>
    (reading ??= openItemsOfUnit(ctx.db, unitId, { after, limit: SYNC_CHUNK })
      .then((page) => {
        if (page.length === 0) exhausted = true;
        after = page.at(-1)?.item_index ?? after;
        buffer.push(...page);
      })
      .finally(() => {
        reading = null;
      }));
  return async () => {
    for (;;) {
      // Read ahead; a failed read-ahead is read again, and its error met, when the items are needed.
      if (buffer.length < READ_AHEAD_ITEMS && !exhausted) read().catch(() => undefined);
      const item = buffer.shift();
      if (item) return item;
      if (exhausted) return null;
      await read();
    }
  };
}

/**
 * Calls the lane for every open item of the unit, a bounded number at a time, recording results
 * in small groups as they come in. At most every second, recording also checks that the batch is
 * still open: once it was cancelled or expired, calls in flight are aborted and no new ones start.
 * Returns whether it stopped so.
 */
async function runSync(ctx: WorkerContext, batch: BatchRow, unitId: string, lane: SyncLane): Promise<{ stopped: boolean }> {
  const abort = new AbortController();
  const nextItem = itemFeed(ctx, unitId);
  let group: { item: OpenItem; result: LaneResult }[] = [];
  let lastFlush = performance.now();
  let lastCheck = Number.NEGATIVE_INFINITY;
  let recording: Promise<void> = Promise.resolve();
  const flush = () => {
    const taken = group;
    group = [];
    lastFlush = performance.now();
    recording = recording.then(async () => {
      if (taken.length > 0) await applyResults(ctx, batch, unitId, taken.map((g) => g.item), taken.map((g) => g.result));
      if (performance.now() - lastCheck < CANCEL_CHECK_MS) return;
      lastCheck = performance.now();
      const current = await findBatchById(ctx.db, batch.id);
      if (!current || isTerminalBatch(current.status)) abort.abort();
    });
  };
  const runner = async () => {
    for (let item = await nextItem(); item !== null && !abort.signal.aborted; item = await nextItem()) {
      let result: LaneResult;
      try {
        result = await lane.call(requestOf(item), abort.signal);
      } catch (error) {
        if (abort.signal.aborted) return;
        result = thrownAsResult(customIdOf(item), error);
      }
      group.push({ item, result });
      if (group.length >= FLUSH_ITEMS || performance.now() - lastFlush >= FLUSH_MS) flush();
    }
  };
  await Promise.all(Array.from({ length: SYNC_CONCURRENCY }, runner));
  flush();
  await recording;
  return { stopped: abort.signal.aborted };
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
    const round = (await openItemsOfUnit(ctx.db, unitId, { after: -1, limit: 1 }))[0]?.attempts ?? 1;

    if (!lane) {
      const items = await openItemsOfUnit(ctx.db, unitId);
      const results = items.map((item) => ({
        customId: customIdOf(item),
        status: 'failed' as const,
        error: { code: 'lane_unavailable', message: `lane ${unit.lane_id} is not enabled on this instance`, retryable: false },
        raw: null,
      }));
      await applyResults(ctx, batch, unitId, items, results);
      await closeUnit(ctx, batch, unitId, round);
      return;
    }

    if (lane.mode === 'batch') {
      if (unit.status === 'submitted') return;
      const items = await openItemsOfUnit(ctx.db, unitId);
      const { jobId, refused } = await lane.submit(items.map(requestOf), { key: unitId, since: unit.created_at });
      // What the provider cannot take at all is final now; the rest waits for the job.
      if (refused.length > 0) await applyResults(ctx, batch, unitId, items, refused);
      if (jobId === null) {
        await closeUnit(ctx, batch, unitId, round);
        return;
      }
      await ctx.db.transaction().execute(async (trx) => {
        await markWorkUnitSubmitted(trx, unitId, jobId, ctx.clock.now());
        await transitionBatch(trx, batch.id, ['dispatched'], 'processing', ctx.clock.now());
        await ctx.jobs.send(trx, 'poll-work-unit', { work_unit_id: unitId }, { startAfterSeconds: FIRST_POLL_SECONDS });
      });
      return;
    }

    await transitionBatch(ctx.db, batch.id, ['dispatched'], 'processing', ctx.clock.now());
    if ((await runSync(ctx, batch, unitId, lane)).stopped) return;
    await closeUnit(ctx, batch, unitId, round);
  },
};
