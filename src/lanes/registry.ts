/**
 * The running lanes: one Lane per enabled catalog lane, built by its provider's factory.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Catalog, CatalogLane } from '../domain/catalog.ts';
import type { DB } from '../db/schema.ts';
import { makeAnthropicLane } from './anthropic/index.ts';
import { providerAccess } from './credentials.ts';
import { makeOpenAILane } from './openai/index.ts';
import { makeSandboxLane, type SandboxOptions } from './sandbox/index.ts';
import type { Lane } from './types.ts';

export function sandboxOptionsOf(config: Config): SandboxOptions {
  return {
    seed: config.sandboxSeed,
    latencyMs: { medianMs: config.sandboxLatencyMedianMs, p99Ms: config.sandboxLatencyP99Ms },
    batchTurnaroundMs: config.sandboxBatchSeconds * 1000,
    transientFailureRate: config.sandboxTransientFailureRate,
    permanentFailureRate: config.sandboxPermanentFailureRate,
  };
}

/** The output limit of an Anthropic request whose item and model set none (the API requires one). */
const ANTHROPIC_FALLBACK_MAX_TOKENS = 1_024;

/** Builds every enabled lane, by its provider's kind. */
export function makeRuntimeLanes(catalog: Catalog, lanes: readonly CatalogLane[], config: Config, deps: { db: Kysely<DB>; clock: Clock }): Map<string, Lane> {
  const providers = new Map(catalog.providers.map((provider) => [provider.id, provider]));
  const sandbox = sandboxOptionsOf(config);
  const models = new Map(catalog.models.map((model) => [model.id, model]));
  const defaultMaxTokens = (model: string) => models.get(model)?.default_max_output_tokens || ANTHROPIC_FALLBACK_MAX_TOKENS;
  const running = new Map<string, Lane>();
  for (const lane of lanes) {
    const provider = providers.get(lane.provider);
    if (!provider) throw new Error(`lane ${lane.id}: unknown provider ${lane.provider}`);
    switch (provider.kind) {
      case 'sandbox':
        running.set(lane.id, makeSandboxLane(lane, sandbox, deps));
        break;
      case 'openai':
      case 'openai_compatible':
        running.set(lane.id, makeOpenAILane(lane, provider.kind, providerAccess(provider, config)));
        break;
      case 'anthropic':
        running.set(lane.id, makeAnthropicLane(lane, providerAccess(provider, config), defaultMaxTokens));
        break;
    }
  }
  return running;
}
