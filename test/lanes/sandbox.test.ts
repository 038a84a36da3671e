/** The sandbox provider: deterministic, honest about its failure rates, and crash-safe in batch mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer';
import { ManualClock } from '../../src/clock.ts';
import type { CatalogLane } from '../../src/domain/catalog.ts';
import { makeSandboxBatchLane, makeSandboxLane, makeSandboxSyncLane, type SandboxBatchLane, type SandboxOptions } from '../../src/lanes/sandbox/index.ts';
import { countTextTokens } from '../../src/lanes/sandbox/options.ts';
import { makeSimulator } from '../../src/lanes/sandbox/simulator.ts';
import type { LaneRequest, LaneResult, SyncLane } from '../../src/lanes/types.ts';
import { catalogLane as laneFixture } from '../helpers/catalog.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

const MODEL = 'gpt-5.4-mini';
const EMBEDDING_MODEL = 'text-embedding-3-small';

function catalogLane(overrides: Partial<CatalogLane> = {}): CatalogLane {
  return laneFixture({ id: 'sandbox-us-batch', provider: 'sandbox', models: [MODEL, EMBEDDING_MODEL], ...overrides });
}

const SYNC_LANE = catalogLane({ id: 'sandbox-us-sync', mode: 'sync' });

function sandboxOptions(overrides: Partial<SandboxOptions> = {}): SandboxOptions {
  return {
    seed: 'test-seed',
    latencyMs: { medianMs: 0, p99Ms: 0 },
    batchTurnaroundMs: 60_000,
    transientFailureRate: 0,
    permanentFailureRate: 0,
    ...overrides,
  };
}

function responsesRequest(customId: string, body: Record<string, unknown> = {}): LaneRequest {
  return { customId, estimatedTokens: 0, operation: 'responses', model: MODEL, body: { model: MODEL, input: [{ role: 'user', content: `Summarise item ${customId}.` }], ...body } };
}

function syncLane(overrides: Partial<SandboxOptions> = {}): SyncLane {
  return makeSandboxSyncLane(SYNC_LANE, sandboxOptions(overrides));
}

function succeeded(result: LaneResult): Extract<LaneResult, { status: 'succeeded' }> {
  if (result.status !== 'succeeded') throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result;
}

function failed(result: LaneResult): Extract<LaneResult, { status: 'failed' }> {
  if (result.status !== 'failed') throw new Error(`expected failure, got ${JSON.stringify(result)}`);
  return result;
}

describe('determinism', () => {
  it('answers the same request identically, on every call and every lane instance', async () => {
    const options = { transientFailureRate: 0.3, permanentFailureRate: 0.1 };
    const requests = Array.from({ length: 50 }, (_, i) => responsesRequest(`item-${i}-a1`));
    const first = await Promise.all(requests.map((request) => syncLane(options).call(request)));
    const lane = syncLane(options);
    const second = await Promise.all(requests.map((request) => lane.call(request)));
    expect(second).toEqual(first);
    expect(new Set(first.map((result) => result.status))).toEqual(new Set(['succeeded', 'failed']));
  });

  it('draws differently under another seed', async () => {
    const options = { transientFailureRate: 0.5 };
    const requests = Array.from({ length: 100 }, (_, i) => responsesRequest(`item-${i}-a1`));
    const statuses = async (seed: string) => {
      const lane = syncLane({ ...options, seed });
      return (await Promise.all(requests.map((request) => lane.call(request)))).map((result) => result.status);
    };
    expect(await statuses('seed-a')).not.toEqual(await statuses('seed-b'));
  });
});

describe('failures', () => {
  it('fail at the configured rates, transient ones retryable and permanent ones not', async () => {
    const lane = syncLane({ transientFailureRate: 0.1, permanentFailureRate: 0.05 });
    const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => lane.call(responsesRequest(`item-${i}-a1`))));
    const errors = results.filter((result) => result.status === 'failed').map((result) => result.error);
    const transient = errors.filter((error) => error.retryable);
    const permanent = errors.filter((error) => !error.retryable);
    expect(transient.length / 10_000).toBeGreaterThan(0.08);
    expect(transient.length / 10_000).toBeLessThan(0.12);
    expect(permanent.length / 10_000).toBeGreaterThan(0.035);
    expect(permanent.length / 10_000).toBeLessThan(0.065);
    expect(new Set(transient.map((error) => error.code))).toEqual(new Set(['rate_limited', 'server_error']));
    expect(new Set(permanent.map((error) => error.code))).toEqual(new Set(['invalid_request']));
  });

  it('clear up when the request is retried under a new custom id', async () => {
    const lane = syncLane({ transientFailureRate: 0.5 });
    let attemptsMade = 0;
    for (let item = 0; item < 200; item++) {
      let result: LaneResult | null = null;
      for (let attempt = 1; attempt <= 30 && result?.status !== 'succeeded'; attempt++) {
        result = await lane.call(responsesRequest(`item-${item}-a${attempt}`));
        attemptsMade++;
      }
      expect(result?.status).toBe('succeeded');
    }
    // Two attempts per item on average at a 50% failure rate.
    expect(attemptsMade / 200).toBeGreaterThan(1.6);
    expect(attemptsMade / 200).toBeLessThan(2.4);
  });

  it('draw independently for the same custom id with another body (custom ids repeat across work units)', async () => {
    const lane = syncLane({ transientFailureRate: 0.5 });
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => lane.call(responsesRequest('0.1', { input: `Document ${i}` })).then((result) => result.status)),
    );
    const failures = statuses.filter((status) => status === 'failed').length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(70);
  });

  it('carry an OpenAI-style error body', async () => {
    const lane = syncLane({ permanentFailureRate: 1 });
    const result = failed(await lane.call(responsesRequest('item-1-a1')));
    expect(result.error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect(result.raw).toEqual({ error: { message: result.error.message, type: 'invalid_request_error', param: null, code: null } });
  });

  it('refuse a body a provider would refuse, naming the field, whatever the failure rates', async () => {
    const lane = syncLane();
    const cases: Array<[LaneRequest, string]> = [
      [{ customId: 'a', estimatedTokens: 0, operation: 'responses', model: MODEL, body: { model: MODEL } }, 'input'],
      [{ customId: 'b', estimatedTokens: 0, operation: 'responses', model: MODEL, body: { model: MODEL, input: [{ role: 'user', content: 7 }] } }, 'input[0].content'],
      [{ customId: 'c', estimatedTokens: 0, operation: 'responses', model: MODEL, body: { model: MODEL, input: 'hi', max_output_tokens: 0 } }, 'max_output_tokens'],
      [{ customId: 'd', estimatedTokens: 0, operation: 'chat.completions', model: MODEL, body: { model: MODEL, messages: [] } }, 'messages'],
      [{ customId: 'e', estimatedTokens: 0, operation: 'chat.completions', model: MODEL, body: { model: MODEL, messages: [{ content: 'hi' }] } }, 'messages[0].role'],
      [{ customId: 'f', estimatedTokens: 0, operation: 'embeddings', model: EMBEDDING_MODEL, body: { model: EMBEDDING_MODEL, input: ['ok', ''] } }, 'input'],
      [{ customId: 'g', estimatedTokens: 0, operation: 'responses', model: 'gpt-unknown', body: { model: 'gpt-unknown', input: 'hi' } }, 'model'],
    ];
    for (const [request, param] of cases) {
      const result = failed(await lane.call(request));
      expect(result.error).toMatchObject({ code: 'invalid_request', retryable: false });
      expect(result.raw).toMatchObject({ error: { param, type: 'invalid_request_error' } });
    }
  });
});

describe('outputs', () => {
  it('responses: an OpenAI Responses object echoing the last user message, with real token counts', async () => {
    const input = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'input_text', text: 'What is the capital of France?' }] },
    ];
    const result = succeeded(await syncLane().call(responsesRequest('item-1-a1', { input })));
    expect(result.outputText).toBe(`[sandbox ${MODEL}] What is the capital of France?`);
    expect(result.embeddings).toBeNull();
    expect(result.usage).toEqual({
      input_tokens: countTokens('Be brief.') + countTokens('What is the capital of France?') + 2 * 4,
      output_tokens: countTokens(result.outputText ?? ''),
    });
    expect(result.raw).toMatchObject({
      object: 'response',
      status: 'completed',
      model: MODEL,
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: result.outputText }] }],
      usage: { ...result.usage, total_tokens: result.usage.input_tokens + result.usage.output_tokens },
    });
  });

  it('responses: a string input and instructions count as input', async () => {
    const result = succeeded(await syncLane().call(responsesRequest('item-1-a1', { input: 'Hello   there\nfriend', instructions: 'Answer in French.' })));
    expect(result.outputText).toBe(`[sandbox ${MODEL}] Hello there friend`);
    expect(result.usage.input_tokens).toBe(countTokens('Hello   there\nfriend') + countTokens('Answer in French.'));
  });

  it('chat.completions: a chat.completion object', async () => {
    const request: LaneRequest = {
      customId: 'item-1-a1',
      estimatedTokens: 0,
      operation: 'chat.completions',
      model: MODEL,
      body: { model: MODEL, messages: [{ role: 'user', content: 'Name three colours.' }, { role: 'assistant', content: null }, { role: 'user', content: [{ type: 'text', text: 'Just one.' }] }] },
    };
    const result = succeeded(await syncLane().call(request));
    expect(result.outputText).toBe(`[sandbox ${MODEL}] Just one.`);
    expect(result.raw).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: result.outputText }, finish_reason: 'stop' }],
      usage: { prompt_tokens: result.usage.input_tokens, completion_tokens: result.usage.output_tokens },
    });
  });

  it('embeddings: one small unit vector per input, the same for the same text', async () => {
    const lane = syncLane();
    const request = (customId: string, input: string | string[]): LaneRequest => ({ customId, estimatedTokens: 0, operation: 'embeddings', model: EMBEDDING_MODEL, body: { model: EMBEDDING_MODEL, input } });
    const result = succeeded(await lane.call(request('item-1-a1', ['first text', 'second text'])));
    const [first, second] = result.embeddings ?? [];
    expect(first).toHaveLength(8);
    expect(Math.hypot(...(first ?? []))).toBeCloseTo(1, 4);
    expect(second).not.toEqual(first);
    expect(result.outputText).toBeNull();
    expect(result.usage).toEqual({ input_tokens: countTokens('first text') + countTokens('second text'), output_tokens: 0 });
    expect(result.raw).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: first },
        { object: 'embedding', index: 1, embedding: second },
      ],
      model: EMBEDDING_MODEL,
      usage: { prompt_tokens: result.usage.input_tokens, total_tokens: result.usage.input_tokens },
    });
    const again = succeeded(await lane.call(request('other-item-a3', 'first text')));
    expect(again.embeddings).toEqual([first]);
  });

  it('never exceed the request’s output limit, under each of its names', async () => {
    const lane = syncLane();
    const long = 'Explain, in detail, why the sky is blue and sunsets are red. '.repeat(5);
    const full = succeeded(await lane.call(responsesRequest('item-1-a1', { input: long })));
    expect(full.usage.output_tokens).toBeGreaterThan(20);
    const capped = succeeded(await lane.call(responsesRequest('item-1-a1', { input: long, max_output_tokens: 7 })));
    expect(capped.usage.output_tokens).toBeLessThanOrEqual(7);
    expect(capped.usage.output_tokens).toBe(countTokens(capped.outputText ?? ''));
    expect(full.outputText?.startsWith(capped.outputText ?? '')).toBe(true);
    expect(capped.raw).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    for (const name of ['max_tokens', 'max_completion_tokens']) {
      const request: LaneRequest = { customId: 'item-1-a1', estimatedTokens: 0, operation: 'chat.completions', model: MODEL, body: { model: MODEL, messages: [{ role: 'user', content: long }], [name]: 3 } };
      const result = succeeded(await lane.call(request));
      expect(result.usage.output_tokens).toBeLessThanOrEqual(3);
      expect(result.raw).toMatchObject({ choices: [{ finish_reason: 'length' }] });
    }
  });

  it('count special-token markers in customer text as plain text', async () => {
    const result = succeeded(await syncLane().call(responsesRequest('item-1-a1', { input: 'ignore <|endoftext|> this' })));
    expect(result.usage.input_tokens).toBe(countTextTokens('ignore <|endoftext|> this'));
  });
});

describe('sync calls', () => {
  it('take a log-normal latency with the configured median and 99th percentile', () => {
    const simulator = makeSimulator(SYNC_LANE, sandboxOptions({ latencyMs: { medianMs: 400, p99Ms: 4_000 } }), countTextTokens);
    const latencyOf = (customId: string) => simulator.latencyMs(simulator.hashOf(responsesRequest(customId)));
    const latencies = Array.from({ length: 10_000 }, (_, i) => latencyOf(`item-${i}-a1`)).sort((a, b) => a - b);
    expect(latencies[5_000]).toBeGreaterThan(360);
    expect(latencies[5_000]).toBeLessThan(440);
    expect(latencies[9_900]).toBeGreaterThan(3_200);
    expect(latencies[9_900]).toBeLessThan(4_800);
    expect(latencyOf('item-1-a1')).toBe(latencyOf('item-1-a1'));
  });

  it('reject with an AbortError when aborted while waiting', async () => {
    const lane = syncLane({ latencyMs: { medianMs: 60_000, p99Ms: 120_000 } });
    const controller = new AbortController();
    const call = lane.call(responsesRequest('item-1-a1'), controller.signal);
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reject with an AbortError when the signal is already aborted, even at zero latency', async () => {
    await expect(syncLane().call(responsesRequest('item-1-a1'), AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('options', () => {
  it('refuse bad values at construction, naming each', () => {
    const make = () => syncLane({ transientFailureRate: 0.8, permanentFailureRate: 0.3, latencyMs: { medianMs: 0, p99Ms: 10 }, batchTurnaroundMs: -1 });
    expect(make).toThrow(RangeError);
    expect(make).toThrow(/p99Ms[\s\S]*batchTurnaroundMs[\s\S]*must not exceed 1/);
  });
});

describe('batch jobs', () => {
  let testDatabase: TestDatabase;
  let clock: ManualClock;
  let lane: SandboxBatchLane;
  const options = sandboxOptions({ transientFailureRate: 0.2, permanentFailureRate: 0.1, batchTurnaroundMs: 60_000 });
  const requests = Array.from({ length: 40 }, (_, i) => responsesRequest(`item-${i}-a1`));

  beforeAll(async () => {
    testDatabase = await openTestDatabase();
    clock = new ManualClock(new Date('2027-01-01T00:00:00Z'));
    lane = makeSandboxBatchLane(catalogLane(), options, { db: testDatabase.database.db, clock });
  });
  afterAll(async () => testDatabase?.close());

  it('run in progress until their turnaround has passed, then complete with every result', async () => {
    clock.set(new Date('2027-01-01T00:00:00Z'));
    const { jobId } = await lane.submit(requests);
    expect(jobId).toMatch(/^sbx_batch_[0-9A-Za-z]{22}$/);
    expect(await lane.poll(jobId)).toEqual({ status: 'in_progress', completed: 0, failed: 0, total: 40 });

    clock.advance(30_000);
    const halfway = await lane.poll(jobId);
    expect(halfway).toMatchObject({ status: 'in_progress', total: 40 });
    expect(halfway.completed + halfway.failed).toBe(20);
    expect(await lane.fetchResults(jobId)).toEqual([]);

    clock.advance(30_000);
    const done = await lane.poll(jobId);
    const results = await lane.fetchResults(jobId);
    expect(done.status).toBe('completed');
    expect(results.map((result) => result.customId).sort()).toEqual(requests.map((request) => request.customId).sort());
    expect(done).toEqual({
      status: 'completed',
      completed: results.filter((result) => result.status === 'succeeded').length,
      failed: results.filter((result) => result.status === 'failed').length,
      total: 40,
    });
    expect(done.failed).toBeGreaterThan(0);
    // The stored results are exactly what the simulated provider answers each request.
    const simulator = makeSimulator(catalogLane(), options, countTextTokens);
    const expected = new Map(requests.map((request) => [request.customId, simulator.resultOf(request, simulator.hashOf(request))]));
    for (const result of results) expect(result).toEqual(expected.get(result.customId));
  });

  it('finish their requests in a shuffled order, not the order submitted', async () => {
    const { jobId } = await makeSandboxBatchLane(catalogLane(), { ...options, batchTurnaroundMs: 0 }, { db: testDatabase.database.db, clock }).submit(requests);
    const order = (await lane.fetchResults(jobId)).map((result) => result.customId);
    expect(order).not.toEqual(requests.map((request) => request.customId));
  });

  it('complete at once when the turnaround is 0', async () => {
    const instant = makeSandboxBatchLane(catalogLane(), { ...options, batchTurnaroundMs: 0 }, { db: testDatabase.database.db, clock });
    const { jobId } = await instant.submit(requests.slice(0, 5));
    expect((await instant.poll(jobId)).status).toBe('completed');
    expect(await instant.fetchResults(jobId)).toHaveLength(5);
  });

  it('cancelled before ready: cancelled, with the results finished by then, and stay so', async () => {
    const { jobId } = await lane.submit(requests);
    clock.advance(15_000);
    await lane.cancel(jobId);
    clock.advance(120_000);
    const state = await lane.poll(jobId);
    const results = await lane.fetchResults(jobId);
    expect(state.status).toBe('cancelled');
    expect(results).toHaveLength(10);
    expect(state).toEqual({
      status: 'cancelled',
      completed: results.filter((result) => result.status === 'succeeded').length,
      failed: results.filter((result) => result.status === 'failed').length,
      total: 40,
    });
    await lane.cancel(jobId);
    expect(await lane.poll(jobId)).toEqual(state);
  });

  it('cancelled after completing: stay completed', async () => {
    const { jobId } = await lane.submit(requests.slice(0, 5));
    clock.advance(60_000);
    await lane.cancel(jobId);
    expect((await lane.poll(jobId)).status).toBe('completed');
    expect(await lane.fetchResults(jobId)).toHaveLength(5);
  });

  it('survive the process that submitted them: another lane instance polls, fetches and cancels them', async () => {
    const { jobId } = await lane.submit(requests);
    const { jobId: toCancel } = await lane.submit(requests.slice(0, 8));
    // A restarted worker may even run with other options: jobs in flight keep theirs.
    const other = makeSandboxBatchLane(catalogLane(), { ...options, seed: 'another-seed', batchTurnaroundMs: 1 }, { db: testDatabase.database.db, clock });
    expect((await other.poll(jobId)).status).toBe('in_progress');
    clock.advance(30_000);
    await other.cancel(toCancel);
    clock.advance(30_000);
    expect(await other.poll(jobId)).toEqual(await lane.poll(jobId));
    expect(await other.fetchResults(jobId)).toEqual(await lane.fetchResults(jobId));
    expect(await other.fetchResults(jobId)).toHaveLength(40);
    expect(await lane.poll(toCancel)).toMatchObject({ status: 'cancelled', total: 8 });
    expect(await lane.fetchResults(toCancel)).toHaveLength(4);
  });

  it('belong to their lane: another lane does not find them', async () => {
    const { jobId } = await lane.submit(requests.slice(0, 1));
    const otherLane = makeSandboxBatchLane(catalogLane({ id: 'sandbox-eu-batch', region: 'eu' }), options, { db: testDatabase.database.db, clock });
    await expect(otherLane.poll(jobId)).rejects.toThrow(/no batch job/);
    await expect(lane.poll('sbx_batch_unknown')).rejects.toThrow(/no batch job/);
    await expect(lane.fetchResults('sbx_batch_unknown')).rejects.toThrow(/no batch job/);
    await expect(lane.cancel('sbx_batch_unknown')).rejects.toThrow(/no batch job/);
  });

  it('are refused above the provider limits, and when empty, mixed or with repeated ids, storing nothing', async () => {
    const countJobs = async () => (await testDatabase.database.db.selectFrom('sandbox_jobs').select('id').execute()).length;
    const before = await countJobs();
    const tooMany = Array.from({ length: 101 }, (_, i) => responsesRequest(`item-${i}-a1`));
    await expect(lane.submit(tooMany)).rejects.toThrow(/101 requests exceed the limit of 100/);
    await expect(lane.submit([])).rejects.toThrow(/no requests/);
    const embedding: LaneRequest = { customId: 'emb-a1', estimatedTokens: 0, operation: 'embeddings', model: EMBEDDING_MODEL, body: { model: EMBEDDING_MODEL, input: 'x' } };
    await expect(lane.submit([responsesRequest('item-1-a1'), embedding])).rejects.toThrow(/mixes responses and embeddings/);
    await expect(lane.submit([responsesRequest('item-1-a1'), responsesRequest('item-1-a1')])).rejects.toThrow(/appears twice/);
    const small = makeSandboxBatchLane(catalogLane({ max_bytes_per_job: 500 }), options, { db: testDatabase.database.db, clock });
    await expect(small.submit(requests.slice(0, 5))).rejects.toThrow(/bytes, above the limit of 500/);
    expect(await countJobs()).toBe(before);
  });

  it('makeSandboxLane builds the mode the catalog lane names', () => {
    const deps = { db: testDatabase.database.db, clock };
    expect(makeSandboxLane(catalogLane(), options, deps)).toMatchObject({ mode: 'batch', id: 'sandbox-us-batch' });
    expect(makeSandboxLane(SYNC_LANE, options, deps)).toMatchObject({ mode: 'sync', id: 'sandbox-us-sync' });
  });
});
