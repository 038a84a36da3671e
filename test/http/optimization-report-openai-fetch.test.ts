/**
 * Fetching an org's own OpenAI batches for the optimization report, against the OpenAI emulator:
 * the org's key stored through the API (sealed in the database, shown masked, never again in
 * clear), POST /v1/imports/openai reading the batches through the official client at
 * OPENAI_BASE_URL, and the report on what it stored checked by hand. Scopes, roles, tenants and
 * the provider's refusals are checked too.
 *
 * Two batches run on the emulator before the test: A (chat, gpt-5.4-mini, one line failing with a
 * 400) and B (responses, gpt-5.4), both using the custom ids req-1…: custom ids are unique only
 * within a batch, so the import keeps each line's batch.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailPaths } from '../helpers/batch-requests.ts';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { startProviderServer, type ProviderServer } from '../helpers/providers.ts';
import { createKey, errorCode, registerOrg, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';
import { feeOn, offList, priceOf, usd, type Prices } from '../helpers/usage-arithmetic.ts';

const FEE_BPS = 500n;
const LIST: Record<string, Prices> = {
  'gpt-5.4': [1_250_000n, 10_000_000n],
  'gpt-5.4-mini': [250_000n, 2_000_000n],
  'gpt-5.4-nano': [50_000n, 400_000n],
};
const model = (id: string, input: string, output: string, equivalents: string[]) => ({
  id,
  provider: 'openai',
  display_name: id,
  operations: ['responses', 'chat.completions'],
  input_per_million: input,
  output_per_million: output,
  expected_output_tokens: 50,
  default_max_output_tokens: 256,
  equivalents,
});
const CATALOG = {
  platform_fee_bps: Number(FEE_BPS),
  providers: [{ id: 'openai', name: 'OpenAI', kind: 'openai' }],
  models: [model('gpt-5.4', '1.25', '10.00', ['gpt-5.4-mini']), model('gpt-5.4-mini', '0.25', '2.00', ['gpt-5.4-nano']), model('gpt-5.4-nano', '0.05', '0.40', [])],
  lanes: [
    { id: 'openai-batch-us', provider: 'openai', mode: 'batch', region: 'us', models: ['*'], discount_bps: 5000, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 14400, max_items_per_job: 50000, max_bytes_per_job: 209715200 },
    { id: 'openai-sync-us', provider: 'openai', mode: 'sync', region: 'us', models: ['*'], discount_bps: 0, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 60, max_items_per_job: 10000, max_bytes_per_job: 104857600 },
  ],
};


let emulator: OpenAIEmulator;
let running: ProviderServer;
let server: TestServer;
let owner: Registered;
let other: Registered;
let openai: OpenAI;
const batchIds = { a: '', b: '' };

/** Runs a batch on the emulator with the official client, as the customer did on OpenAI. */
async function runBatch(endpoint: '/v1/chat/completions' | '/v1/responses', modelName: string, count: number): Promise<string> {
  const lines = Array.from({ length: count }, (_, i) => {
    const text = `ticket ${i + 1}: ${'the printer on floor three is jammed again; '.repeat(i + 1)}`;
    const body = endpoint === '/v1/responses' ? { model: modelName, input: text } : { model: modelName, messages: [{ role: 'user', content: text }] };
    return JSON.stringify({ custom_id: `req-${i + 1}`, method: 'POST', url: endpoint, body });
  });
  const file = await openai.files.create({ file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'input.jsonl'), purpose: 'batch' });
  const batch = await openai.batches.create({ input_file_id: file.id, endpoint, completion_window: '24h' });
  for (let polls = 0; polls < 500; polls++) {
    const current = await openai.batches.retrieve(batch.id);
    if (current.status === 'completed') return batch.id;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`batch ${batch.id} did not complete`);
}

/** Every line of a batch's output and error files, as the test reads them itself. */
async function answers(batchId: string): Promise<{ custom_id: string; status: number; model: string | null; input: bigint; output: bigint }[]> {
  const batch = await openai.batches.retrieve(batchId);
  const rows = [];
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    const text = await (await openai.files.content(fileId)).text();
    for (const line of text.split('\n').filter((entry) => entry.trim() !== '')) {
      const parsed = JSON.parse(line) as { custom_id: string; response: { status_code: number; body: { model?: string; usage?: Record<string, number> } } };
      const usage = parsed.response.body.usage ?? {};
      const input = usage['input_tokens'] ?? usage['prompt_tokens'] ?? 0;
      const output = usage['output_tokens'] ?? usage['completion_tokens'] ?? 0;
      rows.push({ custom_id: parsed.custom_id, status: parsed.response.status_code, model: parsed.response.body.model ?? null, input: BigInt(input), output: BigInt(output) });
    }
  }
  return rows;
}

function putKey(key: string, apiKey: string) {
  return server.request<Record<string, unknown>>('PUT', '/v1/auth/account/provider-keys/openai', { key, body: { api_key: apiKey } });
}

function fetchImport(key: string, body: Record<string, unknown> = {}) {
  return server.request<{ output_file_id: string; input_file_id: string | null; batches: { id: string; output_lines: number; input_lines: number }[]; skipped: unknown[]; lines: Record<string, number>; report_url: string }>(
    'POST',
    '/v1/imports/openai',
    { key, body },
  );
}

beforeAll(async () => {
  emulator = await startOpenAIEmulator({ timeline: { validatingMs: 5, inProgressMs: 40, finalizingMs: 5 } });
  emulator.control.failItems((item) => (item.customId === 'req-2' && item.endpoint === '/v1/chat/completions' ? { status_code: 400, error: { message: 'Invalid prompt.', type: 'invalid_request_error', code: 'invalid_prompt' } } : null));
  openai = new OpenAI({ apiKey: emulator.apiKey, baseURL: emulator.baseURL, maxRetries: 0 });
  batchIds.a = await runBatch('/v1/chat/completions', 'gpt-5.4-mini', 4);
  batchIds.b = await runBatch('/v1/responses', 'gpt-5.4', 3);
  running = await startProviderServer(CATALOG, { OPENAI_API_KEY: 'sk-the-operators-own-key-0000', OPENAI_BASE_URL: emulator.baseURL });
  server = running.server;
  owner = await registerOrg(server, { org_name: 'Fetch A' });
  other = await registerOrg(server, { org_name: 'Fetch B' });
});

afterAll(async () => {
  await running?.stop();
  await emulator?.close();
});

describe('PUT/GET/DELETE /v1/auth/account/provider-keys/openai', () => {
  it('stores the key sealed: the database holds no trace of it in clear, and every answer shows it masked', async () => {
    const saved = await putKey(owner.key, emulator.apiKey);
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ object: 'provider_key', provider: 'openai', api_key: `sk-…${emulator.apiKey.slice(-4)}`, created_at: expect.any(String), updated_at: expect.any(String) });
    const read = await server.request('GET', '/v1/auth/account/provider-keys/openai', { key: owner.key });
    expect(read.body).toEqual(saved.body);
    expect(JSON.stringify([saved.body, read.body])).not.toContain(emulator.apiKey);

    const db = server.server.database.db;
    const rows = await db.selectFrom('provider_keys').selectAll().where('org_id', '=', owner.orgId).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(emulator.apiKey);
    expect(JSON.stringify(rows)).not.toContain(emulator.apiKey.slice(3, -4));
    expect(rows[0]?.key_encrypted).toMatch(/^v1\./);
    // Sealed under the instance's key, which is not in the database: that key opens it.
    expect(server.server.ctx.webhooks.box.open(rows[0]?.key_encrypted ?? '')).toBe(emulator.apiKey);
    const audit = await db.selectFrom('audit_events').selectAll().where('org_id', '=', owner.orgId).execute();
    expect(audit.map((event) => event.action)).toContain('provider_key.saved');
    expect(JSON.stringify(audit)).not.toContain(emulator.apiKey);
  });

  it('owners and admins with keys:write may store it; a member, or a key without keys:write, may not', async () => {
    const admin = await createKey(server, owner.key, { name: 'admin', role: 'admin', scopes: ['keys:write', 'account:read'] });
    expect((await putKey(admin.key, emulator.apiKey)).status).toBe(200);
    const member = await createKey(server, owner.key, { name: 'member', role: 'member', scopes: ['account:read', 'usage:read', 'batches:write'] });
    const byMember = await putKey(member.key, 'sk-member-tries-this-0000');
    expect(byMember.status).toBe(403);
    expect(errorCode(byMember)).toBe('role_not_allowed');
    const removedByMember = await server.request('DELETE', '/v1/auth/account/provider-keys/openai', { key: member.key });
    expect(removedByMember.status).toBe(403);
    const narrow = await createKey(server, owner.key, { name: 'narrow', scopes: ['account:read'] });
    const byNarrow = await putKey(narrow.key, 'sk-narrow-tries-this-0000');
    expect(byNarrow.status).toBe(403);
    expect(errorCode(byNarrow)).toBe('insufficient_scope');
    // Reading the masked key is account:read, which members hold.
    const readByMember = await server.request<{ api_key: string }>('GET', '/v1/auth/account/provider-keys/openai', { key: member.key });
    expect(readByMember.status).toBe(200);
    expect(readByMember.body.api_key).toBe(`sk-…${emulator.apiKey.slice(-4)}`);
    // Nothing the refused calls sent was stored.
    const row = await server.server.database.db.selectFrom('provider_keys').select('key_encrypted').where('org_id', '=', owner.orgId).executeTakeFirstOrThrow();
    expect(server.server.ctx.webhooks.box.open(row.key_encrypted)).toBe(emulator.apiKey);
  });

  it('bad bodies and unknown providers are a 400', async () => {
    for (const [route, body, problem] of [
      ['/v1/auth/account/provider-keys/openai', { api_key: 'short' }, 'api_key'],
      ['/v1/auth/account/provider-keys/openai', { api_key: 'sk-has a space in it 0000' }, 'api_key'],
      ['/v1/auth/account/provider-keys/openai', { api_key: emulator.apiKey, extra: 1 }, 'extra'],
      ['/v1/auth/account/provider-keys/openai', {}, 'api_key'],
      ['/v1/auth/account/provider-keys/anthropic', { api_key: emulator.apiKey }, 'path.provider'],
    ] as const) {
      const response = await server.request('PUT', route, { key: owner.key, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
      expect(detailPaths(response)).toContain(problem);
    }
  });

  it("another org sees no key, and cannot fetch with this org's", async () => {
    const read = await server.request('GET', '/v1/auth/account/provider-keys/openai', { key: other.key });
    expect(read.status).toBe(404);
    expect(errorCode(read)).toBe('provider_key_not_found');
    const fetched = await fetchImport(other.key);
    expect(fetched.status).toBe(404);
    expect(errorCode(fetched)).toBe('provider_key_not_found');
  });
});

describe('POST /v1/imports/openai and the report on it', () => {
  let imported: Awaited<ReturnType<typeof fetchImport>>;

  beforeAll(async () => {
    imported = await fetchImport(owner.key);
  });

  it('fetches the recent batches through the official client at OPENAI_BASE_URL, with the stored key', async () => {
    expect(imported.status).toBe(201);
    expect(imported.body.batches.map((batch) => batch.id)).toEqual([batchIds.b, batchIds.a]);
    expect(imported.body.batches.map((batch) => [batch.output_lines, batch.input_lines])).toEqual([[3, 3], [4, 4]]);
    expect(imported.body.lines).toEqual({ output: 7, input: 7, unreadable: 0 });
    expect(imported.body.report_url).toBe(`/v1/batches/optimization-report?import_provider=openai&import_file_id=${imported.body.output_file_id}&import_input_file_id=${imported.body.input_file_id}`);
    const calls = emulator.requests.filter((request) => request.headers['authorization'] === `Bearer ${emulator.apiKey}` && request.path.startsWith('/v1/files/') && request.path.endsWith('/content'));
    expect(calls.length).toBeGreaterThanOrEqual(4);
  });

  it('the report prices each line of both batches by hand: OpenAI Batch prices against the lane routing picks plus the fee', async () => {
    const response = await server.request<{
      totals: { items: Record<string, number>; openai_cost: string; batchrouter_cost: { provider_cost: string; platform_fee: string; total: string }; savings: { amount: string } };
      items: { custom_id: string; batch_id: string; model: string; status: string; openai_cost: string | null; batchrouter_cost: string | null; lane: string | null }[];
      recommendations: { id: string; changes: { model: string; alternative_model: string }[] }[];
    }>('GET', imported.body.report_url, { key: owner.key });
    expect(response.status).toBe(200);
    const lines = [...(await answers(batchIds.a)).map((line) => ({ ...line, batch: batchIds.a })), ...(await answers(batchIds.b)).map((line) => ({ ...line, batch: batchIds.b }))];
    const succeeded = lines.filter((line) => line.status === 200);
    expect(succeeded).toHaveLength(6);
    // On this catalog BatchRouter runs both models on OpenAI's own batch lane at OpenAI's batch price: it costs the platform fee more.
    const costs = succeeded.map((line) => {
      const list = LIST[line.model ?? ''] ?? [0n, 0n];
      return priceOf([offList(list[0], 5000n), offList(list[1], 5000n)], line.input, line.output);
    });
    const openaiCost = costs.reduce((sum, value) => sum + value, 0n);
    const fee = feeOn(openaiCost, FEE_BPS);
    expect(response.body.totals.items).toEqual({ total: 7, succeeded: 6, failed: 1, missing: 0, priced: 6, not_priced: 0 });
    expect(response.body.totals.openai_cost).toBe(usd(openaiCost));
    expect(response.body.totals.batchrouter_cost).toEqual({ provider_cost: usd(openaiCost), platform_fee: usd(fee), total: usd(openaiCost + fee) });
    expect(response.body.totals.savings.amount).toBe(usd(-fee));
    // Each line keeps its batch: req-1 … appear once per batch.
    const keyed = response.body.items.map((item) => `${item.batch_id}/${item.custom_id}`);
    expect(new Set(keyed).size).toBe(7);
    expect(response.body.items.filter((item) => item.custom_id === 'req-1').map((item) => item.batch_id).sort()).toEqual([batchIds.a, batchIds.b].sort());
    const failed = response.body.items.find((item) => item.batch_id === batchIds.a && item.custom_id === 'req-2');
    expect(failed).toMatchObject({ status: 'failed', model: 'gpt-5.4-mini', openai_cost: null, batchrouter_cost: null });
    for (const item of response.body.items.filter((row) => row.status === 'succeeded')) expect(item.lane).toBe('openai-batch-us');
    expect(response.body.recommendations[0]?.changes.map((change) => `${change.model}→${change.alternative_model}`).sort()).toEqual(['gpt-5.4-mini→gpt-5.4-nano', 'gpt-5.4→gpt-5.4-mini']);
  });

  it('fetches only the named batches when asked', async () => {
    const named = await fetchImport(owner.key, { batch_ids: [batchIds.a], include_input_files: false });
    expect(named.status).toBe(201);
    expect(named.body.batches.map((batch) => batch.id)).toEqual([batchIds.a]);
    expect(named.body.input_file_id).toBeNull();
    expect(named.body.lines).toEqual({ output: 4, input: 0, unreadable: 0 });
  });

  it("another org cannot read this org's import: 404", async () => {
    const response = await server.request('GET', `/v1/batches/optimization-report?import_provider=openai&import_file_id=${imported.body.output_file_id}`, { key: other.key });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('import_file_not_found');
    const file = await server.request('GET', `/v1/files/${imported.body.output_file_id}`, { key: other.key });
    expect(file.status).toBe(404);
  });

  it('needs batches:write to fetch, and usage:read to read the report', async () => {
    const readOnly = await createKey(server, owner.key, { name: 'reader', role: 'member', scopes: ['usage:read'] });
    const refused = await fetchImport(readOnly.key);
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('insufficient_scope');
    const report = await server.request('GET', imported.body.report_url, { key: readOnly.key });
    expect(report.status).toBe(200);
    const noUsage = await createKey(server, owner.key, { name: 'writer', scopes: ['batches:write'] });
    const hidden = await server.request('GET', imported.body.report_url, { key: noUsage.key });
    expect(hidden.status).toBe(403);
  });
});

describe('POST /v1/imports/openai: what OpenAI refuses, and bad requests', () => {
  it('a batch OpenAI does not know is a 404 naming it', async () => {
    const response = await fetchImport(owner.key, { batch_ids: ['batch_doesnotexist'] });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('provider_batch_not_found');
  });

  it('a batch still running is skipped; with nothing else to import, a 422 saying why', async () => {
    emulator.control.stallBatches(true);
    try {
      const file = await openai.files.create({ file: await toFile(Buffer.from(`${JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/responses', body: { model: 'gpt-5.4', input: 'hi' } })}\n`), 'in.jsonl'), purpose: 'batch' });
      const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '24h' });
      const response = await fetchImport(owner.key, { batch_ids: [batch.id] });
      expect(response.status).toBe(422);
      expect(errorCode(response)).toBe('import_empty');
      expect((response.body as unknown as { error: { message: string } }).error.message).toContain(batch.id);
      await openai.batches.cancel(batch.id);
    } finally {
      emulator.control.stallBatches(false);
    }
  });

  it('nothing since a future date is a 422; a date that is not one is a 400', async () => {
    const future = await fetchImport(owner.key, { since: '2999-01-01' });
    expect(future.status).toBe(422);
    expect(errorCode(future)).toBe('import_empty');
    for (const body of [{ since: 'last week' }, { batch_ids: [] }, { batch_ids: ['batch/../x'] }, { batch_ids: 'batch_1' }, { colour: 'blue' }]) {
      const response = await fetchImport(owner.key, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
    }
  });

  it('a key OpenAI refuses is a 422 provider_key_rejected; no files are left behind', async () => {
    const files = async () => (await server.server.database.db.selectFrom('files').select('id').where('org_id', '=', other.orgId).execute()).length;
    expect((await putKey(other.key, 'sk-not-the-emulators-key-0000')).status).toBe(200);
    const before = await files();
    const response: ApiResponse = await fetchImport(other.key);
    expect(response.status).toBe(422);
    expect(errorCode(response)).toBe('provider_key_rejected');
    expect(await files()).toBe(before);
  });

  it('once the key is removed, fetching is a 404 until one is stored again', async () => {
    const removed = await server.request('DELETE', '/v1/auth/account/provider-keys/openai', { key: other.key });
    expect(removed.status).toBe(204);
    const again = await server.request('DELETE', '/v1/auth/account/provider-keys/openai', { key: other.key });
    expect(again.status).toBe(404);
    const response = await fetchImport(other.key);
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('provider_key_not_found');
  });
});
