/**
 * A lane's traffic gate: at most `concurrency` provider calls in flight, request and token budgets
 * per minute (buckets that refill continuously, so not even a burst at start-up exceeds a minute's
 * budget), and a pause of the whole lane when the provider says to wait (429 with Retry-After):
 * every caller then waits, not only the one that was refused. First come, first served.
 * @example
 * const gate = makeLaneGate({ concurrency: 8, requests_per_minute: 500, tokens_per_minute: 200_000, timeout_seconds: 60 });
 * const answer = await gate.run(1_200, () => client.responses.create(body));
 */
import type { LaneLimits } from '../domain/catalog.ts';

export interface LaneGate {
  /** Runs `call` once the lane has room for one more request of about `tokens` tokens. */
  run<T>(tokens: number, call: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Holds every call that has not started back for `ms` milliseconds. */
  pause(ms: number): void;
}

interface Bucket {
  capacity: number;
  perMs: number;
  level: number;
}

interface Waiter {
  tokens: number;
  start: () => void;
}

const MINUTE_MS = 60_000;

function bucket(perMinute: number | null): Bucket | null {
  return perMinute === null ? null : { capacity: perMinute, perMs: perMinute / MINUTE_MS, level: perMinute };
}

/** Milliseconds until `bucket` holds `amount`, 0 when it already does. */
function waitFor(bucket: Bucket | null, amount: number): number {
  if (bucket === null || bucket.level >= amount) return 0;
  return Math.ceil((amount - bucket.level) / bucket.perMs);
}

export function makeLaneGate(limits: LaneLimits, now: () => number = () => performance.now()): LaneGate {
  const requests = bucket(limits.requests_per_minute);
  const tokens = bucket(limits.tokens_per_minute);
  const queue: Waiter[] = [];
  let inFlight = 0;
  let pausedUntil = 0;
  let refilledAt = now();
  let timer: NodeJS.Timeout | null = null;

  const refill = () => {
    const at = now();
    for (const b of [requests, tokens]) if (b !== null) b.level = Math.min(b.capacity, b.level + (at - refilledAt) * b.perMs);
    refilledAt = at;
  };

  // Starts waiters from the head of the queue while the lane has room; otherwise sets one timer
  // for when the head can go (a finishing call wakes the queue too).
  const pump = () => {
    refill();
    while (queue.length > 0 && inFlight < limits.concurrency) {
      const head = queue[0] as Waiter;
      const wanted = tokens === null ? 0 : Math.min(head.tokens, tokens.capacity);
      const wait = Math.max(pausedUntil - now(), waitFor(requests, 1), waitFor(tokens, wanted));
      if (wait > 0) {
        if (timer === null) {
          timer = setTimeout(() => {
            timer = null;
            pump();
          }, wait);
          timer.unref();
        }
        return;
      }
      queue.shift();
      if (requests !== null) requests.level -= 1;
      if (tokens !== null) tokens.level -= wanted;
      inFlight++;
      head.start();
    }
  };

  return {
    run<T>(amount: number, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          tokens: Math.max(0, amount),
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            call()
              .then(resolve, reject)
              .finally(() => {
                inFlight--;
                pump();
              });
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        pump();
      });
    },
    pause(ms: number): void {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      pump();
    },
  };
}
