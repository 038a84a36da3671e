/**
 * What the lanes' results do to items: a success records output, usage and cost; a retryable
 * failure puts the item back in the queue while attempts and time remain; anything else fails it.
 * Then, once nothing is left open, the batch is finalised. Shared by the sync and batch paths.
 */
import { appendLateAttempts, countOpenItems, countQueuedItems, recordItemResults, requeueItems, type ItemResult, type OpenItem } from '../db/queries/batch-items.ts';
import type { BatchRow } from '../db/queries/batches.ts';
import { recordObservation, succeededInUnit } from '../db/queries/lane-observations.ts';
import { findWorkUnit, finishWorkUnit } from '../db/queries/work-units.ts';
import { isoTimestamp } from '../clock.ts';
import type { MillionTokenPrices, RouteReceipt, RouteSelection } from '../domain/batches.ts';
import type { Operation } from '../domain/catalog.ts';
import { emitProgressEvent } from '../domain/webhook-events.ts';
import { tokenCost } from '../domain/pricing.ts';
import { requestedMaxOutput } from '../domain/tokens.ts';
import type { LaneError, LaneRequest, LaneResult } from '../lanes/types.ts';
import type { WorkerContext } from './tasks.ts';

/** Attempts per item before a retryable failure is final. */
export const MAX_ATTEMPTS = 3;

/**
 * The id a lane sees for one attempt of one item: `<item index>-<attempt>` (letters, digits, "_"
 * and "-" only, at most 64 characters: what every provider's batch API accepts).
 */
export function customIdOf(item: Pick<OpenItem, 'item_index' | 'attempts'>): string {
  return `${item.item_index}-${item.attempts}`;
}

/** Output a request is assumed to be allowed when it sets no limit, for lanes' token budgets. */
const ASSUMED_OUTPUT_LIMIT = 1_024;

/** The provider request for an item: its input with the assigned model. */
export function requestOf(item: OpenItem): LaneRequest {
  const input = item.input as Record<string, unknown>;
  return {
    customId: customIdOf(item),
    operation: item.operation as Operation,
    model: item.assigned_model,
    body: { ...input, model: item.assigned_model },
    estimatedTokens: item.input_tokens + (requestedMaxOutput(input) ?? ASSUMED_OUTPUT_LIMIT),
  };
}

function failure(customId: string, error: LaneError): LaneResult {
  return { customId, status: 'failed', error, raw: null };
}

/** A thrown error from a lane, as a retryable failure of one request. */
export function thrownAsResult(customId: string, thrown: unknown): LaneResult {
  return failure(customId, { code: 'lane_error', message: thrown instanceof Error ? thrown.message : String(thrown), retryable: true });
}

/** The result for an item the lane returned nothing for. */
export function missingResult(customId: string, why: string): LaneResult {
  return failure(customId, { code: 'no_result', message: why, retryable: true });
}

/**
 * Applies one unit's results to its items, in one transaction. Items without a result in
 * `results` are left open.
 */
export async function applyResults(ctx: WorkerContext, batch: BatchRow, unitId: string, items: OpenItem[], results: LaneResult[]): Promise<void> {
  const now = ctx.clock.now();
  const byCustomId = new Map(results.map((result) => [result.customId, result]));
  const finished: ItemResult[] = [];
  const retries: { index: number; routeReceipt: unknown }[] = [];
  const canRetry = now.getTime() < batch.sla_deadline.getTime();
  for (const item of items) {
    const result = byCustomId.get(customIdOf(item));
    if (!result) continue;
    const receipt = item.route_receipt as RouteReceipt;
    // An item rescued from this unit answered here first: it is delivered at this lane's prices.
    const ranHere = item.rescued_from_unit_id === unitId && receipt.rescue ? receipt.rescue.from : { ...receipt.selected, prices: receipt.prices };
    const attempt = { attempt: item.attempts, lane_id: ranHere.lane_id, model: item.assigned_model, at: isoTimestamp(now) };
    if (result.status === 'succeeded') {
      const prices = { inputMicrosPerMillion: ranHere.prices.input_micros_per_million, outputMicrosPerMillion: ranHere.prices.output_micros_per_million };
      finished.push({
        index: item.item_index,
        laneId: ranHere.lane_id,
        model: item.assigned_model,
        status: 'succeeded',
        costMicros: tokenCost(prices, result.usage.input_tokens, result.usage.output_tokens),
        output: { text: result.outputText, ...(result.embeddings ? { embeddings: result.embeddings } : {}), raw: result.raw },
        usage: result.usage,
        error: null,
        routeReceipt: { ...receiptDeliveredFrom(receipt, ranHere), attempts: [...receipt.attempts, { ...attempt, status: 'succeeded' }] },
      });
      continue;
    }
    // A failure on the lane an item was rescued from changes nothing: the rescue runs on.
    if (item.rescued_from_unit_id === unitId) continue;
    const attempts = [...receipt.attempts, { ...attempt, status: 'failed', error: result.error }];
    if (result.error.retryable && item.attempts < MAX_ATTEMPTS && canRetry) {
      retries.push({ index: item.item_index, routeReceipt: { ...receipt, attempts } });
    } else {
      finished.push({ index: item.item_index, laneId: ranHere.lane_id, model: item.assigned_model, status: 'failed', costMicros: null, output: null, usage: null, error: result.error, routeReceipt: { ...receipt, attempts } });
    }
  }
  await ctx.db.transaction().execute(async (trx) => {
    const recorded = await recordItemResults(trx, batch.id, unitId, finished, now);
    await requeueItems(trx, batch.id, unitId, retries);
    // A rescued item's other lane answered first: this answer is not delivered, only noted.
    const late = finished.filter((result) => !recorded.has(result.index) && result.status === 'succeeded');
    await appendLateAttempts(trx, batch.id, late.map((result) => ({ index: result.index, attempt: supersededAttempt(result.routeReceipt) })));
    if (recorded.size > 0) await emitProgressEvent(ctx, trx, batch.id, now);
  });
}

/** The last attempt of a receipt, marked as answered after the item's result was already delivered. */
function supersededAttempt(receipt: unknown): unknown {
  const attempts = (receipt as RouteReceipt).attempts;
  const last = attempts[attempts.length - 1];
  return { ...(typeof last === 'object' && last !== null ? last : {}), status: 'superseded', note: SUPERSEDED_NOTE };
}

export const SUPERSEDED_NOTE = 'answered after the item was already delivered from its other lane: not delivered, not charged';

/** The receipt of an item delivered from `ranHere`: when a rescued item's first lane answered first, that lane is the selected one again. */
function receiptDeliveredFrom(receipt: RouteReceipt, ranHere: RouteSelection & { prices: MillionTokenPrices }): RouteReceipt {
  if (ranHere !== receipt.rescue?.from) return receipt;
  const { lane_id, provider, mode, region, model, prices } = ranHere;
  return { ...receipt, selected: { lane_id, provider, mode, region, model }, prices };
}

/** Backoff before a retry round: 2, 4, 8 … seconds with ±25 % jitter, at most a minute. */
function retryDelaySeconds(round: number): number {
  const base = Math.min(60, 2 ** Math.max(1, round));
  return Math.max(1, Math.round(base * (0.75 + Math.random() * 0.5)));
}

/**
 * Closes a unit; queues another routing round when items of the batch wait for another attempt,
 * or the batch's finalisation when nothing is left open. Decided from the items themselves, so a
 * unit recorded across several transactions (or by a retried job) closes the same way.
 */
export async function closeUnit(ctx: WorkerContext, batch: BatchRow, unitId: string, round: number): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const unit = await findWorkUnit(trx, unitId);
    if (unit && (await finishWorkUnit(trx, unitId, now))) {
      // What the lane did with this unit: its health, which quotes and routing read.
      await recordObservation(trx, {
        work_unit_id: unitId,
        lane_id: unit.lane_id,
        mode: unit.mode,
        items: unit.item_count,
        succeeded: await succeededInUnit(trx, unitId),
        turnaround_seconds: Math.max(0, (now.getTime() - unit.created_at.getTime()) / 1000),
        observed_at: now,
      });
    }
    if ((await countQueuedItems(trx, batch.id)) > 0) {
      await ctx.jobs.send(trx, 'route-batch', { batch_id: batch.id }, { startAfterSeconds: retryDelaySeconds(round) });
    } else if ((await countOpenItems(trx, batch.id)) === 0) {
      await ctx.jobs.send(trx, 'finalize-batch', { batch_id: batch.id }, { singletonKey: batch.id });
    }
  });
}
