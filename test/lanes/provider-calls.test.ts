/** Provider failures classified the same for both official clients, and the shared retry rules. */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LANE_LIMITS } from '../../src/domain/catalog-loader.ts';
import { makeLaneGate } from '../../src/lanes/gate.ts';
import { callProvider, classifyFailure, ProviderCallError, retryAfterMs } from '../../src/lanes/provider-calls.ts';

describe('retry-after', () => {
  it('reads retry-after-ms, retry-after in seconds, and retry-after as a date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1_500);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 21 Oct 2026 07:28:05 GMT' }), Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(5_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(undefined)).toBeNull();
  });
});

describe('classifyFailure', () => {
  it.each([
    ['OpenAI 429', new OpenAI.RateLimitError(429, { message: 'slow down' }, 'slow down', new Headers({ 'retry-after': '3' })), 'rate_limited', true, 3_000],
    ['OpenAI 500', new OpenAI.InternalServerError(500, undefined, 'boom', new Headers()), 'server_error', true, null],
    ['OpenAI 400', new OpenAI.BadRequestError(400, { message: 'bad' }, 'bad', new Headers()), 'invalid_request', false, null],
    ['OpenAI 401', new OpenAI.AuthenticationError(401, undefined, 'no key', new Headers()), 'provider_auth', false, null],
    ['OpenAI timeout', new OpenAI.APIConnectionTimeoutError(), 'timeout', true, null],
    ['OpenAI connection', new OpenAI.APIConnectionError({ message: 'refused' }), 'provider_unreachable', true, null],
    ['Anthropic 529', new Anthropic.InternalServerError(529, { type: 'error', error: { type: 'overloaded_error', message: 'busy' } }, 'busy', new Headers()), 'overloaded', true, null],
    ['Anthropic 404', new Anthropic.NotFoundError(404, undefined, 'no model', new Headers()), 'not_found', false, null],
  ])('%s', (_name, thrown, code, retryable, wait) => {
    const failure = classifyFailure(thrown);
    expect(failure.error).toMatchObject({ code, retryable });
    expect(failure.retryAfterMs).toBe(wait);
  });
});

describe('callProvider', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] }));
  afterEach(() => vi.useRealTimers());

  it('retries transient failures with backoff, and returns the first success', async () => {
    let tries = 0;
    const result = callProvider({ gate: makeLaneGate(DEFAULT_LANE_LIMITS), tokens: 0, attempts: 4 }, async () => {
      tries++;
      if (tries < 3) throw new OpenAI.InternalServerError(503, undefined, 'unavailable', new Headers());
      return 'answer';
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toBe('answer');
    expect(tries).toBe(3);
  });

  it('gives up at once on a final failure', async () => {
    let tries = 0;
    const result = callProvider({ gate: makeLaneGate(DEFAULT_LANE_LIMITS), tokens: 0, attempts: 4 }, async () => {
      tries++;
      throw new OpenAI.BadRequestError(400, { message: 'bad' }, 'bad', new Headers());
    });
    await expect(result).rejects.toBeInstanceOf(ProviderCallError);
    expect(tries).toBe(1);
  });

  it('waits out a Retry-After on the whole lane: another call waits too', async () => {
    const gate = makeLaneGate(DEFAULT_LANE_LIMITS);
    let refused = false;
    const first = callProvider({ gate, tokens: 0, attempts: 2 }, async () => {
      if (!refused) {
        refused = true;
        throw new OpenAI.RateLimitError(429, undefined, 'slow down', new Headers({ 'retry-after': '4' }));
      }
      return 'first';
    });
    await vi.advanceTimersByTimeAsync(0);
    let secondRan = false;
    const second = callProvider({ gate, tokens: 0, attempts: 1 }, async () => {
      secondRan = true;
      return 'second';
    });
    await vi.advanceTimersByTimeAsync(3_900);
    expect(secondRan).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
  });

  it('stops after the last attempt with the classified failure', async () => {
    const result = callProvider({ gate: makeLaneGate(DEFAULT_LANE_LIMITS), tokens: 0, attempts: 2 }, async () => {
      throw new OpenAI.APIConnectionError({ message: 'refused' });
    });
    const settled = result.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2_000);
    const error = await settled;
    expect(error).toBeInstanceOf(ProviderCallError);
    expect((error as ProviderCallError).failure.error).toMatchObject({ code: 'provider_unreachable', retryable: true });
  });
});
