/**
 * SLA rescue against the OpenAI wire emulator: a batch job that stalls past the rescue point has
 * its items finished on a sync lane before the deadline, each delivered and charged once, with
 * both attempts on its route receipt; a job whose items all left is cancelled at the provider.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollWorkUnitTask } from '../../src/worker/poll-work-unit.ts';
import { rescueLateItems } from '../../src/worker/rescue-late-items.ts';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { waitForBatch } from '../helpers/batches.ts';
import type { ResultRow } from '../helpers/batch-requests.ts';
import { expectLedgerMatchesBalance, microsOf } from '../helpers/money.ts';
import { startProviderServer, type ProviderServer } from '../helpers/providers.ts';
import { registerOrg, type TestServer } from '../helpers/server.ts';

const model = (id: string) => ({
  id,
  provider: 'openai',
  display_name: id,
  operations: ['responses'],
  input_per_million: '0.25',
  output_per_million: '2.00',
  expected_output_tokens: 50,
  default_max_output_tokens: 256,
  equivalents: [],
});
const lane = (id: string, mode: 'batch' | 'sync', maxBytesPerJob: number) => ({
  id,
  provider: 'openai',
  mode,
  region: 'us',
  models: ['gpt-5.4-mini'],
  discount_bps: mode === 'batch' ? 5000 : 0,
  zero_data_retention: false,
  self_hosted: false,
  expected_turnaround_seconds: mode === 'batch' ? 3600 : 60,
  max_items_per_job: 50000,
  max_bytes_per_job: maxBytesPerJob,
});
const CATALOG = {
  platform_fee_bps: 500,
  providers: [{ id: 'openai', name: 'OpenAI', kind: 'openai' }],
  models: [model('gpt-5.4-mini')],
  // The sync lane takes no item over 1,000 bytes: a longer item cannot be rescued.
  lanes: [lane('openai-batch-us', 'batch', 209_715_200), lane('openai-sync-us', 'sync', 1_000)],
};

let openai: OpenAIEmulator;
let running: ProviderServer;
let server: TestServer;

beforeAll(async () => {
  openai = await startOpenAIEmulator({ timeline: { validatingMs: 5, inProgressMs: 50, finalizingMs: 5, cancellingMs: 20 } });
  running = await startProviderServer(CATALOG, { OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.baseURL });
  server = running.server;
});

afterAll(async () => {
  await running?.stop();
  await openai?.close();
});

const item = (id: string, text = `Summarise ticket ${id}.`) => ({ customer_item_id: id, operation: 'responses', model: 'gpt-5.4-mini', input: { input: text } });

async function submitRunning(key: string, items: ReturnType<typeof item>[], idempotencyKey: string): Promise<{ id: string; deadline: Date }> {
  const submitted = await server.request('POST', '/v1/batches', { key, body: { routing_mode: 'sla_aware', items }, headers: { 'idempotency-key': idempotencyKey } });
  expect(submitted.status).toBe(201);
  const id = String(submitted.body['id']);
  for (let i = 0; i < 200; i++) {
    const batch = await server.request('GET', `/v1/batches/${id}`, { key });
    if (batch.body['status'] === 'processing') return { id, deadline: new Date(String(batch.body['sla_deadline'])) };
    await sleep(25);
  }
  throw new Error(`batch ${id} never reached processing`);
}

async function results(key: string, batchId: string): Promise<ResultRow[]> {
  const page = await server.request<{ data: ResultRow[] }>('GET', `/v1/batches/${batchId}/results`, { key });
  return page.body.data;
}

type Attempt = { lane_id: string; status: string };
const attemptsOf = (row: ResultRow | undefined) => ((row?.route_receipt as { attempts?: Attempt[] } | undefined)?.attempts ?? []).map((a) => `${a.lane_id}:${a.status}`);

describe('SLA rescue', () => {
  it('moves the items of a stalled job to the sync lane before the deadline, delivers and charges each once, and cancels the job they left', async () => {
    const org = await registerOrg(server);
    openai.control.stallBatches(true);
    const batch = await submitRunning(org.key, [item('a'), item('b'), item('c')], 'rescue-batch-0001');
    // A day before the deadline nothing is at risk.
    expect(await rescueLateItems(server.server.ctx)).toBe(0);

    server.clock.set(new Date(batch.deadline.getTime() - 10 * 60_000));
    expect(await rescueLateItems(server.server.ctx)).toBe(3);
    const done = await waitForBatch(server, org.key, batch.id);
    expect(done['status']).toBe('completed');
    expect(done['counts']).toMatchObject({ succeeded: 3 });

    const rows = await results(org.key, batch.id);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'succeeded', lane: 'openai-sync-us', route_receipt: { rescue: { from: { lane_id: 'openai-batch-us' } } } });
      expect(row.route_receipt).toMatchObject({ selected: { lane_id: 'openai-sync-us' } });
    }
    // Charged once: the captured amount is the items' costs (at the sync lane's prices) plus the fee.
    await expectChargedOnce(org.key, batch.id, rows);
    await expectLedgerMatchesBalance(server, org.orgId);

    // The job they left is cancelled at the provider, and what it said is noted on the receipts.
    await waitUntil(() => cancelRequests() === 1);
    openai.control.stallBatches(false);
    await waitUntil(async () => (await results(org.key, batch.id)).every((row) => attemptsOf(row).length === 2));
    for (const row of await results(org.key, batch.id)) expect(attemptsOf(row)).toEqual(['openai-sync-us:succeeded', 'openai-batch-us:failed']);
  });

  it('delivers an item once when both lanes answer: the first answer wins, the other is noted as superseded', async () => {
    const org = await registerOrg(server);
    openai.control.stallBatches(true);
    // "kept" is too large for the sync lane and stays on the job, so the job is not cancelled.
    const batch = await submitRunning(org.key, [item('moved'), item('kept', `Summarise: ${'the parcel arrived late. '.repeat(60)}`)], 'rescue-batch-0002');
    const cancelsBefore = cancelRequests();
    server.clock.set(new Date(batch.deadline.getTime() - 10 * 60_000));
    openai.control.latencyMs = 15_000;
    try {
      expect(await rescueLateItems(server.server.ctx)).toBe(1);
      // The rescue's sync call is in flight, waiting on its slow answer.
      await waitUntil(() => openai.requests.some((r) => r.method === 'POST' && r.path === '/v1/responses' && r.status === null));
      // Meanwhile the job finishes, and is read at once (not at the worker's next poll, which may
      // come later on a busy machine).
      openai.control.stallBatches(false);
      const unit = await server.server.ctx.db.selectFrom('work_units').select(['id', 'provider_job_id']).where('batch_id', '=', batch.id).where('mode', '=', 'batch').executeTakeFirstOrThrow();
      await waitUntil(async () => (await providerBatchStatus(String(unit.provider_job_id))) === 'completed');
      await pollWorkUnitTask.run(server.server.ctx, { work_unit_id: unit.id });
      const done = await waitForBatch(server, org.key, batch.id);
      expect(done['status']).toBe('completed');
      const moved = (await results(org.key, batch.id)).find((row) => row.customer_item_id === 'moved');
      expect(moved).toMatchObject({ status: 'succeeded', lane: 'openai-batch-us', route_receipt: { selected: { lane_id: 'openai-batch-us' } } });
      const costAtBatchPrices = moved?.cost;
      await waitUntil(async () => attemptsOf((await results(org.key, batch.id)).find((row) => row.customer_item_id === 'moved')).length === 2, 30_000);
      const after = (await results(org.key, batch.id)).find((row) => row.customer_item_id === 'moved');
      expect(attemptsOf(after)).toEqual(['openai-batch-us:succeeded', 'openai-sync-us:superseded']);
      // The late answer changed nothing that was delivered or charged.
      expect(after?.cost).toBe(costAtBatchPrices);
      expect(after?.output).toEqual(moved?.output);
      expect(cancelRequests()).toBe(cancelsBefore);
      await expectChargedOnce(org.key, batch.id, await results(org.key, batch.id));
      await expectLedgerMatchesBalance(server, org.orgId);
    } finally {
      openai.control.latencyMs = 0;
    }
  }, 90_000);
});

async function providerBatchStatus(jobId: string): Promise<string> {
  const response = await fetch(`${openai.baseURL}/batches/${jobId}`, { headers: { authorization: `Bearer ${openai.apiKey}` } });
  return String(((await response.json()) as { status?: unknown }).status);
}

function cancelRequests(): number {
  return openai.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')).length;
}

/** The batch captured exactly its items' costs plus the 5% fee, rounded up: each item charged once. */
async function expectChargedOnce(key: string, batchId: string, rows: ResultRow[]): Promise<void> {
  const batch = await server.request<{ billing_receipt: { charged: string } }>('GET', `/v1/batches/${batchId}?include_billing_receipt=true`, { key });
  const costs = rows.reduce((sum, row) => sum + (row.cost === null ? 0 : microsOf(row.cost)), 0);
  expect(costs).toBeGreaterThan(0);
  expect(microsOf(batch.body.billing_receipt.charged)).toBe(costs + Math.ceil((costs * 500) / 10_000));
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}
