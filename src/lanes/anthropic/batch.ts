/**
 * Anthropic Message Batches as a batch lane: each request translated to Messages parameters (the
 * untranslatable ones are refused at once, final, and not sent), one batch created, polled by
 * `processing_status`, its results streamed and joined by custom_id. Canceled and expired
 * requests come back as retryable failures, so they can run again, here or elsewhere.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { CatalogLane } from '../../domain/catalog.ts';
import type { LaneGate } from '../gate.ts';
import { callProvider } from '../provider-calls.ts';
import type { BatchJobState, BatchLane, LaneRequest, LaneResult } from '../types.ts';
import { laneErrorOfBody, resultOfMessage } from './results.ts';
import { toMessagesParams } from './translate.ts';

/** Tries of each control call (create, retrieve, cancel, results). */
const ATTEMPTS = 4;

export function makeAnthropicBatchLane(lane: CatalogLane, client: Anthropic, gate: LaneGate, defaultMaxTokens: (model: string) => number): BatchLane {
  const call = <T>(fn: (signal: AbortSignal | undefined) => Promise<T>) => callProvider({ gate, tokens: 0, attempts: ATTEMPTS }, fn);

  return {
    mode: 'batch',
    id: lane.id,
    async submit(requests: LaneRequest[]) {
      const sendable: Anthropic.Messages.Batches.BatchCreateParams.Request[] = [];
      const refused: LaneResult[] = [];
      for (const request of requests) {
        const translated = toMessagesParams(request, defaultMaxTokens(request.model));
        if ('error' in translated) refused.push({ customId: request.customId, status: 'failed', error: translated.error, raw: null });
        else sendable.push({ custom_id: request.customId, params: translated.params });
      }
      if (sendable.length === 0) return { jobId: null, refused };
      const batch = await call((signal) => client.messages.batches.create({ requests: sendable }, { signal }));
      return { jobId: batch.id, refused };
    },
    async poll(jobId: string): Promise<BatchJobState> {
      const batch = await call((signal) => client.messages.batches.retrieve(jobId, {}, { signal }));
      const counts = batch.request_counts;
      const total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
      const failed = counts.errored + counts.canceled + counts.expired;
      if (batch.processing_status !== 'ended') return { status: 'in_progress', completed: counts.succeeded, failed, total };
      const status = batch.cancel_initiated_at !== null ? 'cancelled' : counts.expired > 0 ? 'expired' : 'completed';
      return { status, completed: counts.succeeded, failed, total };
    },
    async fetchResults(jobId: string) {
      const results: LaneResult[] = [];
      const lines = await call((signal) => client.messages.batches.results(jobId, {}, { signal }));
      for await (const line of lines) {
        const result = line.result;
        if (result.type === 'succeeded') results.push(resultOfMessage(line.custom_id, result.message));
        else if (result.type === 'errored') results.push({ customId: line.custom_id, status: 'failed', error: laneErrorOfBody(result.error), raw: result.error });
        else results.push({ customId: line.custom_id, status: 'failed', error: { code: result.type === 'expired' ? 'expired' : 'cancelled', message: `the request was ${result.type} before it ran`, retryable: true }, raw: line });
      }
      return results;
    },
    async cancel(jobId: string) {
      const batch = await call((signal) => client.messages.batches.retrieve(jobId, {}, { signal }));
      if (batch.processing_status === 'in_progress') await call((signal) => client.messages.batches.cancel(jobId, {}, { signal }));
    },
  };
}
