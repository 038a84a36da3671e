/**
 * EmulatorControl: what a test may change while the emulator runs. Every method takes effect on
 * the next request (or the next batch tick) and `reset()` puts everything back.
 *
 * @example
 * emulator.control.rateLimitNext(2, 0.2);      // next 2 requests: 429 with retry-after: 0.2
 * emulator.control.failItems((item) => item.custom_id.startsWith('bad') ? 'invalid_request_error' : null);
 */
import type { BatchStore, ItemFailureRule } from './batches.ts';
import type { FaultScope, FaultState } from './faults.ts';

export interface EmulatorControl {
  /** Delay (ms) before each `POST /v1/messages` answers; injected faults answer at once. */
  setLatency(ms: number): void;
  /**
   * The next `count` requests (in `scope`, default all) get 429 `rate_limit_error` with
   * `retry-after: retryAfterSeconds` (default 1; fractions allowed, the real API sends whole
   * seconds) and exhausted `anthropic-ratelimit-*` headers.
   */
  rateLimitNext(count: number, retryAfterSeconds?: number, scope?: FaultScope): void;
  /** The next `count` requests get 529 `overloaded_error`. */
  overloadedNext(count: number, scope?: FaultScope): void;
  /** The next `count` requests get 500 `api_error`. */
  serverErrorNext(count: number, scope?: FaultScope): void;
  /** Batch requests for which `rule` returns an error type become `errored` results of that type; null stops it. */
  failItems(rule: ItemFailureRule | null): void;
  /** Time (ms) the batch engine spends on each request of a batch. */
  setBatchItemMs(ms: number): void;
  /** While on, batches stay `in_progress` and process nothing (cancel and expiry still work). */
  stallBatches(on: boolean): void;
  /** Ends a batch now as expiry would: unprocessed requests become `expired`. */
  expireBatch(id: string): void;
  /** Requests of a batch processed so far (the API itself only reveals this once the batch ends). */
  processedCount(id: string): number;
  /** Highest number of `POST /v1/messages` requests in flight at once since start or reset. */
  maxConcurrent(): number;
  /** Drops queued faults and the failure rule, zero latency, un-stalls batches. */
  reset(): void;
}

function milliseconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number of milliseconds >= 0, got ${value}`);
  return value;
}

export function makeControl(faults: FaultState, batches: BatchStore): EmulatorControl {
  return {
    setLatency(ms) {
      faults.latencyMs = milliseconds('latency', ms);
    },
    rateLimitNext(count, retryAfterSeconds = 1, scope = 'all') {
      faults.enqueue({ type: 'rate_limit_error', retryAfterSeconds }, count, scope);
    },
    overloadedNext(count, scope = 'all') {
      faults.enqueue({ type: 'overloaded_error', retryAfterSeconds: null }, count, scope);
    },
    serverErrorNext(count, scope = 'all') {
      faults.enqueue({ type: 'api_error', retryAfterSeconds: null }, count, scope);
    },
    failItems(rule) {
      batches.failureRule = rule;
    },
    setBatchItemMs(ms) {
      batches.timing.itemMs = milliseconds('batch item time', ms);
    },
    stallBatches(on) {
      batches.stalled = on;
    },
    expireBatch(id) {
      batches.expire(id);
    },
    processedCount(id) {
      return batches.processedCount(id);
    },
    maxConcurrent() {
      return faults.maxConcurrent;
    },
    reset() {
      faults.clear();
      batches.failureRule = null;
      batches.stalled = false;
    },
  };
}
