/**
 * Run-time control of the emulator: faults to inject and timings to change while a test runs.
 *
 * EmulatorControl, the object tests hold:
 * - `latencyMs`: delay added to every sync call (responses, chat completions, embeddings).
 * - `maxConcurrent` / `inFlight`: the most sync calls seen in flight at once, and how many now;
 *   `resetMaxConcurrent()` starts the count again.
 * - `rateLimitNext(count, retryAfterSeconds = 1)`: the next `count` sync calls get 429
 *   `rate_limit_exceeded` with `retry-after` and `x-ratelimit-*` headers.
 * - `serverErrorNext(count, status = 500)`: the next `count` sync calls get that 5xx.
 * - `failItems(rule | null)`: `rule({ customId, endpoint, body })` may return
 *   `{ status_code, error }` to fail that call: a sync call answers with it, a batch line lands in
 *   the error file with it (`customId` is null for sync calls; `status_code` is 4xx or 5xx).
 *   `null` removes the rule.
 * - `timeline`: batch durations in ms, read at every step so changes apply to running batches:
 *   `validatingMs`, `inProgressMs` (spread evenly over the lines), `finalizingMs`,
 *   `cancellingMs`, and `completionWindowMs` (when a batch expires on its own; 24 h).
 * - `stallBatches(on)`: while on, batches stay `in_progress` and process nothing.
 * - `expireBatch(id)`: the batch expires now, with what it had done so far.
 */
import type { ModelEndpoint } from './endpoint.ts';

export interface ItemFailure {
  status_code: number;
  error: { message: string; type?: string; param?: string | null; code?: string | null };
}

export interface ItemFailureQuery {
  /** The batch line's `custom_id`, or null for a sync call. */
  customId: string | null;
  endpoint: ModelEndpoint;
  body: Record<string, unknown>;
}

export type ItemFailureRule = (item: ItemFailureQuery) => ItemFailure | null | undefined;

export interface BatchTimeline {
  validatingMs: number;
  inProgressMs: number;
  finalizingMs: number;
  cancellingMs: number;
  completionWindowMs: number;
}

export interface EmulatorControl {
  latencyMs: number;
  readonly timeline: BatchTimeline;
  readonly maxConcurrent: number;
  readonly inFlight: number;
  resetMaxConcurrent(): void;
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  serverErrorNext(count: number, status?: number): void;
  failItems(rule: ItemFailureRule | null): void;
  stallBatches(on: boolean): void;
  expireBatch(id: string): void;
}

/** The emulator's side of the faults: what sync calls and batch lines consult. */
export interface FaultState {
  latencyMs: number;
  timeline: BatchTimeline;
  rateLimitsLeft: number;
  retryAfterSeconds: number;
  serverErrorsLeft: number;
  serverErrorStatus: number;
  itemRule: ItemFailureRule | null;
  inFlight: number;
  maxConcurrent: number;
}

export const DEFAULT_TIMELINE: BatchTimeline = {
  validatingMs: 10,
  inProgressMs: 40,
  finalizingMs: 10,
  cancellingMs: 10,
  completionWindowMs: 24 * 3600 * 1000,
};

export function makeFaultState(timeline: Partial<BatchTimeline> = {}, latencyMs = 0): FaultState {
  return {
    latencyMs,
    timeline: { ...DEFAULT_TIMELINE, ...timeline },
    rateLimitsLeft: 0,
    retryAfterSeconds: 1,
    serverErrorsLeft: 0,
    serverErrorStatus: 500,
    itemRule: null,
    inFlight: 0,
    maxConcurrent: 0,
  };
}

/** What the control needs from the batch runner. */
export interface BatchHooks {
  setStalled(on: boolean): void;
  expire(id: string): void;
}

export function makeControl(state: FaultState, batches: BatchHooks): EmulatorControl {
  return {
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(value: number) {
      state.latencyMs = value;
    },
    get timeline() {
      return state.timeline;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    get inFlight() {
      return state.inFlight;
    },
    resetMaxConcurrent() {
      state.maxConcurrent = state.inFlight;
    },
    rateLimitNext(count, retryAfterSeconds = 1) {
      state.rateLimitsLeft = count;
      state.retryAfterSeconds = retryAfterSeconds;
    },
    serverErrorNext(count, status = 500) {
      if (status < 500 || status > 599) throw new RangeError(`serverErrorNext wants a 5xx status, got ${status}`);
      state.serverErrorsLeft = count;
      state.serverErrorStatus = status;
    },
    failItems(rule) {
      state.itemRule = rule;
    },
    stallBatches: (on) => batches.setStalled(on),
    expireBatch: (id) => batches.expire(id),
  };
}
