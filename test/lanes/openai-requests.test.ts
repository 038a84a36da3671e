/**
 * What the OpenAI lanes send, against OpenAI's documented request shapes: a sync call POSTs the
 * item's input with the model to the operation's endpoint; a batch uploads a JSONL file (purpose
 * "batch") of `{custom_id, method: "POST", url, body}` lines and creates a batch on that endpoint
 * with a 24 h window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { Catalog, CatalogLane, Operation } from '../../src/domain/catalog.ts';
import { makeRuntimeLanes } from '../../src/lanes/registry.ts';
import type { BatchLane, Lane, LaneRequest, SyncLane } from '../../src/lanes/types.ts';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { aJob, catalogLane } from '../helpers/catalog.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

const lane = (id: string, mode: 'batch' | 'sync'): CatalogLane => catalogLane({ id, provider: 'openai', mode, models: ['gpt-5.4-mini', 'text-embedding-3-small'], discount_bps: 0, expected_turnaround_seconds: 60 });
const model = (id: string, operations: Operation[]) => ({ id, provider: 'openai', display_name: id, operations, input_micros_per_million: 1, output_micros_per_million: 1, expected_output_tokens: 1, default_max_output_tokens: 16, equivalents: [] });
const CATALOG: Catalog = {
  platform_fee_bps: 0,
  providers: [{ id: 'openai', name: 'OpenAI', kind: 'openai', base_url: null }],
  models: [model('gpt-5.4-mini', ['responses', 'chat.completions']), model('text-embedding-3-small', ['embeddings'])],
  lanes: [lane('batch', 'batch'), lane('sync', 'sync')],
};

const REQUESTS: LaneRequest[] = [
  { customId: '0-1', operation: 'responses', model: 'gpt-5.4-mini', body: { model: 'gpt-5.4-mini', input: 'Hi', instructions: 'Be brief.', max_output_tokens: 32 }, estimatedTokens: 40 },
  { customId: '1-1', operation: 'chat.completions', model: 'gpt-5.4-mini', body: { model: 'gpt-5.4-mini', messages: [{ role: 'user', content: 'Hi' }] }, estimatedTokens: 40 },
  { customId: '2-1', operation: 'embeddings', model: 'text-embedding-3-small', body: { model: 'text-embedding-3-small', input: ['a', 'b'] }, estimatedTokens: 2 },
];
const PATHS: Record<Operation, string> = { responses: '/v1/responses', 'chat.completions': '/v1/chat/completions', embeddings: '/v1/embeddings' };

let openai: OpenAIEmulator;
let testDatabase: TestDatabase;
let lanes: Map<string, Lane>;

beforeAll(async () => {
  openai = await startOpenAIEmulator({ timeline: { validatingMs: 5, inProgressMs: 20, finalizingMs: 5 } });
  testDatabase = await openTestDatabase();
  lanes = makeRuntimeLanes(CATALOG, CATALOG.lanes, loadConfig({ OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.baseURL }), { db: testDatabase.database.db, clock: systemClock });
});
afterAll(async () => {
  await openai?.close();
  await testDatabase?.close();
});

describe('OpenAI requests', () => {
  it.each(REQUESTS)('sync $operation: the input and model as the body, POSTed to its endpoint with the key', async (request) => {
    const before = openai.requests.length;
    await (lanes.get('sync') as SyncLane).call(request);
    const [sent] = openai.requests.slice(before);
    expect(sent).toMatchObject({ method: 'POST', path: PATHS[request.operation], headers: { authorization: `Bearer ${openai.apiKey}` } });
    expect(sent?.body).toEqual(request.body);
  });

  it.each(REQUESTS)('batch $operation: a JSONL file of request lines, then a batch on its endpoint with a 24 h window', async (request) => {
    const batchLane = lanes.get('batch') as BatchLane;
    const before = openai.requests.length;
    const job = aJob();
    const { jobId } = await batchLane.submit([request, { ...request, customId: `${request.customId}-b` }], job);
    // First a look for a batch already made under the job's key (there is none), then the upload and the batch.
    const [lookup, upload, create] = openai.requests.slice(before);
    expect(lookup).toMatchObject({ method: 'GET', path: '/v1/batches' });
    expect(upload).toMatchObject({ method: 'POST', path: '/v1/files', body: { purpose: 'batch', filename: expect.stringMatching(/\.jsonl$/) } });
    expect(create).toMatchObject({ method: 'POST', path: '/v1/batches', body: { endpoint: PATHS[request.operation], completion_window: '24h', metadata: { created_by: 'batchrouter', batchrouter_work_unit: job.key } } });
    const fileId = String((create?.body as { input_file_id?: unknown }).input_file_id);
    const content = await fetch(`${openai.baseURL}/files/${fileId}/content`, { headers: { authorization: `Bearer ${openai.apiKey}` } });
    const lines = (await content.text()).trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      { custom_id: request.customId, method: 'POST', url: PATHS[request.operation], body: request.body },
      { custom_id: `${request.customId}-b`, method: 'POST', url: PATHS[request.operation], body: request.body },
    ]);
    expect(jobId).toMatch(/^batch_/);
  });
});

describe('a batch made once per work unit', () => {
  const requests = [REQUESTS[0], { ...REQUESTS[0], customId: '0-2' }] as LaneRequest[];
  const created = (from: number) => openai.requests.slice(from).filter((r) => r.method === 'POST' && (r.path === '/v1/batches' || r.path === '/v1/files'));

  it('a second submit under the same key (a worker that stopped before storing the id) takes the batch already made: no second upload, no second batch', async () => {
    const batchLane = lanes.get('batch') as BatchLane;
    const job = aJob();
    const first = await batchLane.submit(requests, job);
    // Other units' batches made since do not get in the way, newer ones included.
    await batchLane.submit(requests, aJob());
    const before = openai.requests.length;
    const again = await batchLane.submit(requests, job);
    expect(again.jobId).toBe(first.jobId);
    expect(created(before)).toEqual([]);
  });

  it('looks through every page of the batch list back to when the unit was made', async () => {
    const batchLane = lanes.get('batch') as BatchLane;
    const job = aJob();
    const first = await batchLane.submit(requests, job);
    // More than a page (100) of newer batches by others.
    for (let i = 0; i < 101; i++) await batchLane.submit(requests, aJob());
    const before = openai.requests.length;
    expect((await batchLane.submit(requests, job)).jobId).toBe(first.jobId);
    expect(created(before)).toEqual([]);
    expect(openai.requests.slice(before).filter((r) => r.path === '/v1/batches' && r.method === 'GET').length).toBeGreaterThan(1);
  });

  it('an earlier batch under the key that was cancelled is of no use: a new one is made', async () => {
    const batchLane = lanes.get('batch') as BatchLane;
    const job = aJob();
    openai.control.stallBatches(true);
    try {
      const first = await batchLane.submit(requests, job);
      const cancelled = await fetch(`${openai.baseURL}/batches/${first.jobId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${openai.apiKey}` } });
      expect(cancelled.status).toBe(200);
      const before = openai.requests.length;
      const again = await batchLane.submit(requests, job);
      expect(again.jobId).not.toBe(first.jobId);
      expect(created(before).map((r) => r.path)).toEqual(['/v1/files', '/v1/batches']);
    } finally {
      openai.control.stallBatches(false);
    }
  });

  it('a batch made before the unit (beyond the clock allowance) is not taken, whatever its key', async () => {
    const batchLane = lanes.get('batch') as BatchLane;
    const job = aJob();
    const first = await batchLane.submit(requests, job);
    const later = { key: job.key, since: new Date(Date.now() + 10 * 60_000) };
    expect((await batchLane.submit(requests, later)).jobId).not.toBe(first.jobId);
  });
});
