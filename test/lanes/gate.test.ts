/** A lane's gate: concurrency, request and token budgets per minute, pauses, and aborts while waiting. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LaneLimits } from '../../src/domain/catalog.ts';
import { makeLaneGate } from '../../src/lanes/gate.ts';

const limits = (overrides: Partial<LaneLimits>): LaneLimits => ({ concurrency: 1_000, requests_per_minute: null, tokens_per_minute: null, timeout_seconds: 60, ...overrides });

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] }));
afterEach(() => vi.useRealTimers());

/** Starts `count` calls that finish at once and counts how many have started. */
function startCalls(gate: ReturnType<typeof makeLaneGate>, count: number, tokens = 0) {
  const started: number[] = [];
  const done = Array.from({ length: count }, (_, i) =>
    gate.run(tokens, async () => {
      started.push(i);
    }),
  );
  return { started, done };
}

describe('the lane gate', () => {
  it('keeps at most `concurrency` calls in flight, first come first served', async () => {
    const gate = makeLaneGate(limits({ concurrency: 3 }));
    let inFlight = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const calls = Array.from({ length: 10 }, (_, i) =>
      gate.run(0, async () => {
        order.push(i);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise<void>((resolve) => releases.push(resolve));
        inFlight--;
      }),
    );
    for (let released = 0; released < 10; released++) {
      await vi.advanceTimersByTimeAsync(0);
      releases.shift()?.();
    }
    await Promise.all(calls);
    expect(most).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('spends the requests-per-minute budget, then starts one call per refill', async () => {
    const gate = makeLaneGate(limits({ requests_per_minute: 60 }));
    const { started, done } = startCalls(gate, 63);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(60);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveLength(61);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(started).toHaveLength(63);
    await Promise.all(done);
  });

  it('holds a call back until the tokens-per-minute budget has room for it', async () => {
    const gate = makeLaneGate(limits({ tokens_per_minute: 1_000 }));
    const { started, done } = startCalls(gate, 3, 400);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(2);
    // 200 tokens left; 200 more come back in 12 s.
    await vi.advanceTimersByTimeAsync(11_000);
    expect(started).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveLength(3);
    await Promise.all(done);
  });

  it('lets a call larger than the whole budget through once the budget is full, instead of never', async () => {
    const gate = makeLaneGate(limits({ tokens_per_minute: 1_000 }));
    const { started, done } = startCalls(gate, 2, 5_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started).toHaveLength(2);
    await Promise.all(done);
  });

  it('pauses every waiting call when told to (a provider\'s Retry-After)', async () => {
    const gate = makeLaneGate(limits({}));
    gate.pause(5_000);
    const { started, done } = startCalls(gate, 4);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(started).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toHaveLength(4);
    await Promise.all(done);
  });

  it('drops a waiting call whose signal aborts, and lets the others run', async () => {
    const gate = makeLaneGate(limits({ concurrency: 1 }));
    let release = () => {};
    const first = gate.run(0, () => new Promise<void>((resolve) => (release = resolve)));
    const abort = new AbortController();
    const dropped = gate.run(0, async () => 'ran', abort.signal);
    const third = gate.run(0, async () => 'third');
    abort.abort(new Error('cancelled'));
    await expect(dropped).rejects.toThrow('cancelled');
    release();
    await first;
    await expect(third).resolves.toBe('third');
  });
});
