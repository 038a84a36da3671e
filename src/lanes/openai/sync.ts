/**
 * OpenAI's synchronous endpoints (and any OpenAI-compatible server: vLLM, Ollama, Together,
 * Groq…) as a sync lane: one POST per request through the lane's gate, the body passed as the
 * customer wrote it (model set by the router), the answer normalised like a batch line.
 */
import type OpenAI from 'openai';
import type { CatalogLane } from '../../domain/catalog.ts';
import type { LaneGate } from '../gate.ts';
import { callProvider, ProviderCallError } from '../provider-calls.ts';
import type { LaneRequest, LaneResult, SyncLane } from '../types.ts';
import { ENDPOINTS } from './endpoints.ts';
import { resultOfAnswer } from './results.ts';

/** Tries per request inside one call (the item-level retry comes on top). */
const ATTEMPTS = 4;

export function makeOpenAISyncLane(lane: CatalogLane, client: OpenAI, gate: LaneGate): SyncLane {
  return {
    mode: 'sync',
    id: lane.id,
    async call(request: LaneRequest, signal?: AbortSignal): Promise<LaneResult> {
      try {
        const body = await callProvider({ gate, tokens: request.estimatedTokens, attempts: ATTEMPTS, ...(signal ? { signal } : {}) }, (callSignal) =>
          client.post<unknown>(ENDPOINTS[request.operation].path, { body: request.body, ...(callSignal ? { signal: callSignal } : {}) }),
        );
        return resultOfAnswer(request.customId, request.operation, body);
      } catch (thrown) {
        if (!(thrown instanceof ProviderCallError)) throw thrown;
        return { customId: request.customId, status: 'failed', error: thrown.failure.error, raw: thrown.failure.raw };
      }
    },
  };
}
