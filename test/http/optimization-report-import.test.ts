/**
 * The optimization report of a workload that ran on OpenAI Batch, from files uploaded with
 * POST /v1/files?purpose=import: every line re-priced by hand (BigInt) as OpenAI charged it (list
 * price less the 50% batch discount) and as BatchRouter would (the lane routing picks, plus the
 * 5% platform fee shared over the items by cost), with failed lines, lines out of order, a model
 * the catalog does not know, the input file for the failed lines' models, and item pages.
 *
 * The catalog: OpenAI's models (lanes of `openai` stay off: no key) and a simulated provider,
 * relay, whose batch lane runs the chat models at 60% off list and whose sync lane runs the
 * embedding model at 10% off: so BatchRouter costs less than OpenAI Batch for chat, more for
 * embeddings.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailPaths, detailsOf, submit } from '../helpers/batch-requests.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';
import { feeOn, feeShares, micros, offList, percent, priceOf, usd, withFee, type Prices } from '../helpers/usage-arithmetic.ts';

const FEE_BPS = 500n;
/** List prices, micro-USD per million tokens: [input, output]. */
const LIST: Record<string, Prices> = {
  'gpt-5.4': [1_250_000n, 10_000_000n],
  'gpt-5.4-mini': [250_000n, 2_000_000n],
  'gpt-5.4-nano': [50_000n, 400_000n],
  'text-embedding-3-small': [20_000n, 0n],
};
/** What each relay lane takes off the list price, in basis points. */
const RELAY = { 'relay-batch': 6000n, 'relay-sync': 1000n } as const;

const LIMITS = { max_items_per_job: 1000, max_bytes_per_job: 10_000_000 };
const model = (id: string, operations: string[], input: string, output: string, equivalents: string[]) => ({
  id,
  provider: 'openai',
  display_name: id,
  operations,
  input_per_million: input,
  output_per_million: output,
  expected_output_tokens: operations.includes('embeddings') ? 0 : 300,
  default_max_output_tokens: operations.includes('embeddings') ? 0 : 1024,
  equivalents,
});
const CHAT = ['responses', 'chat.completions'];
const CATALOG = {
  platform_fee_bps: Number(FEE_BPS),
  providers: [
    { id: 'openai', name: 'OpenAI', kind: 'openai' },
    { id: 'relay', name: 'Relay (simulated)', kind: 'sandbox' },
  ],
  models: [
    model('gpt-5.4', CHAT, '1.25', '10.00', ['gpt-5.4-mini']),
    model('gpt-5.4-mini', CHAT, '0.25', '2.00', ['gpt-5.4-nano']),
    model('gpt-5.4-nano', CHAT, '0.05', '0.40', []),
    model('text-embedding-3-small', ['embeddings'], '0.02', '0', []),
  ],
  lanes: [
    { id: 'openai-batch-us', provider: 'openai', mode: 'batch', region: 'us', models: ['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano'], discount_bps: 5000, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 14400, ...LIMITS },
    { id: 'relay-batch', provider: 'relay', mode: 'batch', region: 'us', models: ['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano'], discount_bps: Number(RELAY['relay-batch']), zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 3600, ...LIMITS },
    { id: 'relay-sync', provider: 'relay', mode: 'sync', region: 'us', models: ['text-embedding-3-small'], discount_bps: Number(RELAY['relay-sync']), zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 60, ...LIMITS },
  ],
};

// --- The OpenAI Batch files, as OpenAI writes them --------------------------------------------

/** An output line answering `id` with `body`. */
const answer = (id: string, body: Record<string, unknown>, statusCode = 200) => ({ id: `batch_req_${id}`, custom_id: id, response: { status_code: statusCode, request_id: `req_${id}`, body }, error: null });
const chatAnswer = (id: string, modelName: string, prompt: number, completion: number) =>
  answer(id, {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: 1_780_000_000,
    model: modelName,
    choices: [{ index: 0, message: { role: 'assistant', content: 'Done.', refusal: null }, finish_reason: 'stop' }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
    system_fingerprint: 'fp_0123456789',
  });
const responsesAnswer = (id: string, modelName: string, input: number, output: number) =>
  answer(id, {
    id: `resp_${id}`,
    object: 'response',
    created_at: 1_780_000_000,
    status: 'completed',
    model: modelName,
    output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] }],
    usage: { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output },
  });
const embeddingAnswer = (id: string, modelName: string, prompt: number) =>
  answer(id, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2] }], model: modelName, usage: { prompt_tokens: prompt, total_tokens: prompt } });

/** The output file: answers in the order OpenAI finished them, not the input's; a 400 and an expired request among them. */
const OUTPUT_LINES = [
  chatAnswer('req-3', 'gpt-5.4-2026-03-05', 1200, 350),
  responsesAnswer('req-1', 'gpt-5.4-mini-2026-03-05', 800, 150),
  embeddingAnswer('req-7', 'text-embedding-3-small', 5000),
  chatAnswer('req-2', 'gpt-5.4-mini-2026-03-05', 640, 210),
  answer('req-5', { error: { message: "Invalid 'messages': empty array.", type: 'invalid_request_error', param: 'messages', code: 'empty_array' } }, 400),
  chatAnswer('req-4', 'gpt-4o-audio-preview-2024-12-17', 300, 90),
  { id: 'batch_req_req-6', custom_id: 'req-6', response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } },
  responsesAnswer('req-9', 'gpt-5.4', 2000, 0),
  responsesAnswer('req-8', 'gpt-5.4-nano', 100, 40),
];

const request = (id: string, url: string, modelName: string) => ({ custom_id: id, method: 'POST', url, body: { model: modelName, messages: [{ role: 'user', content: `ticket ${id}` }] } });
/** The input file: req-10 has no answer in the output file. */
const INPUT_LINES = [
  request('req-1', '/v1/responses', 'gpt-5.4-mini'),
  request('req-2', '/v1/chat/completions', 'gpt-5.4-mini'),
  request('req-3', '/v1/chat/completions', 'gpt-5.4'),
  request('req-4', '/v1/chat/completions', 'gpt-4o-audio-preview'),
  request('req-5', '/v1/chat/completions', 'gpt-5.4'),
  request('req-6', '/v1/responses', 'gpt-5.4-mini'),
  request('req-7', '/v1/embeddings', 'text-embedding-3-small'),
  request('req-8', '/v1/responses', 'gpt-5.4-nano'),
  request('req-9', '/v1/responses', 'gpt-5.4'),
  request('req-10', '/v1/chat/completions', 'gpt-5.4-mini'),
];

const jsonl = (lines: unknown[]) => `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;

// --- The hand computation ---------------------------------------------------------------------

const openaiBatch = (modelId: string): Prices => {
  const list = LIST[modelId] ?? [0n, 0n];
  return [offList(list[0], 5000n), offList(list[1], 5000n)];
};
const relay = (modelId: string): { lane: keyof typeof RELAY; prices: Prices } => {
  const lane = modelId === 'text-embedding-3-small' ? 'relay-sync' : 'relay-batch';
  const list = LIST[modelId] ?? [0n, 0n];
  return { lane, prices: [offList(list[0], RELAY[lane]), offList(list[1], RELAY[lane])] };
};

/** The priced lines, in output order: custom id, catalog model, endpoint, tokens. */
const PRICED = [
  { custom_id: 'req-3', model: 'gpt-5.4', endpoint: '/v1/chat/completions', input: 1200n, output: 350n },
  { custom_id: 'req-1', model: 'gpt-5.4-mini', endpoint: '/v1/responses', input: 800n, output: 150n },
  { custom_id: 'req-7', model: 'text-embedding-3-small', endpoint: '/v1/embeddings', input: 5000n, output: 0n },
  { custom_id: 'req-2', model: 'gpt-5.4-mini', endpoint: '/v1/chat/completions', input: 640n, output: 210n },
  { custom_id: 'req-9', model: 'gpt-5.4', endpoint: '/v1/responses', input: 2000n, output: 0n },
  { custom_id: 'req-8', model: 'gpt-5.4-nano', endpoint: '/v1/responses', input: 100n, output: 40n },
];

function handComputation() {
  const laneCosts = PRICED.map((line) => priceOf(relay(line.model).prices, line.input, line.output));
  const subtotal = laneCosts.reduce((sum, value) => sum + value, 0n);
  const fee = feeOn(subtotal, FEE_BPS);
  const shares = feeShares(fee, laneCosts);
  const items = PRICED.map((line, k) => {
    const openai = priceOf(openaiBatch(line.model), line.input, line.output);
    const batchrouter = (laneCosts[k] ?? 0n) + (shares[k] ?? 0n);
    return { ...line, lane: relay(line.model).lane, openai, batchrouter, savings: openai - batchrouter };
  });
  return { items, subtotal, fee };
}

type Money = string;
type ImportReportBody = {
  object: string;
  source: string;
  import_file_id: string | null;
  import_input_file_id: string | null;
  routed_as: { sla_tier: string; routing_mode: string };
  notice: string | null;
  totals: {
    items: { total: number; succeeded: number; failed: number; missing: number; priced: number; not_priced: number };
    input_tokens: number;
    output_tokens: number;
    openai_cost: Money;
    batchrouter_cost: { provider_cost: Money; platform_fee: Money; total: Money };
    savings: { amount: Money; percent: number };
  };
  not_priced: { reason: string; items: number; models: string[] }[];
  by_model: { key: string; items: number; priced: number; input_tokens: number; output_tokens: number; openai_cost: Money; batchrouter_cost: Money; savings: { amount: Money; percent: number } }[];
  by_lane: { key: string; mode: string | null; items: number; priced: number; openai_cost: Money; batchrouter_cost: Money }[];
  recommendations: { id: string; effect: { amount: Money; percent: number }; cost: Money; alternative_cost: Money; items: { count: number; examples: { custom_id: string; batch_id: string | null }[] }; changes: { model: string; alternative_model: string; alternative_lane: string; items: number; cost: Money; alternative_cost: Money; effect: Money }[] }[];
  potential_savings: { amount: Money; percent: number };
  items: ItemRow[];
  next_items_cursor: string | null;
};
type ItemRow = {
  custom_id: string;
  batch_id: string | null;
  model: string | null;
  endpoint: string | null;
  status: string;
  error_code: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  openai_cost: Money | null;
  batchrouter_cost: Money | null;
  lane: string | null;
  savings: Money | null;
  not_priced_reason: string | null;
};

// --- The server -------------------------------------------------------------------------------

let server: TestServer;
let catalogDirectory: string;
let org: Registered;
let other: Registered;
let outputFileId: string;
let inputFileId: string;

function upload(key: string, body: string, filename = 'batch_output.jsonl') {
  return server.request<{ id: string; purpose: string; import_format: string; item_count: number; status: string; bytes: number }>('POST', `/v1/files?purpose=import&filename=${filename}`, {
    key,
    rawBody: body,
    headers: { 'content-type': 'application/jsonl' },
  });
}

function report(key: string, query: string): Promise<ApiResponse<ImportReportBody>> {
  return server.request<ImportReportBody>('GET', `/v1/batches/optimization-report?import_provider=openai${query === '' ? '' : `&${query}`}`, { key });
}

beforeAll(async () => {
  catalogDirectory = await mkdtemp(path.join(tmpdir(), 'br-import-'));
  const catalogFile = path.join(catalogDirectory, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(CATALOG));
  server = await startTestServer({ catalogFile });
  org = await registerOrg(server, { org_name: 'Import A' });
  other = await registerOrg(server, { org_name: 'Import B' });
  const output = await upload(org.key, jsonl(OUTPUT_LINES));
  if (output.status !== 201) throw new Error(`upload answered ${output.status}: ${JSON.stringify(output.body)}`);
  outputFileId = output.body.id;
  const input = await upload(org.key, jsonl(INPUT_LINES), 'batch_input.jsonl');
  if (input.status !== 201) throw new Error(`upload answered ${input.status}: ${JSON.stringify(input.body)}`);
  inputFileId = input.body.id;
});

afterAll(async () => {
  await server?.stop();
  if (catalogDirectory) await rm(catalogDirectory, { recursive: true, force: true });
});

describe('POST /v1/files?purpose=import', () => {
  it('stores an OpenAI Batch output file and its input file, each told apart by its lines', async () => {
    const output = await server.request('GET', `/v1/files/${outputFileId}`, { key: org.key });
    expect(output.body).toMatchObject({ object: 'file', purpose: 'import', import_format: 'openai_batch_output', item_count: OUTPUT_LINES.length, status: 'ready', bytes: Buffer.byteLength(jsonl(OUTPUT_LINES)) });
    const input = await server.request('GET', `/v1/files/${inputFileId}`, { key: org.key });
    expect(input.body).toMatchObject({ purpose: 'import', import_format: 'openai_batch_input', item_count: INPUT_LINES.length });
  });

  it('keeps no prompt and no answer: only ids, status, model, endpoint and usage', async () => {
    const rows = await server.server.database.db.selectFrom('import_lines').selectAll().where('file_id', 'in', [outputFileId, inputFileId]).execute();
    expect(rows).toHaveLength(OUTPUT_LINES.length + INPUT_LINES.length);
    expect(JSON.stringify(rows)).not.toMatch(/Done\.|ticket req|empty array/);
  });

  const BAD: [name: string, body: string, path: string, message: RegExp][] = [
    ['a BatchRouter manifest', jsonl([{ customer_item_id: 'a', operation: 'responses', model: 'gpt-5.4', input: { input: 'hi' } }]), 'lines[1]', /manifest/],
    ['some other JSON', jsonl([{ foo: 1 }]), 'lines[1]', /neither an OpenAI Batch output line/],
    ['text that is not JSON', 'custom_id,model\nreq-1,gpt-5.4\n', 'lines[1]', /not valid JSON/],
    ['an answer without usage', jsonl([{ ...chatAnswer('x', 'gpt-5.4', 1, 1), response: { status_code: 200, body: { object: 'chat.completion', model: 'gpt-5.4' } } }]), 'lines[1].response.body.usage', /usage/],
    ['negative tokens', jsonl([chatAnswer('x', 'gpt-5.4', -5, 1)]), 'lines[1].response.body.usage.prompt_tokens', /whole number/],
    ['a repeated custom_id', jsonl([chatAnswer('x', 'gpt-5.4', 1, 1), chatAnswer('x', 'gpt-5.4', 2, 2)]), 'lines[2].custom_id', /duplicates/],
    ['an input line among output lines', jsonl([chatAnswer('x', 'gpt-5.4', 1, 1), request('y', '/v1/chat/completions', 'gpt-5.4')]), 'lines[2]', /input line/],
    ['a line with neither response nor error', jsonl([{ id: 'batch_req_1', custom_id: 'x', response: null, error: null }]), 'lines[1]', /neither a response nor an error/],
    ['a custom_id with NUL', jsonl([chatAnswer('a\u0000b', 'gpt-5.4', 1, 1)]), 'lines[1].custom_id', /non-empty string/],
    ['an empty file', '\n\n', 'lines', /no lines/],
  ];
  for (const [name, body, problemPath, message] of BAD) {
    it(`refuses ${name} with a 400 naming the line, and keeps nothing`, async () => {
      const before = await server.server.database.db.selectFrom('files').select('id').where('org_id', '=', org.orgId).execute();
      const response = await upload(org.key, body);
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
      expect(detailPaths(response)).toContain(problemPath);
      expect(detailsOf(response).map((detail) => detail.message).join(' ')).toMatch(message);
      const after = await server.server.database.db.selectFrom('files').select('id').where('org_id', '=', org.orgId).execute();
      expect(after).toHaveLength(before.length);
    });
  }

  it('an import file cannot be submitted as a batch manifest', async () => {
    const response = await submit(server, org.key, { input_file_id: outputFileId });
    expect(response.status).toBe(400);
    expect(detailPaths(response)).toEqual(['input_file_id']);
  });
});

describe('GET /v1/batches/optimization-report?import_provider=openai', () => {
  it('prices every line as OpenAI charged it and as BatchRouter would, exactly as computed by hand', async () => {
    const response = await report(org.key, `import_file_id=${outputFileId}&import_input_file_id=${inputFileId}`);
    expect(response.status).toBe(200);
    const { items, subtotal, fee } = handComputation();
    const openai = items.reduce((sum, item) => sum + item.openai, 0n);
    expect(response.body).toMatchObject({
      object: 'optimization_report',
      source: 'openai_import',
      import_file_id: outputFileId,
      import_input_file_id: inputFileId,
      routed_as: { sla_tier: 'standard', routing_mode: 'sla_aware' },
      notice: null,
    });
    expect(response.body.totals).toEqual({
      items: { total: 10, succeeded: 7, failed: 2, missing: 1, priced: 6, not_priced: 1 },
      input_tokens: Number(items.reduce((sum, item) => sum + item.input, 0n)),
      output_tokens: Number(items.reduce((sum, item) => sum + item.output, 0n)),
      openai_cost: usd(openai),
      batchrouter_cost: { provider_cost: usd(subtotal), platform_fee: usd(fee), total: usd(subtotal + fee) },
      savings: { amount: usd(openai - subtotal - fee), percent: percent(openai - subtotal - fee, openai) },
    });
    expect(response.body.not_priced).toEqual([{ reason: 'model_not_in_catalog', items: 1, models: ['gpt-4o-audio-preview-2024-12-17'] }]);
  });

  it('by model and by lane, the groups adding up to the totals; embeddings cost more on BatchRouter here, and it says so', async () => {
    const response = await report(org.key, `import_file_id=${outputFileId}`);
    const { items } = handComputation();
    const group = (of: typeof items) => ({
      priced: of.length,
      input_tokens: Number(of.reduce((sum, item) => sum + item.input, 0n)),
      output_tokens: Number(of.reduce((sum, item) => sum + item.output, 0n)),
      openai_cost: usd(of.reduce((sum, item) => sum + item.openai, 0n)),
      batchrouter_cost: usd(of.reduce((sum, item) => sum + item.batchrouter, 0n)),
    });
    const models = ['gpt-4o-audio-preview-2024-12-17', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano', 'text-embedding-3-small'];
    expect(response.body.by_model.map(({ key, items: count, priced, input_tokens, output_tokens, openai_cost, batchrouter_cost }) => ({ key, count, priced, input_tokens, output_tokens, openai_cost, batchrouter_cost }))).toEqual(
      models.map((key) => ({ key, count: key.startsWith('gpt-4o') ? 1 : items.filter((item) => item.model === key).length, ...group(items.filter((item) => item.model === key)) })),
    );
    const embeddings = response.body.by_model.find((entry) => entry.key === 'text-embedding-3-small');
    expect(micros(embeddings?.savings.amount ?? '0.00')).toBeLessThan(0n);
    expect(response.body.by_lane.map(({ key, mode, openai_cost, batchrouter_cost }) => ({ key, mode, openai_cost, batchrouter_cost }))).toEqual([
      { key: 'relay-batch', mode: 'batch', ...pick(group(items.filter((item) => item.lane === 'relay-batch'))) },
      { key: 'relay-sync', mode: 'sync', ...pick(group(items.filter((item) => item.lane === 'relay-sync'))) },
    ]);
  });

  it('lists every line item by item, a page at a time: output order, failed lines with their model from the input file, then requests with no answer', async () => {
    const { items } = handComputation();
    const priced = new Map(items.map((item) => [item.custom_id, item]));
    const expected: ItemRow[] = OUTPUT_LINES.map((line): ItemRow => {
      const item = priced.get(line.custom_id);
      if (item) {
        return { custom_id: item.custom_id, batch_id: null, model: item.model, endpoint: item.endpoint, status: 'succeeded', error_code: null, input_tokens: Number(item.input), output_tokens: Number(item.output), openai_cost: usd(item.openai), batchrouter_cost: usd(item.batchrouter), lane: item.lane, savings: usd(item.savings), not_priced_reason: null };
      }
      const failed = { batch_id: null, input_tokens: null, output_tokens: null, openai_cost: null, batchrouter_cost: null, lane: null, savings: null, not_priced_reason: null };
      if (line.custom_id === 'req-4') return { ...failed, custom_id: 'req-4', model: 'gpt-4o-audio-preview-2024-12-17', endpoint: '/v1/chat/completions', status: 'succeeded', error_code: null, input_tokens: 300, output_tokens: 90, not_priced_reason: 'model_not_in_catalog' };
      if (line.custom_id === 'req-5') return { ...failed, custom_id: 'req-5', model: 'gpt-5.4', endpoint: '/v1/chat/completions', status: 'failed', error_code: 'empty_array' };
      return { ...failed, custom_id: 'req-6', model: 'gpt-5.4-mini', endpoint: '/v1/responses', status: 'failed', error_code: 'batch_expired' };
    });
    expected.push({ custom_id: 'req-10', batch_id: null, model: 'gpt-5.4-mini', endpoint: '/v1/chat/completions', status: 'missing', error_code: null, input_tokens: null, output_tokens: null, openai_cost: null, batchrouter_cost: null, lane: null, savings: null, not_priced_reason: null });

    const pages: ItemRow[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `import_file_id=${outputFileId}&import_input_file_id=${inputFileId}&items_limit=4${cursor === null ? '' : `&items_cursor=${cursor}`}`;
      const page: ApiResponse<ImportReportBody> = await report(org.key, query);
      expect(page.status).toBe(200);
      pages.push(page.body.items);
      cursor = page.body.next_items_cursor;
    } while (cursor !== null && pages.length < 10);
    expect(pages.map((page) => page.length)).toEqual([4, 4, 2]);
    expect(pages.flat()).toEqual(expected);
  });

  it('recommends the catalog equivalents: the effect is BatchRouter’s cost less the same tokens on the equivalent’s cheapest lane, fee included', async () => {
    const response = await report(org.key, `import_file_id=${outputFileId}`);
    const { items } = handComputation();
    // Each model is re-priced per operation (the fee on each part, rounded up), and shown per model.
    const part = (from: string, endpoint: string, to: string) => {
      const of = items.filter((item) => item.model === from && item.endpoint === endpoint);
      const costNow = of.reduce((sum, item) => sum + item.batchrouter, 0n);
      return { items: of.length, cost: costNow, alternative: withFee(of.reduce((sum, item) => sum + priceOf(relay(to).prices, item.input, item.output), 0n), FEE_BPS) };
    };
    const groups = [
      { from: 'gpt-5.4', to: 'gpt-5.4-mini' },
      { from: 'gpt-5.4-mini', to: 'gpt-5.4-nano' },
    ].map((change) => {
      const parts = ['/v1/chat/completions', '/v1/responses'].map((endpoint) => part(change.from, endpoint, change.to));
      const total = (pick: (p: (typeof parts)[number]) => bigint) => parts.reduce((sum, p) => sum + pick(p), 0n);
      const costNow = total((p) => p.cost);
      const alternative = total((p) => p.alternative);
      return { model: change.from, alternative_model: change.to, alternative_lane: 'relay-batch', items: parts.reduce((sum, p) => sum + p.items, 0), cost: costNow, alternative, effect: costNow - alternative };
    });
    const [recommendation] = response.body.recommendations;
    expect(response.body.recommendations).toHaveLength(1);
    expect(recommendation?.id).toBe('cheaper_equivalent');
    const shown = (recommendation?.changes ?? []).map((change) => ({ model: change.model, alternative_model: change.alternative_model, alternative_lane: change.alternative_lane, items: change.items, cost: micros(change.cost), alternative: micros(change.alternative_cost), effect: micros(change.effect) }));
    expect(shown).toEqual([...groups].sort((a, b) => Number(b.effect - a.effect)));
    const effect = groups.reduce((sum, group) => sum + group.effect, 0n);
    expect(micros(recommendation?.effect.amount ?? '')).toBe(effect);
    expect(recommendation?.items.count).toBe(4);
    expect(micros(response.body.potential_savings.amount)).toBe(effect);
  });

  it('routes as the query asks: priority leaves the chat models no lane, and says so', async () => {
    const response = await report(org.key, `import_file_id=${outputFileId}&sla_tier=priority`);
    expect(response.status).toBe(200);
    expect(response.body.routed_as).toEqual({ sla_tier: 'priority', routing_mode: 'sla_aware' });
    expect(response.body.totals.items).toMatchObject({ priced: 1, not_priced: 6 });
    expect(response.body.not_priced).toEqual([
      { reason: 'model_not_in_catalog', items: 1, models: ['gpt-4o-audio-preview-2024-12-17'] },
      { reason: 'no_lane', items: 5, models: ['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano'] },
    ]);
  });

  it('without import_file_id reports the latest import; an org with none gets a notice, not an error (the seed quickstart)', async () => {
    const latest = await report(org.key, '');
    expect(latest.status).toBe(200);
    expect(latest.body.import_file_id).toBe(outputFileId);
    const fresh = await registerOrg(server);
    const empty = await report(fresh.key, '');
    expect(empty.status).toBe(200);
    expect(empty.body.import_file_id).toBeNull();
    expect(empty.body.notice).toMatch(/purpose=import/);
    expect(empty.body.totals.items.total).toBe(0);
    expect(empty.body.items).toEqual([]);
  });
});

describe('GET /v1/batches/optimization-report?import_provider=openai: wrong files and bad parameters', () => {
  it("another org's import file is a 404, as is an unknown one", async () => {
    for (const query of [`import_file_id=${outputFileId}`, `import_file_id=file_doesnotexist`]) {
      const response = await report(other.key, query);
      expect(response.status).toBe(404);
      expect(errorCode(response)).toBe('import_file_not_found');
    }
    const ownOutput = await upload(other.key, jsonl([chatAnswer('b-1', 'gpt-5.4', 10, 10)]));
    const theirs = await report(other.key, `import_file_id=${ownOutput.body.id}&import_input_file_id=${inputFileId}`);
    expect(theirs.status).toBe(404);
    expect(errorCode(theirs)).toBe('import_file_not_found');
  });

  it('an input file named as the output file, or a manifest file, is a 400 saying which is which', async () => {
    const swapped = await report(org.key, `import_file_id=${inputFileId}`);
    expect(swapped.status).toBe(400);
    expect(detailsOf(swapped)).toEqual([{ path: 'query.import_file_id', message: expect.stringMatching(/input file: name it import_input_file_id/) }]);
    const outputAsInput = await report(org.key, `import_file_id=${outputFileId}&import_input_file_id=${outputFileId}`);
    expect(outputAsInput.status).toBe(400);
    expect(detailPaths(outputAsInput)).toEqual(['query.import_input_file_id']);
    const manifest = await server.request<{ id: string }>('POST', '/v1/files?filename=m.jsonl', {
      key: org.key,
      rawBody: jsonl([{ customer_item_id: 'a', operation: 'responses', model: 'gpt-5.4', input: { input: 'hi' } }]),
      headers: { 'content-type': 'application/jsonl' },
    });
    expect(manifest.status).toBe(201);
    const asImport = await report(org.key, `import_file_id=${manifest.body.id}`);
    expect(asImport.status).toBe(400);
    expect(detailsOf(asImport)[0]?.message).toMatch(/manifest file, not an import/);
  });

  it('a cursor that is not one the report gave out, or another import’s, is a 400', async () => {
    const other = Buffer.from(JSON.stringify(['file_other', 4])).toString('base64url');
    for (const cursor of ['garbage', other, Buffer.from('[1,2]').toString('base64url')]) {
      const response = await report(org.key, `import_file_id=${outputFileId}&items_cursor=${cursor}`);
      expect(response.status).toBe(400);
      expect(detailPaths(response)).toEqual(['query.items_cursor']);
    }
  });

  it('an input file without its output file is a 400', async () => {
    const response = await report(org.key, `import_input_file_id=${inputFileId}`);
    expect(response.status).toBe(400);
    expect(detailPaths(response)).toEqual(['query.import_input_file_id']);
  });
});

function pick(group: { openai_cost: Money; batchrouter_cost: Money }) {
  return { openai_cost: group.openai_cost, batchrouter_cost: group.batchrouter_cost };
}
