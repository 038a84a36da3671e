/**
 * The OpenAI Batch API as a batch lane: the requests go up as a JSONL file (purpose "batch"), a
 * batch is created on the unit's endpoint with a 24 h window, polled, and its output and error
 * files are read back line by line and joined to the items by custom_id (their order is not the
 * input's). Expired and cancelled batches keep what finished; the rest comes back as retryable.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { toFile } from 'openai';
import type { CatalogLane } from '../../domain/catalog.ts';
import type { LaneGate } from '../gate.ts';
import { callProvider, laneErrorOfStatus } from '../provider-calls.ts';
import type { BatchJobState, BatchJobStatus, BatchLane, JobKey, LaneRequest, LaneResult } from '../types.ts';
import { ENDPOINTS, operationOfBatchUrl } from './endpoints.ts';
import { resultOfAnswer } from './results.ts';
import { isRecord } from '../../domain/records.ts';

/** Tries of each control call (upload, create, retrieve, cancel, download). */
const ATTEMPTS = 4;

const STATUS: Record<OpenAI.Batches.Batch['status'], BatchJobStatus> = {
  validating: 'in_progress',
  in_progress: 'in_progress',
  finalizing: 'in_progress',
  cancelling: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

/** The batch metadata key that carries the job's key (the work unit's id). */
const JOB_KEY_METADATA = 'batchrouter_work_unit';
/** An earlier batch under the same key in one of these states is of no use: a new one is created. */
const UNUSABLE_STATUSES: ReadonlySet<OpenAI.Batches.Batch['status']> = new Set(['failed', 'expired', 'cancelling', 'cancelled']);
/** How far the provider's clock may be behind ours, when looking back for a batch made under a key. */
const CLOCK_SKEW_MS = 5 * 60_000;

type Json = Record<string, unknown>;

/** One line of an output or error file, as a lane result. */
function resultOfLine(line: Json, operation: NonNullable<ReturnType<typeof operationOfBatchUrl>>): LaneResult | null {
  const customId = line['custom_id'];
  if (typeof customId !== 'string') return null;
  const error = isRecord(line['error']) ? line['error'] : null;
  if (error) {
    const code = typeof error['code'] === 'string' ? error['code'] : 'batch_error';
    const message = typeof error['message'] === 'string' ? error['message'] : code;
    // batch_expired: the window closed before this request ran; it may run elsewhere or later.
    return { customId, status: 'failed', error: { code: code === 'batch_expired' ? 'expired' : code, message, retryable: true }, raw: line };
  }
  const response = isRecord(line['response']) ? line['response'] : null;
  const status = typeof response?.['status_code'] === 'number' ? response['status_code'] : 0;
  if (status === 200) return resultOfAnswer(customId, operation, response?.['body']);
  const body = response?.['body'];
  const detail = isRecord(body) && isRecord(body['error']) && typeof body['error']['message'] === 'string' ? body['error']['message'] : `the provider answered ${status}`;
  return { customId, status: 'failed', error: laneErrorOfStatus(status, detail), raw: body ?? line };
}

export function makeOpenAIBatchLane(lane: CatalogLane, client: OpenAI, gate: LaneGate): BatchLane {
  const call = <T>(fn: (signal: AbortSignal | undefined) => Promise<T>) => callProvider({ gate, tokens: 0, attempts: ATTEMPTS }, fn);

  /**
   * A batch this lane already created under the job's key and that is still of use (a worker
   * stopped between creating it and storing its id): batches are listed newest first, back to
   * when the key's unit was made.
   */
  async function batchCreatedFor(job: JobKey): Promise<string | null> {
    const oldest = Math.floor((job.since.getTime() - CLOCK_SKEW_MS) / 1000);
    let page = await call((signal) => client.batches.list({ limit: 100 }, { signal }));
    for (;;) {
      for (const batch of page.data) {
        if (batch.created_at < oldest) return null;
        if (batch.metadata?.[JOB_KEY_METADATA] === job.key && !UNUSABLE_STATUSES.has(batch.status)) return batch.id;
      }
      if (!page.hasNextPage()) return null;
      const current = page;
      page = await call(() => current.getNextPage());
    }
  }

  async function readLines(fileId: string, operation: NonNullable<ReturnType<typeof operationOfBatchUrl>>, into: LaneResult[]): Promise<void> {
    const response = await call((signal) => client.files.content(fileId, { signal }));
    if (!response.body) return;
    const lines = createInterface({ input: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const text of lines) {
      if (text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue;
      }
      const result = isRecord(parsed) ? resultOfLine(parsed, operation) : null;
      if (result) into.push(result);
    }
  }

  return {
    mode: 'batch',
    id: lane.id,
    async submit(requests: LaneRequest[], job: JobKey) {
      const first = requests[0];
      if (!first) throw new Error('a provider batch needs at least one request');
      const earlier = await batchCreatedFor(job);
      if (earlier !== null) return { jobId: earlier, refused: [] };
      const endpoint = ENDPOINTS[first.operation].batchUrl;
      const jsonl = requests.map((request) => JSON.stringify({ custom_id: request.customId, method: 'POST', url: endpoint, body: request.body })).join('\n');
      const file = await call(async (signal) => client.files.create({ file: await toFile(Buffer.from(`${jsonl}\n`), 'batchrouter-requests.jsonl', { type: 'application/jsonl' }), purpose: 'batch' }, { signal }));
      const batch = await call((signal) =>
        client.batches.create({ input_file_id: file.id, endpoint, completion_window: '24h', metadata: { created_by: 'batchrouter', lane: lane.id, [JOB_KEY_METADATA]: job.key } }, { signal }),
      );
      return { jobId: batch.id, refused: [] };
    },
    async poll(jobId: string): Promise<BatchJobState> {
      const batch = await call((signal) => client.batches.retrieve(jobId, { signal }));
      const counts = batch.request_counts;
      return { status: STATUS[batch.status], completed: counts?.completed ?? 0, failed: counts?.failed ?? 0, total: counts?.total ?? 0 };
    },
    async fetchResults(jobId: string) {
      const batch = await call((signal) => client.batches.retrieve(jobId, { signal }));
      const operation = operationOfBatchUrl(batch.endpoint);
      const results: LaneResult[] = [];
      if (operation === null) return results;
      for (const fileId of [batch.output_file_id, batch.error_file_id]) if (fileId) await readLines(fileId, operation, results);
      return results;
    },
    async cancel(jobId: string) {
      const batch = await call((signal) => client.batches.retrieve(jobId, { signal }));
      if (STATUS[batch.status] === 'in_progress' && batch.status !== 'cancelling') await call((signal) => client.batches.cancel(jobId, { signal }));
    },
  };
}
