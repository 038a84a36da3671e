/**
 * The one interface every provider lane implements, batch or sync.
 *
 * Glossary: a *lane* is one way to run a model (provider, mode, region, prices); a *work unit* is
 * the items sent to one lane together (one provider batch job, or one stream of sync calls); a
 * *request* is one item as the provider sees it; a *result* is what came back for one request,
 * normalised whatever the provider.
 */
import type { Operation } from '../domain/catalog.ts';

/** One item, ready for a provider: `body` is the provider request body for `operation`, `model` included. */
export interface LaneRequest {
  /** The router's id for this attempt of this item; results are joined back by it (order is not guaranteed). */
  customId: string;
  operation: Operation;
  model: string;
  body: Record<string, unknown>;
  /** Input tokens plus the most output the request may produce: what it counts against a lane's token budget. */
  estimatedTokens: number;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
}

export interface LaneError {
  /** Stable code, e.g. `rate_limited`, `server_error`, `invalid_request`, `content_filter`, `expired`. */
  code: string;
  message: string;
  /** True when trying again (here or elsewhere) may succeed. */
  retryable: boolean;
}

/** One request's outcome, the same shape for every lane. */
export type LaneResult =
  | {
      customId: string;
      status: 'succeeded';
      /** The text of the answer (responses, chat), or null for embeddings. */
      outputText: string | null;
      /** The embedding vectors, for embeddings; else null. */
      embeddings: number[][] | null;
      usage: TokenUsage;
      /** The provider's own response body, kept for the result row. */
      raw: unknown;
    }
  | { customId: string; status: 'failed'; error: LaneError; raw: unknown };

/** Where a provider batch job stands. */
export type BatchJobStatus = 'in_progress' | 'completed' | 'failed' | 'expired' | 'cancelled';

export interface BatchJobState {
  status: BatchJobStatus;
  /** Counts the provider reports, when it does. */
  completed: number;
  failed: number;
  total: number;
}

/** What names a provider job across retries of the worker job that creates it. */
export interface JobKey {
  key: string;
  /** No job under the key can be older than this (the work unit's creation). */
  since: Date;
}

/** A lane backed by a provider batch API: submit a job, poll it, fetch its results, cancel it. */
export interface BatchLane {
  mode: 'batch';
  id: string;
  /**
   * Sends the requests as one provider job. Requests the provider cannot take at all (no
   * translation for them) come back at once in `refused`, final; `jobId` is null when none was sent.
   * `job.key` names the job (the work unit's id): where the provider lets jobs carry it, a job
   * already created under it since `job.since` (by a worker that stopped before storing the job's
   * id) is taken instead of creating a second one.
   */
  submit(requests: LaneRequest[], job: JobKey): Promise<{ jobId: string | null; refused: LaneResult[] }>;
  poll(jobId: string): Promise<BatchJobState>;
  /** Results so far: all of them once completed; partial ones for expired, failed or cancelled jobs. */
  fetchResults(jobId: string): Promise<LaneResult[]>;
  cancel(jobId: string): Promise<void>;
}

/** A lane backed by a synchronous API: one call per request. */
export interface SyncLane {
  mode: 'sync';
  id: string;
  call(request: LaneRequest, signal?: AbortSignal): Promise<LaneResult>;
}

export type Lane = BatchLane | SyncLane;
