/**
 * One provider call through a lane's gate, with the retry rules every lane shares:
 * - retried: connection failures, timeouts, 408, 409, 429 and 5xx (529 included), at most
 *   `attempts` tries in all, after 0.5 s, 1 s, 2 s… (±25 % jitter, at most 30 s);
 * - a `retry-after-ms` or `retry-after` header (seconds or a date) replaces the backoff and pauses
 *   the whole lane for that long, since the provider refuses the key, not the one request;
 * - anything else (400, 401, 403, 404, 413, 422…) is final at once.
 * The official clients run with their own retries off, so these rules are the only ones.
 */
import type { LaneError } from './types.ts';
import type { LaneGate } from './gate.ts';

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A Retry-After longer than this is not waited out in the call: the item goes back to the queue. */
const MAX_RETRY_AFTER_MS = 60_000;

/** A failed provider call, classified. */
export interface ProviderFailure {
  error: LaneError;
  /** How long the provider asked to wait, when it said. */
  retryAfterMs: number | null;
  /** The provider's error body, when there was one. */
  raw: unknown;
}

const RETRYABLE_STATUSES = new Set([408, 409, 429]);

/** The lane error of an HTTP status a provider answered with. */
export function laneErrorOfStatus(status: number, message: string): LaneError {
  return { code: codeOfStatus(status), message, retryable: RETRYABLE_STATUSES.has(status) || status >= 500 };
}

function codeOfStatus(status: number): string {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'provider_auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 413) return 'request_too_large';
  if (status === 529) return 'overloaded';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

/** Milliseconds from `retry-after-ms` or `retry-after` (seconds, or an HTTP date), or null. */
export function retryAfterMs(headers: Headers | undefined, nowMs: number = Date.now()): number | null {
  const milliseconds = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.get('retry-after');
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Classifies what an official client threw (both share the APIError shape: status, headers, error). */
export function classifyFailure(thrown: unknown): ProviderFailure {
  const fields = typeof thrown === 'object' && thrown !== null ? (thrown as { status?: unknown; headers?: unknown; error?: unknown; name?: unknown }) : {};
  const status = typeof fields.status === 'number' ? fields.status : undefined;
  const headers = fields.headers instanceof Headers ? fields.headers : undefined;
  if (status === undefined) {
    // The clients' timeout errors, and AbortSignal.timeout's; the class name is the one both clients share.
    const kind = typeof thrown === 'object' && thrown !== null ? thrown.constructor.name : '';
    const timedOut = kind === 'APIConnectionTimeoutError' || fields.name === 'APIConnectionTimeoutError' || fields.name === 'TimeoutError';
    return { error: { code: timedOut ? 'timeout' : 'provider_unreachable', message: messageOf(thrown), retryable: true }, retryAfterMs: null, raw: null };
  }
  return { error: laneErrorOfStatus(status, messageOf(thrown)), retryAfterMs: retryAfterMs(headers), raw: fields.error ?? null };
}

/** Thrown by `callProvider` when the last try failed: the classified failure. */
export class ProviderCallError extends Error {
  override name = 'ProviderCallError';
  readonly failure: ProviderFailure;

  constructor(failure: ProviderFailure) {
    super(failure.error.message);
    this.failure = failure;
  }
}

function backoffMs(attempt: number): number {
  const base = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface CallOptions {
  gate: LaneGate;
  /** Tokens the call may use (input and the most output), for the lane's token budget. */
  tokens: number;
  /** Tries in all (1: no retry). */
  attempts: number;
  signal?: AbortSignal;
}

/** Runs `call` through the gate with the retry rules above; throws ProviderCallError when it gives up. */
export async function callProvider<T>(options: CallOptions, call: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.gate.run(options.tokens, () => call(options.signal), options.signal);
    } catch (thrown) {
      if (options.signal?.aborted) throw thrown;
      const failure = classifyFailure(thrown);
      const wait = failure.retryAfterMs;
      if (wait !== null && wait > 0) options.gate.pause(Math.min(wait, MAX_RETRY_AFTER_MS));
      if (!failure.error.retryable || attempt >= options.attempts || (wait !== null && wait > MAX_RETRY_AFTER_MS)) throw new ProviderCallError(failure);
      // After a Retry-After the gate holds the call back; otherwise back off here.
      if (wait === null) await sleep(backoffMs(attempt), options.signal);
    }
  }
}
