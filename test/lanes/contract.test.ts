/**
 * One contract, every provider lane: OpenAI batch and sync, Anthropic batch and sync, and an
 * OpenAI-compatible endpoint, each built by the server's own registry from a catalog and the
 * environment, talking through the official clients to local emulators of the providers' wire
 * protocols. Whatever the lane, results are joined by custom id and normalised alike; a request the
 * provider refuses for good fails final; 429s and 5xx are retried; batch jobs that are cancelled
 * or expire keep what finished and hand the rest back for another try.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { Catalog, CatalogLane, CatalogModel, Operation } from '../../src/domain/catalog.ts';
import { DEFAULT_LANE_LIMITS } from '../../src/domain/catalog-loader.ts';
import { makeRuntimeLanes } from '../../src/lanes/registry.ts';
import type { BatchLane, Lane, LaneRequest, LaneResult, SyncLane } from '../../src/lanes/types.ts';
import { startAnthropicEmulator, type AnthropicEmulator } from '../emulators/anthropic/index.ts';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { aJob, catalogLane } from '../helpers/catalog.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** Items whose text holds this are refused for good by the provider (400, or an unknown model). */
const REFUSE = 'REFUSE-ME';
const CONCURRENCY = 4;

function model(id: string, provider: string, operations: Operation[]): CatalogModel {
  return {
    id,
    provider,
    display_name: id,
    operations,
    input_micros_per_million: 1_000_000,
    output_micros_per_million: 2_000_000,
    expected_output_tokens: 50,
    default_max_output_tokens: 256,
    equivalents: [],
  };
}

function lane(id: string, provider: string, mode: 'batch' | 'sync', models: string[]): CatalogLane {
  return catalogLane({
    id,
    provider,
    mode,
    models,
    discount_bps: mode === 'batch' ? 5_000 : 0,
    self_hosted: provider === 'local',
    expected_turnaround_seconds: mode === 'batch' ? 3_600 : 60,
    max_items_per_job: 1_000,
    max_bytes_per_job: 10_000_000,
    limits: { ...DEFAULT_LANE_LIMITS, concurrency: CONCURRENCY, timeout_seconds: 30 },
  });
}

const CATALOG: Catalog = {
  platform_fee_bps: 0,
  providers: [
    { id: 'openai', name: 'OpenAI', kind: 'openai', base_url: null },
    { id: 'anthropic', name: 'Anthropic', kind: 'anthropic', base_url: null },
    { id: 'local', name: 'Local vLLM', kind: 'openai_compatible', base_url: null },
  ],
  models: [
    model('gpt-5.4-mini', 'openai', ['responses', 'chat.completions']),
    model('text-embedding-3-small', 'openai', ['embeddings']),
    model('claude-haiku-4-5', 'anthropic', ['responses', 'chat.completions']),
    model('llama-3.1-8b', 'local', ['responses', 'chat.completions', 'embeddings']),
  ],
  lanes: [
    lane('openai-batch', 'openai', 'batch', ['gpt-5.4-mini', 'text-embedding-3-small']),
    lane('openai-sync', 'openai', 'sync', ['gpt-5.4-mini', 'text-embedding-3-small']),
    lane('anthropic-batch', 'anthropic', 'batch', ['claude-haiku-4-5']),
    lane('anthropic-sync', 'anthropic', 'sync', ['claude-haiku-4-5']),
    lane('local-sync', 'local', 'sync', ['llama-3.1-8b']),
  ],
};

/** What a test does to the provider behind a lane. */
interface Harness {
  laneId: string;
  model: string;
  embeddingModel: string | null;
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  serverErrorNext(count: number): void;
  stall(on: boolean): void;
  expire(jobId: string): void;
  maxConcurrent(): number;
  /** Provider requests seen so far. */
  requestCount(): number;
  /** When each provider request arrived, in epoch milliseconds. */
  requestTimes(): number[];
}

let openai: OpenAIEmulator;
let anthropic: AnthropicEmulator;
let testDatabase: TestDatabase;
let lanes: Map<string, Lane>;
const harnesses: Harness[] = [];

beforeAll(async () => {
  openai = await startOpenAIEmulator({ timeline: { validatingMs: 5, inProgressMs: 200, finalizingMs: 5, cancellingMs: 20 } });
  anthropic = await startAnthropicEmulator({ batchItemMs: 10, knownModels: ['claude-haiku-4-5'] });
  // The OpenAI emulator refuses items holding the marker, as a provider refuses a bad request.
  openai.control.failItems(({ body }) =>
    JSON.stringify(body).includes(REFUSE) ? { status_code: 400, error: { message: 'Invalid input.', type: 'invalid_request_error', code: 'invalid_value' } } : null,
  );
  anthropic.control.failItems(({ params }) => (JSON.stringify(params).includes(REFUSE) ? 'invalid_request_error' : null));
  testDatabase = await openTestDatabase();
  const config = loadConfig({
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.baseURL,
    ANTHROPIC_API_KEY: anthropic.apiKey,
    ANTHROPIC_BASE_URL: anthropic.baseURL,
    // An OpenAI-compatible provider, found by its id: LOCAL_BASE_URL and LOCAL_API_KEY.
    LOCAL_BASE_URL: openai.baseURL,
    LOCAL_API_KEY: openai.apiKey,
  });
  lanes = makeRuntimeLanes(CATALOG, CATALOG.lanes, config, { db: testDatabase.database.db, clock: systemClock });
  const openaiHarness = (laneId: string, model: string, embeddingModel: string | null): Harness => ({
    laneId,
    model,
    embeddingModel,
    rateLimitNext: (count, seconds) => openai.control.rateLimitNext(count, seconds),
    serverErrorNext: (count) => openai.control.serverErrorNext(count, 503),
    stall: (on) => openai.control.stallBatches(on),
    expire: (jobId) => openai.control.expireBatch(jobId),
    maxConcurrent: () => openai.control.maxConcurrent,
    requestCount: () => openai.requests.length,
    requestTimes: () => openai.requests.map((r) => r.time),
  });
  const anthropicHarness = (laneId: string): Harness => ({
    laneId,
    model: 'claude-haiku-4-5',
    embeddingModel: null,
    rateLimitNext: (count, seconds) => anthropic.control.rateLimitNext(count, seconds),
    serverErrorNext: (count) => anthropic.control.overloadedNext(count),
    stall: (on) => anthropic.control.stallBatches(on),
    expire: (jobId) => anthropic.control.expireBatch(jobId),
    maxConcurrent: () => anthropic.control.maxConcurrent(),
    requestCount: () => anthropic.requests.length,
    requestTimes: () => anthropic.requests.map((r) => r.time.getTime()),
  });
  harnesses.push(
    openaiHarness('openai-batch', 'gpt-5.4-mini', 'text-embedding-3-small'),
    openaiHarness('openai-sync', 'gpt-5.4-mini', 'text-embedding-3-small'),
    anthropicHarness('anthropic-batch'),
    anthropicHarness('anthropic-sync'),
    openaiHarness('local-sync', 'llama-3.1-8b', 'llama-3.1-8b'),
  );
});

afterAll(async () => {
  await openai?.close();
  await anthropic?.close();
  await testDatabase?.close();
});

function request(customId: string, operation: Operation, model: string, body: Record<string, unknown>): LaneRequest {
  return { customId, operation, model, body: { ...body, model }, estimatedTokens: 100 };
}

/** A spread of inputs in each operation's documented shapes. */
function requestsFor(harness: Harness, tag: string): LaneRequest[] {
  const requests = [
    request(`${tag}-1`, 'responses', harness.model, { input: 'Summarise: the parcel arrived late.' }),
    request(`${tag}-2`, 'responses', harness.model, { instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Classify: refund please' }] }], max_output_tokens: 64 }),
    request(`${tag}-3`, 'chat.completions', harness.model, { messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Translate hello into French.' }], max_completion_tokens: 64 }),
    request(`${tag}-4`, 'chat.completions', harness.model, { messages: [{ role: 'user', content: 'Name three colours.' }] }),
  ];
  if (harness.embeddingModel !== null) requests.push(request(`${tag}-5`, 'embeddings', harness.embeddingModel, { input: ['first text', 'second text'] }));
  return requests;
}

async function runBatch(batchLane: BatchLane, requests: LaneRequest[]): Promise<{ status: string; results: LaneResult[] }> {
  // A provider job holds one endpoint: one job per operation, as the router's work units do.
  const results: LaneResult[] = [];
  let status = 'completed';
  for (const operation of ['responses', 'chat.completions', 'embeddings'] as const) {
    const ofOperation = requests.filter((r) => r.operation === operation);
    if (ofOperation.length === 0) continue;
    const { jobId, refused } = await batchLane.submit(ofOperation, aJob());
    results.push(...refused);
    if (jobId === null) continue;
    status = (await waitForEnd(batchLane, jobId)).status;
    results.push(...(await batchLane.fetchResults(jobId)));
  }
  return { status, results };
}

async function waitForEnd(batchLane: BatchLane, jobId: string) {
  for (let i = 0; i < 400; i++) {
    const state = await batchLane.poll(jobId);
    if (state.status !== 'in_progress') return state;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${jobId} never ended`);
}

async function run(laneId: string, requests: LaneRequest[]): Promise<LaneResult[]> {
  const running = lanes.get(laneId);
  if (!running) throw new Error(`lane ${laneId} is not running`);
  if (running.mode === 'batch') return (await runBatch(running, requests)).results;
  return Promise.all(requests.map((r) => (running as SyncLane).call(r)));
}

function expectAnswered(result: LaneResult | undefined, operation: Operation): void {
  expect(result?.status).toBe('succeeded');
  if (result?.status !== 'succeeded') return;
  if (operation === 'embeddings') {
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings?.[0]?.length).toBeGreaterThan(0);
    expect(result.usage.output_tokens).toBe(0);
  } else {
    expect(result.outputText).toEqual(expect.any(String));
    expect(result.outputText?.length).toBeGreaterThan(0);
    expect(result.usage.output_tokens).toBeGreaterThan(0);
  }
  expect(result.usage.input_tokens).toBeGreaterThan(0);
  expect(result.raw).toBeTruthy();
}

describe.each(['openai-batch', 'openai-sync', 'anthropic-batch', 'anthropic-sync', 'local-sync'])('the %s lane', (laneId) => {
  const harness = () => {
    const found = harnesses.find((h) => h.laneId === laneId);
    if (!found) throw new Error(`no harness for ${laneId}`);
    return found;
  };

  it('answers every operation it serves, one normalised result per request, joined by custom id', async () => {
    const requests = requestsFor(harness(), `${laneId}-ok`);
    const results = await run(laneId, requests);
    expect(results.map((r) => r.customId).sort()).toEqual(requests.map((r) => r.customId).sort());
    for (const sent of requests) expectAnswered(results.find((r) => r.customId === sent.customId), sent.operation);
  });

  it('fails a request the provider refuses for good, final, and answers the others', async () => {
    const h = harness();
    const refused = request(`${laneId}-bad-1`, 'chat.completions', laneId.startsWith('anthropic') && laneId.endsWith('sync') ? 'claude-unknown' : h.model, {
      messages: [{ role: 'user', content: `Please ${REFUSE}` }],
    });
    const fine = request(`${laneId}-bad-2`, 'chat.completions', h.model, { messages: [{ role: 'user', content: 'Hello' }] });
    const before = h.requestCount();
    const results = await run(laneId, [refused, fine]);
    const failed = results.find((r) => r.customId === refused.customId);
    expect(failed).toMatchObject({ status: 'failed', error: { retryable: false } });
    expectAnswered(results.find((r) => r.customId === fine.customId), 'chat.completions');
    // A sync lane does not try a final refusal again: two calls in all.
    if (lanes.get(laneId)?.mode === 'sync') expect(h.requestCount() - before).toBe(2);
  });

  it.runIf(laneId.endsWith('sync'))('waits out a 429 with Retry-After and retries a 5xx, then answers', async () => {
    const h = harness();
    h.rateLimitNext(1, 0.3);
    h.serverErrorNext(1);
    const before = h.requestCount();
    const [result] = await run(laneId, [request(`${laneId}-retry`, 'responses', h.model, { input: 'Hello again' })]);
    expectAnswered(result, 'responses');
    // Refused (429), failed (5xx), answered: three calls, the second one made after the Retry-After.
    const calls = h.requestTimes().slice(before);
    expect(calls).toHaveLength(3);
    expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(300);
  });

  it.runIf(laneId.endsWith('sync'))('keeps at most the lane\'s concurrency in flight', async () => {
    const h = harness();
    const requests = Array.from({ length: 12 }, (_, i) => request(`${laneId}-many-${i}`, 'responses', h.model, { input: `Item ${i}` }));
    const emulatorLatency = (ms: number) => (laneId.startsWith('anthropic') ? anthropic.control.setLatency(ms) : (openai.control.latencyMs = ms));
    if (laneId.startsWith('anthropic')) anthropic.control.reset();
    else openai.control.resetMaxConcurrent();
    emulatorLatency(40);
    try {
      const results = await run(laneId, requests);
      expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    } finally {
      emulatorLatency(0);
      if (laneId.startsWith('anthropic')) anthropic.control.failItems(({ params }) => (JSON.stringify(params).includes(REFUSE) ? 'invalid_request_error' : null));
    }
    expect(h.maxConcurrent()).toBeLessThanOrEqual(CONCURRENCY);
    expect(h.maxConcurrent()).toBeGreaterThan(1);
  });

  it.runIf(laneId.endsWith('batch'))('a cancelled job keeps what finished; the rest comes back to be tried again', async () => {
    const h = harness();
    const batchLane = lanes.get(laneId) as BatchLane;
    const requests = Array.from({ length: 6 }, (_, i) => request(`${laneId}-cancel-${i}`, 'responses', h.model, { input: `Item ${i}` }));
    const { jobId } = await batchLane.submit(requests, aJob());
    if (jobId === null) throw new Error('nothing was sent');
    h.stall(true);
    await batchLane.cancel(jobId);
    h.stall(false);
    const state = await waitForEnd(batchLane, jobId);
    expect(state.status).toBe('cancelled');
    const results = await batchLane.fetchResults(jobId);
    for (const result of results) if (result.status === 'failed') expect(result.error.retryable).toBe(true);
    expect(results.filter((r) => r.status === 'succeeded').length).toBeLessThan(requests.length);
  });

  it.runIf(laneId.endsWith('batch'))('an expired job keeps what finished; the rest fails as expired, to be tried again', async () => {
    const h = harness();
    const batchLane = lanes.get(laneId) as BatchLane;
    const requests = Array.from({ length: 4 }, (_, i) => request(`${laneId}-expire-${i}`, 'responses', h.model, { input: `Item ${i}` }));
    h.stall(true);
    const { jobId } = await batchLane.submit(requests, aJob());
    if (jobId === null) throw new Error('nothing was sent');
    // The job is past validation and in progress before its window closes.
    for (let i = 0; i < 100 && !(await isInProgress(laneId, jobId)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    h.expire(jobId);
    h.stall(false);
    const state = await waitForEnd(batchLane, jobId);
    expect(state.status).toBe('expired');
    const results = await batchLane.fetchResults(jobId);
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(result).toMatchObject({ status: 'failed', error: { code: 'expired', retryable: true } });
  });
});

/** Whether the provider's job is running (OpenAI validates first; an Anthropic batch runs at once). */
async function isInProgress(laneId: string, jobId: string): Promise<boolean> {
  if (!laneId.startsWith('openai')) return true;
  const response = await fetch(`${openai.baseURL}/batches/${jobId}`, { headers: { authorization: `Bearer ${openai.apiKey}` } });
  const batch = (await response.json()) as { status?: string };
  return batch.status === 'in_progress';
}
