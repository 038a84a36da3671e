/**
 * The sandbox in sync mode: each call waits its request's deterministic latency, then answers.
 * At zero latency a call touches no timer, so benchmarks measure the router, not the sandbox.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CatalogLane } from '../../domain/catalog.ts';
import type { SyncLane } from '../types.ts';
import { checkSandboxOptions, countTextTokens, type SandboxDependencies, type SandboxOptions } from './options.ts';
import { makeSimulator } from './simulator.ts';

/**
 * A sync lane on the sandbox provider. An aborted call rejects with an `AbortError`.
 * @example
 * const lane = makeSandboxSyncLane(catalogLane, options);
 * const result = await lane.call(request, AbortSignal.timeout(30_000));
 */
export function makeSandboxSyncLane(lane: CatalogLane, options: SandboxOptions, deps: Pick<SandboxDependencies, 'tokenCounter'> = {}): SyncLane {
  checkSandboxOptions(options);
  const simulator = makeSimulator(lane, options, deps.tokenCounter ?? countTextTokens);

  return {
    mode: 'sync',
    id: lane.id,

    async call(request, signal) {
      const hash = simulator.hashOf(request);
      const latencyMs = simulator.latencyMs(hash);
      // The timer rejects with an AbortError on abort, including a signal aborted before the call.
      if (latencyMs > 0) await sleep(latencyMs, undefined, signal ? { signal } : undefined);
      else if (signal?.aborted) throw new DOMException('The sandbox call was aborted.', 'AbortError');
      return simulator.resultOf(request, hash);
    },
  };
}
