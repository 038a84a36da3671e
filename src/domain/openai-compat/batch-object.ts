/**
 * A drop-in batch as OpenAI's Batch object: native statuses mapped onto OpenAI's, Unix-second
 * timestamps for each step reached, request counts, token usage, and the output and error file
 * ids once the batch has ended with lines for them.
 */
import type { Kysely } from 'kysely';
import { firstWorkUnitAt, itemFiguresByStatus, type OpenaiBatchRow } from '../../db/queries/openai-batches.ts';
import type { BatchStatus, DB, ItemStatus } from '../../db/schema.ts';
import { isTerminalBatch } from '../batch-states.ts';

export const OPENAI_BATCH_STATUSES = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export type OpenAiBatchStatus = (typeof OPENAI_BATCH_STATUSES)[number];

/**
 * Each native status as OpenAI names it: a batch no lane has started yet (`dispatched`: its items
 * are in work units waiting for a worker) is still `validating`, as OpenAI's are before they run.
 * A cancel ends a batch at once, so "cancelling" is never current.
 */
export const OPENAI_STATUS_OF: Readonly<Record<BatchStatus, OpenAiBatchStatus>> = Object.freeze({
  pending: 'validating',
  queued: 'validating',
  routing: 'validating',
  dispatched: 'validating',
  processing: 'in_progress',
  completing: 'finalizing',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'expired',
});

/** Items that go to the output file, and to the error file. */
export const OUTPUT_ITEM_STATUSES: readonly ItemStatus[] = ['succeeded'];
export const ERROR_ITEM_STATUSES: readonly ItemStatus[] = ['failed', 'expired', 'cancelled'];

/** What the Batch object needs of a batch's items: counts by status, tokens used, the last finish. */
export interface ItemFigures {
  counts: Partial<Record<ItemStatus, number>>;
  inputTokens: number;
  outputTokens: number;
  lastFinishedAt: Date | null;
}

export async function itemFigures(db: Kysely<DB>, batchId: string): Promise<ItemFigures> {
  const figures: ItemFigures = { counts: {}, inputTokens: 0, outputTokens: 0, lastFinishedAt: null };
  for (const row of await itemFiguresByStatus(db, batchId)) {
    figures.counts[row.status] = row.count;
    figures.inputTokens += row.input_tokens;
    figures.outputTokens += row.output_tokens;
    const last = row.last_finished_at === null ? null : new Date(row.last_finished_at);
    if (last !== null && (figures.lastFinishedAt === null || last > figures.lastFinishedAt)) figures.lastFinishedAt = last;
  }
  return figures;
}

/** True when the ended batch has items for the output (or error) file. */
export function hasLines(figures: ItemFigures, statuses: readonly ItemStatus[]): boolean {
  return statuses.some((status) => (figures.counts[status] ?? 0) > 0);
}

const seconds = (date: Date | null): number | null => (date === null ? null : Math.floor(date.getTime() / 1000));

/** OpenAI's Batch object for a drop-in batch. */
export async function presentOpenAiBatch(db: Kysely<DB>, batch: OpenaiBatchRow) {
  const figures = await itemFigures(db, batch.id);
  const status = OPENAI_STATUS_OF[batch.status];
  const ended = isTerminalBatch(batch.status);
  const inProgressAt = OPENAI_STATUS_OF[batch.status] === 'validating' ? null : await firstWorkUnitAt(db, batch.id);
  // Finalizing starts when the last item has finished; a cancelled or expired batch never finalizes.
  const finalizingAt = ['completing', 'completed', 'failed'].includes(batch.status) ? (figures.lastFinishedAt ?? batch.finished_at ?? batch.updated_at) : null;
  const endedAt = (name: BatchStatus) => (batch.status === name ? seconds(batch.finished_at) : null);
  const metadata = batch.metadata as Record<string, string>;
  return {
    id: batch.id,
    object: 'batch' as const,
    endpoint: batch.endpoint,
    model: batch.model,
    errors: null,
    input_file_id: batch.input_file_id,
    completion_window: batch.completion_window,
    status,
    output_file_id: ended && hasLines(figures, OUTPUT_ITEM_STATUSES) ? batch.output_file_id : null,
    error_file_id: ended && hasLines(figures, ERROR_ITEM_STATUSES) ? batch.error_file_id : null,
    created_at: seconds(batch.created_at) ?? 0,
    in_progress_at: seconds(inProgressAt),
    expires_at: seconds(batch.sla_deadline),
    finalizing_at: seconds(finalizingAt),
    completed_at: endedAt('completed'),
    failed_at: endedAt('failed'),
    expired_at: endedAt('expired'),
    cancelling_at: endedAt('cancelled'),
    cancelled_at: endedAt('cancelled'),
    request_counts: { total: batch.item_count, completed: figures.counts.succeeded ?? 0, failed: figures.counts.failed ?? 0 },
    usage: {
      input_tokens: figures.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: figures.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: figures.inputTokens + figures.outputTokens,
    },
    metadata: Object.keys(metadata).length === 0 ? null : metadata,
  };
}

export type OpenAiBatchObject = Awaited<ReturnType<typeof presentOpenAiBatch>>;
