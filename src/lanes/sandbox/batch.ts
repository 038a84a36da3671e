/**
 * The sandbox in batch mode. A job's results are computed when it is submitted and stored in
 * `sandbox_jobs`; the job is in progress until its ready time (by the injected clock) and then
 * completed. Requests finish in a deterministic shuffled order spread evenly over the turnaround,
 * so polls show progress and a cancelled job keeps the results finished before the cancel.
 * Nothing lives in memory: any process can poll, fetch or cancel any job.
 */
import { randomBytes } from 'node:crypto';
import { cancelSandboxJob, findSandboxJobProgress, findSandboxJobResults, insertSandboxJob } from '../../db/queries/sandbox-jobs.ts';
import type { CatalogLane, Operation } from '../../domain/catalog.ts';
import { base62 } from '../../ids.ts';
import type { BatchJobStatus, BatchLane, LaneRequest, LaneResult } from '../types.ts';
import { checkSandboxOptions, countTextTokens, type SandboxDependencies, type SandboxOptions } from './options.ts';
import { makeSimulator } from './simulator.ts';

const SUCCEEDED = 's';
const FAILED = 'f';
const FAILED_CODE = FAILED.charCodeAt(0);

// The endpoint each line of an OpenAI batch input file names; the byte limit is measured on those lines.
const BATCH_URLS: Record<Operation, string> = {
  responses: '/v1/responses',
  'chat.completions': '/v1/chat/completions',
  embeddings: '/v1/embeddings',
};

/** Refuses what the provider would refuse: an empty job, too many items or bytes, mixed endpoints, repeated ids. */
function checkJob(lane: CatalogLane, requests: readonly LaneRequest[]): void {
  const refuse = (why: string) => new Error(`sandbox lane ${lane.id} refused the batch job: ${why}`);
  const first = requests[0];
  if (first === undefined) throw refuse('it has no requests');
  if (requests.length > lane.max_items_per_job) {
    throw refuse(`${requests.length} requests exceed the limit of ${lane.max_items_per_job} per job`);
  }
  const customIds = new Set<string>();
  let bytes = 0;
  for (const request of requests) {
    if (request.operation !== first.operation) throw refuse(`it mixes ${first.operation} and ${request.operation} (one endpoint per job)`);
    if (customIds.has(request.customId)) throw refuse(`custom id ${request.customId} appears twice`);
    customIds.add(request.customId);
    const line = { custom_id: request.customId, method: 'POST', url: BATCH_URLS[request.operation], body: request.body };
    bytes += Buffer.byteLength(JSON.stringify(line)) + 1;
  }
  if (bytes > lane.max_bytes_per_job) throw refuse(`its input file would be ${bytes} bytes, above the limit of ${lane.max_bytes_per_job}`);
}

interface JobTiming {
  created_at: Date;
  ready_at: Date;
  cancelled_at: Date | null;
}

function statusAt(job: JobTiming, now: Date): BatchJobStatus {
  if (job.cancelled_at !== null) return 'cancelled';
  return now >= job.ready_at ? 'completed' : 'in_progress';
}

/** How many of `total` results are finished at `now`, or were when the job was cancelled. */
function finishedCount(job: JobTiming, total: number, now: Date): number {
  const until = job.cancelled_at ?? now;
  if (until >= job.ready_at) return total;
  const fraction = (until.getTime() - job.created_at.getTime()) / (job.ready_at.getTime() - job.created_at.getTime());
  return Math.max(0, Math.min(total, Math.floor(total * fraction)));
}

/**
 * A batch lane on the sandbox provider.
 * @example
 * const lane = makeSandboxBatchLane(catalogLane, options, { db: database.db, clock });
 * const { jobId } = await lane.submit(requests);
 */
/** A sandbox job always has an id: the sandbox takes every request. */
export type SandboxBatchLane = Omit<BatchLane, 'submit'> & { submit(requests: LaneRequest[]): Promise<{ jobId: string; refused: LaneResult[] }> };

export function makeSandboxBatchLane(lane: CatalogLane, options: SandboxOptions, deps: SandboxDependencies): SandboxBatchLane {
  checkSandboxOptions(options);
  const simulator = makeSimulator(lane, options, deps.tokenCounter ?? countTextTokens);
  const { db, clock } = deps;
  const notFound = (jobId: string) => new Error(`sandbox lane ${lane.id} has no batch job ${jobId}`);

  return {
    mode: 'batch',
    id: lane.id,

    async submit(requests: LaneRequest[]) {
      checkJob(lane, requests);
      const results = requests
        .map((request) => {
          const hash = simulator.hashOf(request);
          return { finishOrder: simulator.finishOrder(hash), result: simulator.resultOf(request, hash) };
        })
        .sort((a, b) => a.finishOrder - b.finishOrder)
        .map(({ result }) => result);
      const now = clock.now();
      const jobId = `sbx_batch_${base62(randomBytes(16), 22)}`;
      await insertSandboxJob(db, {
        id: jobId,
        lane_id: lane.id,
        created_at: now,
        ready_at: new Date(now.getTime() + options.batchTurnaroundMs),
        cancelled_at: null,
        outcomes: results.map((result) => (result.status === 'succeeded' ? SUCCEEDED : FAILED)).join(''),
        results: JSON.stringify(results),
      });
      return { jobId, refused: [] };
    },

    async poll(jobId) {
      const job = await findSandboxJobProgress(db, lane.id, jobId);
      if (job === undefined) throw notFound(jobId);
      const now = clock.now();
      const total = job.outcomes.length;
      const finished = finishedCount(job, total, now);
      let failed = 0;
      for (let i = 0; i < finished; i++) if (job.outcomes.charCodeAt(i) === FAILED_CODE) failed++;
      return { status: statusAt(job, now), completed: finished - failed, failed, total };
    },

    async fetchResults(jobId) {
      const job = await findSandboxJobResults(db, lane.id, jobId);
      if (job === undefined) throw notFound(jobId);
      const now = clock.now();
      // Like OpenAI and Anthropic, a job still running has no results file yet.
      if (statusAt(job, now) === 'in_progress') return [];
      return job.results.slice(0, finishedCount(job, job.results.length, now));
    },

    async cancel(jobId) {
      if (await cancelSandboxJob(db, lane.id, jobId, clock.now())) return;
      // Nothing changed: the job had already finished or been cancelled (cancelling is idempotent), or does not exist.
      if ((await findSandboxJobProgress(db, lane.id, jobId)) === undefined) throw notFound(jobId);
    },
  };
}
