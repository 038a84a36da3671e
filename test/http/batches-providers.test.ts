/**
 * A batch on real provider lanes, end to end: the server configured from the environment
 * (OPENAI_API_KEY, ANTHROPIC_API_KEY and their base URLs) with the sandbox off, routing items to
 * OpenAI's Batch API and Anthropic's Messages API (local emulators of their wire protocols), and
 * settling what the providers report. An item Anthropic cannot take is refused, final, and free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicEmulator, type AnthropicEmulator } from '../emulators/anthropic/index.ts';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { waitForBatch } from '../helpers/batches.ts';
import type { ResultRow } from '../helpers/batch-requests.ts';
import { expectLedgerMatchesBalance } from '../helpers/money.ts';
import { startProviderServer, type ProviderServer } from '../helpers/providers.ts';
import { registerOrg, type TestServer } from '../helpers/server.ts';

const CATALOG = {
  platform_fee_bps: 500,
  providers: [
    { id: 'openai', name: 'OpenAI', kind: 'openai' },
    { id: 'anthropic', name: 'Anthropic', kind: 'anthropic' },
  ],
  models: [
    { id: 'gpt-5.4-mini', provider: 'openai', display_name: 'GPT-5.4 mini', operations: ['responses', 'chat.completions'], input_per_million: '0.25', output_per_million: '2.00', expected_output_tokens: 50, default_max_output_tokens: 256, equivalents: [] },
    { id: 'claude-haiku-4-5', provider: 'anthropic', display_name: 'Claude Haiku 4.5', operations: ['responses', 'chat.completions'], input_per_million: '1.00', output_per_million: '5.00', expected_output_tokens: 50, default_max_output_tokens: 256, equivalents: [] },
  ],
  lanes: [
    { id: 'openai-batch-us', provider: 'openai', mode: 'batch', region: 'us', models: ['*'], discount_bps: 5000, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 3600, max_items_per_job: 50000, max_bytes_per_job: 209715200 },
    { id: 'anthropic-sync-us', provider: 'anthropic', mode: 'sync', region: 'us', models: ['*'], discount_bps: 0, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 60, max_items_per_job: 10000, max_bytes_per_job: 104857600, limits: { concurrency: 4 } },
  ],
};

let openai: OpenAIEmulator;
let anthropic: AnthropicEmulator;
let running: ProviderServer;
let server: TestServer;

beforeAll(async () => {
  openai = await startOpenAIEmulator({ timeline: { validatingMs: 5, inProgressMs: 100, finalizingMs: 5 } });
  anthropic = await startAnthropicEmulator();
  running = await startProviderServer(CATALOG, {
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.baseURL,
    ANTHROPIC_API_KEY: anthropic.apiKey,
    ANTHROPIC_BASE_URL: anthropic.baseURL,
  });
  server = running.server;
});

afterAll(async () => {
  await running?.stop();
  await openai?.close();
  await anthropic?.close();
});

describe('a batch on OpenAI and Anthropic lanes', () => {
  it('lists the configured providers as enabled', async () => {
    const providers = await server.request<{ data: { id: string; enabled: boolean; lanes: string[] }[] }>('GET', '/v1/catalog/providers');
    expect(providers.body.data).toEqual([
      expect.objectContaining({ id: 'openai', enabled: true, lanes: ['openai-batch-us'] }),
      expect.objectContaining({ id: 'anthropic', enabled: true, lanes: ['anthropic-sync-us'] }),
    ]);
  });

  it('runs each item on its provider, charges what the providers report, and refuses what Anthropic cannot take', async () => {
    const org = await registerOrg(server);
    const manifest = {
      routing_mode: 'cheapest',
      items: [
        { customer_item_id: 'oa-1', operation: 'responses', model: 'gpt-5.4-mini', input: { input: 'Summarise: the parcel arrived late.' } },
        { customer_item_id: 'oa-2', operation: 'chat.completions', model: 'gpt-5.4-mini', input: { messages: [{ role: 'user', content: 'Classify: refund please' }] } },
        { customer_item_id: 'an-1', operation: 'chat.completions', model: 'claude-haiku-4-5', input: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Translate hello.' }], max_tokens: 64 } },
        { customer_item_id: 'an-tools', operation: 'chat.completions', model: 'claude-haiku-4-5', input: { messages: [{ role: 'user', content: 'Weather?' }], tools: [{ type: 'function', function: { name: 'weather' } }] } },
      ],
    };
    const submitted = await server.request('POST', '/v1/batches', { key: org.key, body: manifest, headers: { 'idempotency-key': 'providers-batch-0001' } });
    expect(submitted.status).toBe(201);
    const batchId = String(submitted.body['id']);
    const done = await waitForBatch(server, org.key, batchId);
    expect(done['status']).toBe('completed');
    expect(done['counts']).toMatchObject({ succeeded: 3, failed: 1 });

    const results = await server.request<{ data: ResultRow[] }>('GET', `/v1/batches/${batchId}/results`, { key: org.key });
    const byId = new Map(results.body.data.map((row) => [row.customer_item_id, row]));
    for (const id of ['oa-1', 'oa-2']) expect(byId.get(id)).toMatchObject({ status: 'succeeded', provider: 'openai', lane: 'openai-batch-us', output: { text: expect.stringMatching(/\S/) } });
    expect(byId.get('an-1')).toMatchObject({ status: 'succeeded', provider: 'anthropic', lane: 'anthropic-sync-us', output: { text: expect.stringMatching(/\S/) } });
    expect(byId.get('an-tools')).toMatchObject({ status: 'failed', cost: null, error: { code: 'unsupported_by_provider', retryable: false } });

    // What the providers saw: one batch file and job at OpenAI, and the translated message at Anthropic.
    expect(openai.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches')).toHaveLength(2);
    const message = anthropic.requests.find((r) => r.path === '/v1/messages');
    expect(message?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Translate hello.' }] });
    expect(anthropic.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(1);

    // Each succeeded item is charged its usage at its lane's price; the ledger still sums to the balance.
    for (const row of results.body.data.filter((r) => r.status === 'succeeded')) expect(Number(row.cost)).toBeGreaterThan(0);
    await expectLedgerMatchesBalance(server, org.orgId);
  });
});
