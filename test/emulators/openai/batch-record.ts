/**
 * A batch as the emulator keeps it, and its wire form: the Batch object with every documented
 * field present (timestamps `null` until reached), in the order of OpenAI's reference example.
 */
import type { BatchError, BatchLine } from './batch-input.ts';
import type { ModelEndpoint } from './endpoint.ts';

/** The lifecycle, as data: which statuses are still running and which are final. */
export const BATCH_STATUSES = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<BatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

export interface BatchTimes {
  created_at: number;
  in_progress_at: number | null;
  expires_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
}

export interface BatchRecord {
  id: string;
  endpoint: ModelEndpoint;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  status: BatchStatus;
  model: string | null;
  errors: BatchError[] | null;
  outputFileId: string | null;
  errorFileId: string | null;
  times: BatchTimes;
  counts: { total: number; completed: number; failed: number };
  usage: { input: number; output: number };
  /** Lines not yet run, in the order they will run (deliberately not the file's order). */
  pending: BatchLine[];
  outputLines: string[];
  errorLines: string[];
}

export function renderBatch(batch: BatchRecord): Record<string, unknown> {
  const { times } = batch;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    model: batch.model,
    errors: batch.errors === null ? null : { object: 'list', data: batch.errors },
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status: batch.status,
    output_file_id: batch.outputFileId,
    error_file_id: batch.errorFileId,
    created_at: times.created_at,
    in_progress_at: times.in_progress_at,
    expires_at: times.expires_at,
    finalizing_at: times.finalizing_at,
    completed_at: times.completed_at,
    failed_at: times.failed_at,
    expired_at: times.expired_at,
    cancelling_at: times.cancelling_at,
    cancelled_at: times.cancelled_at,
    request_counts: { ...batch.counts },
    usage: {
      input_tokens: batch.usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: batch.usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: batch.usage.input + batch.usage.output,
    },
    metadata: batch.metadata,
  };
}
