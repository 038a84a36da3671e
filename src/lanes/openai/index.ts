/**
 * The OpenAI provider, and OpenAI-compatible endpoints: a client per lane (the official `openai`
 * package, its own retries off: the lane's gate and retry rules apply instead), batch or sync.
 */
import OpenAI from 'openai';
import type { CatalogLane, ProviderKind } from '../../domain/catalog.ts';
import type { ProviderAccess } from '../credentials.ts';
import { makeLaneGate } from '../gate.ts';
import type { Lane } from '../types.ts';
import { makeOpenAIBatchLane } from './batch.ts';
import { makeOpenAISyncLane } from './sync.ts';

/** What an OpenAI-compatible server without keys is sent as a key (the client requires one). */
const NO_KEY = 'not-needed';

export function makeOpenAILane(lane: CatalogLane, kind: Extract<ProviderKind, 'openai' | 'openai_compatible'>, access: ProviderAccess): Lane {
  if (kind === 'openai_compatible' && lane.mode === 'batch') throw new Error(`lane ${lane.id}: OpenAI-compatible endpoints are served as sync lanes only`);
  const client = new OpenAI({
    apiKey: access.apiKey ?? NO_KEY,
    ...(access.baseURL !== null ? { baseURL: access.baseURL } : {}),
    maxRetries: 0,
    timeout: lane.limits.timeout_seconds * 1000,
  });
  const gate = makeLaneGate(lane.limits);
  return lane.mode === 'batch' ? makeOpenAIBatchLane(lane, client, gate) : makeOpenAISyncLane(lane, client, gate);
}
