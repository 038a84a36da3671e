/**
 * Batch and item states as data: the statuses, which are terminal, and the one transition table
 * every status change is checked against.
 */
import type { BatchStatus, ItemStatus } from '../db/schema.ts';

export const TERMINAL_BATCH_STATUSES: readonly BatchStatus[] = Object.freeze(['completed', 'failed', 'cancelled', 'expired']);
export const TERMINAL_ITEM_STATUSES: readonly ItemStatus[] = Object.freeze(['succeeded', 'failed', 'cancelled', 'expired']);

/** From each status, where a batch may go next. Any open batch may be cancelled or expire. */
export const BATCH_TRANSITIONS: Readonly<Record<BatchStatus, readonly BatchStatus[]>> = Object.freeze({
  pending: ['queued', 'cancelled', 'expired'],
  queued: ['routing', 'cancelled', 'expired'],
  routing: ['dispatched', 'cancelled', 'expired'],
  dispatched: ['processing', 'completing', 'cancelled', 'expired'],
  processing: ['completing', 'cancelled', 'expired'],
  completing: ['completed', 'failed', 'cancelled', 'expired'],
  completed: [],
  failed: [],
  cancelled: [],
  expired: [],
});

export function isTerminalBatch(status: BatchStatus): boolean {
  return TERMINAL_BATCH_STATUSES.includes(status);
}

/** The statuses a batch may be in for it to move to `to`: what a guarded UPDATE checks. */
export function statusesBefore(to: BatchStatus): BatchStatus[] {
  return (Object.keys(BATCH_TRANSITIONS) as BatchStatus[]).filter((from) => BATCH_TRANSITIONS[from].includes(to));
}
