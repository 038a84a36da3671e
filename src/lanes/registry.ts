/**
 * The running lanes: one Lane per enabled catalog lane, built by its provider's factory.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Catalog, CatalogLane } from '../domain/catalog.ts';
import type { DB } from '../db/schema.ts';
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

/** Builds every enabled lane; a lane whose provider has no implementation here is an error at start-up. */
export function makeRuntimeLanes(catalog: Catalog, lanes: readonly CatalogLane[], config: Config, deps: { db: Kysely<DB>; clock: Clock }): Map<string, Lane> {
  const kindOf = new Map(catalog.providers.map((provider) => [provider.id, provider.kind]));
  const sandbox = sandboxOptionsOf(config);
  const running = new Map<string, Lane>();
  for (const lane of lanes) {
    const kind = kindOf.get(lane.provider);
    if (kind !== 'sandbox') throw new Error(`lane ${lane.id}: provider kind ${kind ?? 'unknown'} has no implementation in this version`);
    running.set(lane.id, makeSandboxLane(lane, sandbox, deps));
  }
  return running;
}
