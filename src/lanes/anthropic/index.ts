/**
 * The Anthropic provider: a client per lane (the official `@anthropic-ai/sdk`, its own retries
 * off: the lane's gate and retry rules apply instead), Message Batches or Messages.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { CatalogLane } from '../../domain/catalog.ts';
import type { ProviderAccess } from '../credentials.ts';
import { makeLaneGate } from '../gate.ts';
import type { Lane } from '../types.ts';
import { makeAnthropicBatchLane } from './batch.ts';
import { makeAnthropicSyncLane } from './sync.ts';

/** `defaultMaxTokens(model)`: the output limit an item that sets none runs with (Anthropic requires one). */
export function makeAnthropicLane(lane: CatalogLane, access: ProviderAccess, defaultMaxTokens: (model: string) => number): Lane {
  const client = new Anthropic({
    apiKey: access.apiKey,
    ...(access.baseURL !== null ? { baseURL: access.baseURL } : {}),
    maxRetries: 0,
    timeout: lane.limits.timeout_seconds * 1000,
  });
  const gate = makeLaneGate(lane.limits);
  return lane.mode === 'batch' ? makeAnthropicBatchLane(lane, client, gate, defaultMaxTokens) : makeAnthropicSyncLane(lane, client, gate, defaultMaxTokens);
}
