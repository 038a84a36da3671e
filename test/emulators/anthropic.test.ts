/** The Anthropic emulator, driven through the unmodified official client over real HTTP. */
import Anthropic, {
  AuthenticationError,
  BadRequestError,
  ContentTooLargeError,
  InternalServerError,
  NotFoundError,
  OverloadedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicEmulator, type AnthropicEmulator } from './anthropic/index.ts';

const MODEL = 'claude-haiku-4-5';

let emulator: AnthropicEmulator;

function client(options: { maxRetries?: number; apiKey?: string } = {}): Anthropic {
  return new Anthropic({ baseURL: emulator.baseURL, apiKey: options.apiKey ?? emulator.apiKey, maxRetries: options.maxRetries ?? 0 });
}

function ask(text: string, extra: Partial<MessageCreateParamsNonStreaming> = {}): MessageCreateParamsNonStreaming {
  return { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: text }], ...extra };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function untilEnded(anthropic: Anthropic, id: string): Promise<MessageBatch> {
  let batch = await anthropic.messages.batches.retrieve(id);
  await waitFor(async () => {
    batch = await anthropic.messages.batches.retrieve(id);
    return batch.processing_status === 'ended';
  });
  return batch;
}

async function resultsById(anthropic: Anthropic, id: string): Promise<{ order: string[]; byId: Map<string, MessageBatchIndividualResponse> }> {
  const order: string[] = [];
  const byId = new Map<string, MessageBatchIndividualResponse>();
  for await (const line of await anthropic.messages.batches.results(id)) {
    order.push(line.custom_id);
    byId.set(line.custom_id, line);
  }
  return { order, byId };
}

function batchRequests(count: number, prefix = 'item'): Array<{ custom_id: string; params: MessageCreateParamsNonStreaming }> {
  return Array.from({ length: count }, (_, index) => ({ custom_id: `${prefix}-${index}`, params: ask(`question number ${index}`) }));
}

beforeAll(async () => {
  emulator = await startAnthropicEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.control.reset();
  emulator.control.setBatchItemMs(5);
});

describe('Messages', () => {
  it('answers with a Message that echoes the last user turn, honouring the system prompt and earlier turns', async () => {
    const { data: message, response, request_id } = await client()
      .messages.create(
        ask('', {
          system: [{ type: 'text', text: 'You are terse.' }],
          messages: [
            { role: 'user', content: 'Hello there.' },
            { role: 'assistant', content: 'Hi! How can I help?' },
            { role: 'user', content: [{ type: 'text', text: 'Explain LLMs in plain English, please, in a few words at most.' }] },
          ],
        }),
      )
      .withResponse();
    expect(message.id).toMatch(/^msg_01[0-9A-Za-z]{22}$/);
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'end_turn', stop_sequence: null });
    const text = 'Echo: ' + 'Explain LLMs in plain English, please, in a few words at most.'.slice(0, 60);
    expect(message.content).toEqual([{ type: 'text', text, citations: null }]);
    const inputText = 'You are terse.' + 'Hello there.' + 'Hi! How can I help?' + 'Explain LLMs in plain English, please, in a few words at most.';
    expect(message.usage.input_tokens).toBe(Math.ceil(inputText.length / 4));
    expect(message.usage.output_tokens).toBe(Math.ceil(text.length / 4));
    expect(message.usage.service_tier).toBe('standard');
    expect(request_id).toMatch(/^req_01/);
    expect(response.headers.get('anthropic-ratelimit-requests-limit')).not.toBeNull();
    const recorded = emulator.requests.at(-1);
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/messages', status: 200, requestId: request_id });
    expect(recorded?.headers['anthropic-version']).toBe('2026-10-21');
    // @anthropic-ai/sdk 1.x sends its apiKey as a bearer token; x-api-key is accepted as well.
    expect(recorded?.headers['authorization']).toBe(`Bearer ${emulator.apiKey}`);
    expect(recorded?.body).toMatchObject({ model: MODEL, system: [{ type: 'text', text: 'You are terse.' }] });
  });

  it('cuts the answer at max_tokens and says so in stop_reason', async () => {
    const message = await client().messages.create(ask('a long question that will not fit', { max_tokens: 3 }));
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: a long', citations: null }]);
    expect(message.usage.output_tokens).toBe(3);
  });

  it('stops at a stop sequence', async () => {
    const message = await client().messages.create(ask('one, two; three', { stop_sequences: [';'] }));
    expect(message).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: ';' });
    expect(message.content).toEqual([{ type: 'text', text: 'Echo: one, two', citations: null }]);
  });

  it('refuses invalid requests with 400 invalid_request_error naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }, 'max_tokens: Field required'],
      [{ model: MODEL, max_tokens: -1, messages: [{ role: 'user', content: 'hi' }] }, 'max_tokens: Input should be greater than or equal to 0'],
      [{ model: MODEL, max_tokens: 10, messages: [] }, 'messages: at least one message is required'],
      [{ max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, 'model: Field required'],
      [{ model: MODEL, max_tokens: 10, messages: [{ role: 'robot', content: 'hi' }] }, "messages.0.role: Input should be 'user', 'assistant' or 'system'"],
      [{ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, 'messages: text content blocks must be non-empty'],
      [{ model: MODEL, max_tokens: 10, system: 42, messages: [{ role: 'user', content: 'hi' }] }, 'system: Input should be a valid string or a valid list'],
    ];
    for (const [body, message] of cases) {
      const error: unknown = await client()
        .messages.create(body as MessageCreateParamsNonStreaming)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BadRequestError);
      const apiError = error as BadRequestError;
      expect(apiError.type).toBe('invalid_request_error');
      expect(apiError.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: apiError.requestID });
    }
  });

  it('requires the anthropic-version header, as documented', async () => {
    const response = await fetch(`${emulator.baseURL}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': emulator.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(ask('hi')),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as unknown;
    expect(body).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
      request_id: response.headers.get('request-id'),
    });
  });

  it('refuses a wrong API key with 401 authentication_error, which the client does not retry', async () => {
    const before = emulator.requests.length;
    const error: unknown = await client({ apiKey: 'sk-ant-wrong', maxRetries: 2 })
      .messages.create(ask('hi'))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(emulator.requests.length - before).toBe(1);
    const byHeader = await fetch(`${emulator.baseURL}/v1/messages/batches`, { headers: { 'x-api-key': 'sk-ant-wrong', 'anthropic-version': '2023-06-01' } });
    expect(byHeader.status).toBe(401);
    expect(await byHeader.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    const good = await fetch(`${emulator.baseURL}/v1/messages/batches`, { headers: { 'x-api-key': emulator.apiKey, 'anthropic-version': '2023-06-01' } });
    expect(good.status).toBe(200);
  });

  it('holds each answer for the set latency and reports the highest concurrency seen', async () => {
    emulator.control.setLatency(150);
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, (_, index) => client().messages.create(ask(`parallel ${index}`))));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.control.maxConcurrent()).toBe(5);
  });
});

describe('injected faults and the client’s own retries', () => {
  it('429 carries retry-after and anthropic-ratelimit headers, and the client waits that long before retrying', async () => {
    emulator.control.rateLimitNext(1, 1.2, 'messages');
    const before = emulator.requests.length;
    const started = Date.now();
    const message = await client({ maxRetries: 2 }).messages.create(ask('after a rate limit'));
    // The SDK's own backoff for a first retry is at most 0.5 s, so 1.2 s shows retry-after was used.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1150);
    expect(message.type).toBe('message');
    const attempts = emulator.requests.slice(before);
    expect(attempts.map((attempt) => [attempt.status, attempt.headers['x-stainless-retry-count']])).toEqual([
      [429, '0'],
      [200, '1'],
    ]);
  });

  it('a 429 the client may not retry surfaces as RateLimitError with the documented headers', async () => {
    emulator.control.rateLimitNext(1, 7);
    const error: unknown = await client().messages.create(ask('hi')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    const rateLimit = error as RateLimitError;
    expect(rateLimit.type).toBe('rate_limit_error');
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(rateLimit.headers.get('anthropic-ratelimit-requests-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('529 overloaded_error is retried by the client and then succeeds', async () => {
    emulator.control.overloadedNext(1);
    const before = emulator.requests.length;
    const message = await client({ maxRetries: 1 }).messages.create(ask('after an overload'));
    expect(message.type).toBe('message');
    expect(emulator.requests.slice(before).map((attempt) => attempt.status)).toEqual([529, 200]);
  });

  it('529 and 500 surface as OverloadedError and InternalServerError without retries', async () => {
    emulator.control.overloadedNext(1);
    emulator.control.serverErrorNext(1);
    const overloaded: unknown = await client().messages.create(ask('hi')).catch((caught: unknown) => caught);
    expect(overloaded).toBeInstanceOf(OverloadedError);
    expect((overloaded as OverloadedError).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    const failed: unknown = await client().messages.batches.list().catch((caught: unknown) => caught);
    expect(failed).toBeInstanceOf(InternalServerError);
    expect((failed as InternalServerError).status).toBe(500);
    expect((failed as InternalServerError).type).toBe('api_error');
  });
});

describe('Message Batches', () => {
  it('processes a batch to the end; results stream as JSONL, joined by custom_id, not in input order', async () => {
    const anthropic = client();
    const requests = batchRequests(6);
    const created = await anthropic.messages.batches.create({ requests });
    expect(created).toMatchObject({
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 6, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      results_url: null,
      ended_at: null,
      cancel_initiated_at: null,
      archived_at: null,
    });
    expect(created.id).toMatch(/^msgbatch_01/);
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 60 * 60 * 1000);
    const ended = await untilEnded(anthropic, created.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 6, errored: 0, canceled: 0, expired: 0 });
    expect(ended.results_url).toBe(`${emulator.baseURL}/v1/messages/batches/${created.id}/results`);
    expect(ended.ended_at).not.toBeNull();
    const { order, byId } = await resultsById(anthropic, created.id);
    expect([...order].sort()).toEqual(requests.map((request) => request.custom_id).sort());
    expect(order).not.toEqual(requests.map((request) => request.custom_id));
    for (const request of requests) {
      const result = byId.get(request.custom_id)?.result;
      expect(result?.type).toBe('succeeded');
      if (result?.type !== 'succeeded') continue;
      expect(result.message.content).toEqual([{ type: 'text', text: `Echo: ${request.custom_id.replace('item-', 'question number ')}`, citations: null }]);
      expect(result.message.usage.service_tier).toBe('batch');
    }
    const download = emulator.requests.at(-1);
    expect(download).toMatchObject({ method: 'GET', path: `/v1/messages/batches/${created.id}/results`, status: 200 });
    const deleted = await anthropic.messages.batches.delete(created.id);
    expect(deleted).toEqual({ id: created.id, type: 'message_batch_deleted' });
    await expect(anthropic.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('turns invalid params and failItems matches into errored results without failing the batch', async () => {
    const anthropic = client();
    emulator.control.failItems((item) => (item.custom_id === 'overloaded-one' ? 'overloaded_error' : null));
    const created = await anthropic.messages.batches.create({
      requests: [
        { custom_id: 'fine', params: ask('fine') },
        { custom_id: 'no-max-tokens', params: { model: MODEL, messages: [{ role: 'user', content: 'hi' }] } as unknown as MessageCreateParamsNonStreaming },
        { custom_id: 'overloaded-one', params: ask('unlucky') },
      ],
    });
    const ended = await untilEnded(anthropic, created.id);
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 2, canceled: 0, expired: 0 });
    const { byId } = await resultsById(anthropic, created.id);
    expect(byId.get('fine')?.result.type).toBe('succeeded');
    expect(byId.get('no-max-tokens')?.result).toEqual({
      type: 'errored',
      error: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' }, request_id: null },
    });
    expect(byId.get('overloaded-one')?.result).toMatchObject({ type: 'errored', error: { type: 'error', error: { type: 'overloaded_error' } } });
  });

  it('refuses a malformed batch as a whole: bad or duplicate custom_id, no requests', async () => {
    const anthropic = client();
    const bad: Array<[unknown, string]> = [
      [{ requests: [] }, 'requests: List should have at least 1 item after validation, not 0'],
      [{ requests: [{ custom_id: 'has space', params: ask('x') }] }, "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"],
      [{ requests: [{ custom_id: 'x'.repeat(65), params: ask('x') }] }, "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"],
      [{ requests: [{ custom_id: 'same', params: ask('x') }, { custom_id: 'same', params: ask('y') }] }, "requests: custom_id values must be unique within a batch ('same' appears twice)"],
    ];
    for (const [body, message] of bad) {
      const error: unknown = await anthropic.messages.batches.create(body as Anthropic.Messages.BatchCreateParams).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).error).toMatchObject({ error: { type: 'invalid_request_error', message } });
    }
  });

  it('a cancel mid-run goes through canceling to ended; unprocessed requests are canceled', async () => {
    const anthropic = client();
    emulator.control.setBatchItemMs(40);
    const created = await anthropic.messages.batches.create({ requests: batchRequests(10, 'cancel') });
    await waitFor(() => emulator.control.processedCount(created.id) >= 2);
    const canceling = await anthropic.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect(canceling.request_counts.processing).toBe(10);
    const ended = await untilEnded(anthropic, created.id);
    const counts = ended.request_counts;
    expect(counts.succeeded).toBeGreaterThanOrEqual(2);
    expect(counts.canceled).toBeGreaterThanOrEqual(1);
    expect(counts.succeeded + counts.canceled).toBe(10);
    const { byId } = await resultsById(anthropic, created.id);
    expect(byId.size).toBe(10);
    expect([...byId.values()].filter((line) => line.result.type === 'canceled')).toHaveLength(counts.canceled);
    await expect(anthropic.messages.batches.cancel(created.id)).rejects.toBeInstanceOf(BadRequestError);
  });

  it('expiry ends a batch; what was not processed is expired', async () => {
    const anthropic = client();
    emulator.control.setBatchItemMs(30);
    const created = await anthropic.messages.batches.create({ requests: batchRequests(8, 'expiry') });
    await waitFor(() => emulator.control.processedCount(created.id) >= 2);
    emulator.control.stallBatches(true);
    const processed = emulator.control.processedCount(created.id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(emulator.control.processedCount(created.id)).toBe(processed);
    expect((await anthropic.messages.batches.retrieve(created.id)).processing_status).toBe('in_progress');
    emulator.control.expireBatch(created.id);
    const ended = await anthropic.messages.batches.retrieve(created.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: processed, errored: 0, canceled: 0, expired: 8 - processed });
    const { byId } = await resultsById(anthropic, created.id);
    expect([...byId.values()].filter((line) => line.result.type === 'expired')).toHaveLength(8 - processed);
  });

  it('has no results until the batch ends', async () => {
    const anthropic = client();
    emulator.control.stallBatches(true);
    const created = await anthropic.messages.batches.create({ requests: batchRequests(2, 'early') });
    await expect(anthropic.messages.batches.results(created.id)).rejects.toThrow(/results_url/);
    const response = await fetch(`${emulator.baseURL}/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': emulator.apiKey, 'anthropic-version': '2023-06-01' },
    });
    expect(response.status).toBe(400);
    await expect(anthropic.messages.batches.delete(created.id)).rejects.toBeInstanceOf(BadRequestError);
    await anthropic.messages.batches.cancel(created.id);
    await untilEnded(anthropic, created.id);
    const { byId } = await resultsById(anthropic, created.id);
    expect([...byId.values()].map((line) => line.result)).toEqual([{ type: 'canceled' }, { type: 'canceled' }]);
  });

  it('lists batches newest first and pages with after_id / before_id / has_more', async () => {
    const anthropic = client();
    emulator.control.stallBatches(true);
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push((await anthropic.messages.batches.create({ requests: batchRequests(1, `list${index}`) })).id);
    const newestFirst = [...ids].reverse();
    const first = await anthropic.messages.batches.list({ limit: 2 });
    expect(first.data.map((batch) => batch.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.has_more).toBe(true);
    expect([first.first_id, first.last_id]).toEqual([newestFirst[0], newestFirst[1]]);
    const second = await anthropic.messages.batches.list({ limit: 2, after_id: first.last_id ?? '' });
    expect(second.data[0]?.id).toBe(newestFirst[2]);
    const back = await anthropic.messages.batches.list({ limit: 1, before_id: newestFirst[1] ?? '' });
    expect(back.data.map((batch) => batch.id)).toEqual([newestFirst[0]]);
    expect(back.has_more).toBe(false);
    const seen: string[] = [];
    for await (const batch of anthropic.messages.batches.list({ limit: 1 })) seen.push(batch.id);
    expect(seen.slice(0, 3)).toEqual(newestFirst);
    await expect(anthropic.messages.batches.list({ limit: 1001 })).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe('start-up options', () => {
  it('enforces body size limits (413 request_too_large) and a known-model list (404 not_found_error)', async () => {
    const small = await startAnthropicEmulator({ maxMessageBytes: 2000, knownModels: [MODEL] });
    try {
      const anthropic = new Anthropic({ baseURL: small.baseURL, apiKey: small.apiKey, maxRetries: 0 });
      const tooLarge: unknown = await anthropic.messages.create(ask('x'.repeat(5000))).catch((caught: unknown) => caught);
      expect(tooLarge).toBeInstanceOf(ContentTooLargeError);
      expect((tooLarge as ContentTooLargeError).error).toMatchObject({ error: { type: 'request_too_large' } });
      const unknown: unknown = await anthropic.messages.create(ask('hi', { model: 'claude-nonexistent' })).catch((caught: unknown) => caught);
      expect(unknown).toBeInstanceOf(NotFoundError);
      expect((unknown as NotFoundError).error).toMatchObject({ error: { type: 'not_found_error', message: 'model: claude-nonexistent' } });
    } finally {
      await small.close();
    }
  });

  it('expires a batch on its own once batchExpiryMs has passed since creation', async () => {
    const shortLived = await startAnthropicEmulator({ batchExpiryMs: 150, batchItemMs: 1000 });
    try {
      const anthropic = new Anthropic({ baseURL: shortLived.baseURL, apiKey: shortLived.apiKey, maxRetries: 0 });
      const created = await anthropic.messages.batches.create({ requests: batchRequests(3, 'short') });
      expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(150);
      let batch = created;
      await waitFor(async () => {
        batch = await anthropic.messages.batches.retrieve(created.id);
        return batch.processing_status === 'ended';
      });
      expect(batch.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 3 });
    } finally {
      await shortLived.close();
    }
  });
});
