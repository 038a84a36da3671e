/** Anthropic's Messages API as a sync lane: one translated request per call, through the lane's gate. */
import type Anthropic from '@anthropic-ai/sdk';
import type { CatalogLane } from '../../domain/catalog.ts';
import type { LaneGate } from '../gate.ts';
import { callProvider, ProviderCallError } from '../provider-calls.ts';
import type { LaneRequest, LaneResult, SyncLane } from '../types.ts';
import { resultOfMessage } from './results.ts';
import { toMessagesParams } from './translate.ts';

/** Tries per request inside one call (the item-level retry comes on top). */
const ATTEMPTS = 4;

export function makeAnthropicSyncLane(lane: CatalogLane, client: Anthropic, gate: LaneGate, defaultMaxTokens: (model: string) => number): SyncLane {
  return {
    mode: 'sync',
    id: lane.id,
    async call(request: LaneRequest, signal?: AbortSignal): Promise<LaneResult> {
      const translated = toMessagesParams(request, defaultMaxTokens(request.model));
      if ('error' in translated) return { customId: request.customId, status: 'failed', error: translated.error, raw: null };
      try {
        const message = await callProvider({ gate, tokens: request.estimatedTokens, attempts: ATTEMPTS, ...(signal ? { signal } : {}) }, (callSignal) =>
          client.messages.create({ ...translated.params, stream: false }, callSignal ? { signal: callSignal } : {}),
        );
        return resultOfMessage(request.customId, message);
      } catch (thrown) {
        if (!(thrown instanceof ProviderCallError)) throw thrown;
        return { customId: request.customId, status: 'failed', error: thrown.failure.error, raw: thrown.failure.raw };
      }
    },
  };
}
