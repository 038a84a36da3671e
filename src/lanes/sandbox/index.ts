/**
 * The sandbox provider: a deterministic simulated provider for the test environment and demos,
 * with configurable latency, transient and permanent failure rates, in batch and sync mode.
 * Same seed, lane and request: same result, latency and finish order, in every process.
 */
import type { CatalogLane } from '../../domain/catalog.ts';
import type { Lane } from '../types.ts';
import { makeSandboxBatchLane } from './batch.ts';
import type { SandboxDependencies, SandboxOptions } from './options.ts';
import { makeSandboxSyncLane } from './sync.ts';

export { makeSandboxBatchLane, type SandboxBatchLane } from './batch.ts';
export { checkSandboxOptions, countTextTokens, type SandboxDependencies, type SandboxOptions, type TokenCounter } from './options.ts';
export { makeSandboxSyncLane } from './sync.ts';

/**
 * The sandbox lane for a catalog lane, batch or sync by `lane.mode`.
 * @example
 * const lane = makeSandboxLane(catalogLane, {
 *   seed: 'demo', latencyMs: { medianMs: 300, p99Ms: 2_000 }, batchTurnaroundMs: 60_000,
 *   transientFailureRate: 0.02, permanentFailureRate: 0.001,
 * }, { db: database.db, clock });
 */
export function makeSandboxLane(lane: CatalogLane, options: SandboxOptions, deps: SandboxDependencies): Lane {
  return lane.mode === 'batch' ? makeSandboxBatchLane(lane, options, deps) : makeSandboxSyncLane(lane, options, deps);
}
