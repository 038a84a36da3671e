/**
 * Run-time behaviour changes for tests: injected 429 / 529 / 500 answers, latency, the in-flight
 * high-water mark, and the rate-limit headers those answers carry.
 */
import type { AnthropicErrorType } from './errors.ts';

/** Which requests an injected fault may hit: `messages` is `POST /v1/messages` only. */
export type FaultScope = 'all' | 'messages' | 'batches';

export interface InjectedFault {
  type: Extract<AnthropicErrorType, 'rate_limit_error' | 'overloaded_error' | 'api_error'>;
  /** Seconds for `retry-after`; only rate limits carry one. */
  retryAfterSeconds: number | null;
}

interface QueuedFault extends InjectedFault {
  remaining: number;
  scope: FaultScope;
}

/** Demo limits reported in `anthropic-ratelimit-*` headers. */
const REQUESTS_PER_MINUTE = 1000;
const TOKENS_PER_MINUTE = 100_000;

function inScope(scope: FaultScope, method: string, path: string): boolean {
  if (scope === 'all') return true;
  if (scope === 'messages') return method === 'POST' && path === '/v1/messages';
  return path.startsWith('/v1/messages/batches');
}

function rfc3339(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The `anthropic-ratelimit-*` family (requests, tokens, input-tokens, output-tokens; each with
 * -limit, -remaining and an RFC 3339 -reset), exhausted on a 429.
 */
export function rateLimitHeaders(now: number, exhausted: boolean, resetInSeconds: number): Record<string, string> {
  const reset = rfc3339(now + Math.max(1, resetInSeconds) * 1000);
  const headers: Record<string, string> = {};
  const families: Array<[string, number]> = [
    ['requests', REQUESTS_PER_MINUTE],
    ['tokens', TOKENS_PER_MINUTE],
    ['input-tokens', TOKENS_PER_MINUTE],
    ['output-tokens', TOKENS_PER_MINUTE / 5],
  ];
  for (const [family, limit] of families) {
    headers[`anthropic-ratelimit-${family}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${family}-remaining`] = exhausted && family === 'requests' ? '0' : String(limit - 1);
    headers[`anthropic-ratelimit-${family}-reset`] = reset;
  }
  return headers;
}

/** Mutable fault state shared by the routes and the control surface. */
export class FaultState {
  latencyMs = 0;
  inFlight = 0;
  maxConcurrent = 0;
  readonly #queue: QueuedFault[] = [];

  enqueue(fault: InjectedFault, count: number, scope: FaultScope): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
    if (count > 0) this.#queue.push({ ...fault, remaining: count, scope });
  }

  /** The fault for this request, if one is queued for it (queued faults are used in order). */
  take(method: string, path: string): InjectedFault | null {
    const index = this.#queue.findIndex((fault) => inScope(fault.scope, method, path));
    const fault = this.#queue[index];
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#queue.splice(index, 1);
    return { type: fault.type, retryAfterSeconds: fault.retryAfterSeconds };
  }

  /** Counts a `POST /v1/messages` in flight; the returned function marks it done. */
  enter(): () => void {
    this.inFlight += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight -= 1;
    };
  }

  clear(): void {
    this.#queue.length = 0;
    this.latencyMs = 0;
    this.maxConcurrent = this.inFlight;
  }
}
