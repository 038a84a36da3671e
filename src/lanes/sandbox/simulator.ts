/**
 * The simulated provider behind both sandbox modes: what each request gets back, how long a sync
 * call takes, and when a batch job finishes each request. All of it is a pure function of the
 * seed, the lane and the request, so every process agrees and every run repeats.
 */
import type { CatalogLane } from '../../domain/catalog.ts';
import type { LaneRequest, LaneResult } from '../types.ts';
import { DRAW, hashText, logNormalMs, unitDraw } from './draws.ts';
import { readRequest } from './inputs.ts';
import type { SandboxOptions, TokenCounter } from './options.ts';
import { failedResult, succeededResult } from './outputs.ts';

export interface Simulator {
  /**
   * The hash every draw for `request` derives from: seed, lane, custom id and body. The body is in
   * it because custom ids are only unique within a work unit (`<item index>.<attempt>`): without
   * it, item 0 of every batch would share one fate.
   */
  hashOf(request: LaneRequest): number;
  /** What the provider answers to `request`. */
  resultOf(request: LaneRequest, hash: number): LaneResult;
  /** How long a sync call takes. */
  latencyMs(hash: number): number;
  /** Where in a batch job the request finishes, in [0, 1): lower finishes earlier. */
  finishOrder(hash: number): number;
}

export function makeSimulator(lane: CatalogLane, options: SandboxOptions, countTokens: TokenCounter): Simulator {
  // The seed and the lane are hashed once; a request only hashes its own id and body on top.
  const laneHash = hashText(lane.id, hashText(options.seed));
  const models: ReadonlySet<string> = new Set(lane.models);
  const { permanentFailureRate, transientFailureRate } = options;
  const { medianMs, p99Ms } = options.latencyMs;

  return {
    hashOf(request) {
      return hashText(JSON.stringify(request.body), hashText(request.customId, laneHash));
    },
    resultOf(request, hash) {
      const { customId, operation, model } = request;
      if (!models.has(model)) return failedResult(customId, 'invalid_request', `The model ${model} is not served by sandbox lane ${lane.id}.`, 'model');
      const read = readRequest(operation, request.body);
      if (!read.ok) return failedResult(customId, 'invalid_request', read.problem.message, read.problem.param);
      const failure = unitDraw(hash, DRAW.failure);
      if (failure < permanentFailureRate) {
        return failedResult(customId, 'invalid_request', 'The sandbox refused this request (simulated permanent failure).');
      }
      if (failure < permanentFailureRate + transientFailureRate) {
        return unitDraw(hash, DRAW.transientKind) < 0.5
          ? failedResult(customId, 'rate_limited', 'The sandbox is rate limiting this request (simulated transient failure).')
          : failedResult(customId, 'server_error', 'The sandbox had a server error (simulated transient failure).');
      }
      return succeededResult(customId, operation, model, read.text, hash, countTokens);
    },
    latencyMs(hash) {
      return medianMs === 0 ? 0 : logNormalMs(hash, medianMs, p99Ms);
    },
    finishOrder(hash) {
      return unitDraw(hash, DRAW.finishOrder);
    },
  };
}
