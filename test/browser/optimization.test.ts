/**
 * The optimization page in the browser. An owner whose batches finished (submitted through the
 * API with a key made in the dashboard: one standard batch routed `fastest`, one `priority`
 * batch) sees the report of them, its savings chart by lane, model and SLA tier, and the
 * recommendations, as the API answers them. They upload an OpenAI Batch output file (several
 * catalog models, usage on every line, a failed line, a model the catalog does not know, answers
 * out of order) with its input file, and read the report of it: totals as the API answers them,
 * savings by model, the lines not priced, the lines a page at a time. They store an OpenAI key
 * (shown masked, then removed) and fetch their recent batches from the OpenAI emulator with it;
 * a key OpenAI rejects, no key at all, and OpenAI unreachable each say so. A member sees the key
 * read-only and why.
 */
import OpenAI, { toFile } from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { submit, waitForStatus as waitForBatchStatus, TERMINAL_STATUSES } from '../helpers/batch-requests.ts';
import { manifestOf } from '../helpers/batches.ts';
import { linkOf, PASSWORD, uniqueEmail, waitForMail } from '../helpers/browser.ts';
import { grantMicros } from '../helpers/money.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { checkPageInBothThemes, closePage, expectNoPageProblems, launchBrowser, openPage } from './harness.ts';
import { alertCode, createKeyInSettings, inviteThroughSettings, openFromNavigation, signedInOrgId, signUpThroughForm, waitForStatus } from './flows.ts';

interface Savings {
  amount: string;
  percent: number;
}

interface Breakdown {
  key: string;
  savings: Savings;
}

interface NativeReport {
  totals: { items: { total: number }; cost: { total: string }; baseline: string; savings: Savings };
  by_lane: Breakdown[];
  by_model: Breakdown[];
  by_sla_tier: Breakdown[];
  recommendations: { id: string; title: string; effect: Savings; items: { count: number }; explanation: string }[];
  potential_savings: Savings;
}

interface ImportReport {
  import_file_id: string | null;
  totals: { items: { total: number; succeeded: number; failed: number; missing: number; priced: number; not_priced: number }; openai_cost: string; batchrouter_cost: { total: string }; savings: Savings };
  not_priced: { reason: string; items: number; models: string[] }[];
  by_model: Breakdown[];
  items: { custom_id: string }[];
}

/** An API amount as the dashboard writes it: "0.0042" → "$0.0042", "-0.5" → "-$0.50". */
function dollars(amount: string): string {
  const [whole = '0', fraction = ''] = amount.replace(/^-/, '').split('.');
  return `${amount.startsWith('-') ? '-' : ''}$${whole}.${fraction.padEnd(2, '0')}`;
}

/** The page's default range, the last 30 UTC days, as the API takes it. */
function lastThirtyDays(): string {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  return `from=${day(-29)}&to=${day(1)}`;
}

// --- An OpenAI Batch workload, as OpenAI writes its files ----------------------------------------

type Endpoint = '/v1/chat/completions' | '/v1/responses' | '/v1/embeddings';

function answer(customId: string, endpoint: Endpoint, model: string, input: number, output: number): string {
  const usage =
    endpoint === '/v1/responses'
      ? { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output }
      : endpoint === '/v1/embeddings'
        ? { prompt_tokens: input, total_tokens: input }
        : { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
  const body =
    endpoint === '/v1/responses'
      ? { id: `resp_${customId}`, object: 'response', status: 'completed', model, output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Resolved.' }] }], usage }
      : endpoint === '/v1/embeddings'
        ? { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.012, -0.034] }], model, usage }
        : { id: `chatcmpl-${customId}`, object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: 'Resolved.' }, finish_reason: 'stop' }], usage };
  return JSON.stringify({ id: `batch_req_${customId}`, custom_id: customId, response: { status_code: 200, request_id: `req_${customId}`, body }, error: null });
}

/** Twelve answers in the order OpenAI finished them; req-05 failed; req-12 ran a model no catalog lists. */
const OUTPUT_FILE = [
  answer('req-07', '/v1/chat/completions', 'gpt-5.4-mini-2026-03-05', 1420, 310),
  answer('req-02', '/v1/responses', 'gpt-5.4', 2210, 640),
  answer('req-11', '/v1/embeddings', 'text-embedding-3-small', 5120, 0),
  answer('req-01', '/v1/chat/completions', 'gpt-5.4-mini', 980, 205),
  JSON.stringify({
    id: 'batch_req_req-05',
    custom_id: 'req-05',
    response: { status_code: 400, request_id: 'req_req-05', body: { error: { message: "Invalid 'messages': empty array.", type: 'invalid_request_error', param: 'messages', code: 'empty_array' } } },
    error: null,
  }),
  answer('req-09', '/v1/responses', 'gpt-5.4-nano', 640, 120),
  answer('req-03', '/v1/chat/completions', 'gpt-5.4-2026-03-05', 3050, 870),
  answer('req-12', '/v1/chat/completions', 'gpt-4o-audio-preview-2024-12-17', 400, 96),
  answer('req-04', '/v1/responses', 'gpt-5.4-mini', 1210, 415),
  answer('req-10', '/v1/chat/completions', 'gpt-5.4-nano', 355, 88),
  answer('req-06', '/v1/chat/completions', 'gpt-5.4', 1875, 402),
  answer('req-08', '/v1/embeddings', 'text-embedding-3-small', 2300, 0),
];

const INPUT_MODELS: Record<string, [Endpoint, string]> = {
  'req-01': ['/v1/chat/completions', 'gpt-5.4-mini'],
  'req-02': ['/v1/responses', 'gpt-5.4'],
  'req-03': ['/v1/chat/completions', 'gpt-5.4'],
  'req-04': ['/v1/responses', 'gpt-5.4-mini'],
  'req-05': ['/v1/chat/completions', 'gpt-5.4'],
  'req-06': ['/v1/chat/completions', 'gpt-5.4'],
  'req-07': ['/v1/chat/completions', 'gpt-5.4-mini'],
  'req-08': ['/v1/embeddings', 'text-embedding-3-small'],
  'req-09': ['/v1/responses', 'gpt-5.4-nano'],
  'req-10': ['/v1/chat/completions', 'gpt-5.4-nano'],
  'req-11': ['/v1/embeddings', 'text-embedding-3-small'],
  'req-12': ['/v1/chat/completions', 'gpt-4o-audio-preview'],
  'req-13': ['/v1/chat/completions', 'gpt-5.4-mini'],
};

/** The input file: thirteen requests; req-13 got no answer. */
const INPUT_FILE = Object.entries(INPUT_MODELS).map(([customId, [url, model]]) => {
  const body = url === '/v1/embeddings' ? { model, input: `ticket ${customId}` } : url === '/v1/responses' ? { model, input: `Summarise ticket ${customId}.` } : { model, messages: [{ role: 'user', content: `Summarise ticket ${customId}.` }] };
  return JSON.stringify({ custom_id: customId, method: 'POST', url, body });
});

const jsonl = (lines: readonly string[]) => Buffer.from(`${lines.join('\n')}\n`);

describe('the optimization report in the dashboard', () => {
  let emulator: OpenAIEmulator;
  let emulatorOpen = false;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let key = '';
  let openaiBatchId = '';

  /** A batch run on the OpenAI emulator with the official client, as the customer did on OpenAI. */
  async function runOpenAIBatch(): Promise<string> {
    const openai = new OpenAI({ apiKey: emulator.apiKey, baseURL: emulator.baseURL, maxRetries: 0 });
    const lines = ['printer jammed', 'password reset', 'refund request'].map((text, index) => JSON.stringify({ custom_id: `ticket-${index + 1}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-5.4-mini', messages: [{ role: 'user', content: text }] } }));
    const file = await openai.files.create({ file: await toFile(jsonl(lines), 'tickets.jsonl'), purpose: 'batch' });
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    for (let polls = 0; polls < 500; polls++) {
      if ((await openai.batches.retrieve(batch.id)).status === 'completed') return batch.id;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`OpenAI batch ${batch.id} did not complete`);
  }

  beforeAll(async () => {
    emulator = await startOpenAIEmulator({ timeline: { validatingMs: 5, inProgressMs: 20, finalizingMs: 5 } });
    emulatorOpen = true;
    openaiBatchId = await runOpenAIBatch();
    // OpenAI's endpoint is the emulator; with no OPENAI_API_KEY its lanes stay off, the sandbox's run the batches.
    server = await startTestServer({ providerEnvironment: new Map([['OPENAI_BASE_URL', emulator.baseURL]]) });
    browser = await launchBrowser();
    page = await openPage(browser, server.url);
    await signUpThroughForm(page, { email: uniqueEmail('optimizer'), password: PASSWORD, workspace: 'Optimize Co' });
    await grantMicros(server, await signedInOrgId(page), 50_000_000);
    key = await createKeyInSettings(page, 'pipeline', 'owner');

    const hurried = await submit(server, key, manifestOf(3, { routing_mode: 'fastest' }));
    const urgent = await submit(server, key, manifestOf(2, { sla_tier: 'priority', routing_mode: 'sla_aware', items: manifestOf(2).items.map((item) => ({ ...item, model: 'gpt-5.4' })) }));
    if (hurried.status !== 201 || urgent.status !== 201) throw new Error(`submit answered ${hurried.status} and ${urgent.status}`);
    await waitForBatchStatus(server, key, hurried.body.id, TERMINAL_STATUSES);
    await waitForBatchStatus(server, key, urgent.body.id, TERMINAL_STATUSES);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (emulatorOpen) await emulator.close();
  });

  const nativeReport = async (): Promise<NativeReport> => (await server.request<NativeReport>('GET', `/v1/batches/optimization-report?${lastThirtyDays()}`, { key })).body;
  const importReport = async (query: string): Promise<ImportReport> => (await server.request<ImportReport>('GET', `/v1/batches/optimization-report?import_provider=openai&${query}`, { key })).body;
  const stat = (testId: string, on: Page = page) => on.getByTestId(testId).locator('.stat-value').textContent();
  /** The output and input file ids the OpenAI report names. */
  const reportedFiles = async (): Promise<string[]> => page.getByTestId('import-files').locator('code').allTextContents();

  it("shows what the batches cost against the baseline, their savings by lane, model and SLA tier, and the recommendations, as the API answers", async () => {
    await openFromNavigation(page, 'Optimization');
    const report = await nativeReport();
    expect(report.totals.items.total).toBe(5);
    await expect.poll(() => stat('optimization-items')).toBe('5');
    expect(await stat('optimization-cost')).toBe(dollars(report.totals.cost.total));
    expect(await stat('optimization-baseline')).toBe(dollars(report.totals.baseline));
    expect(await stat('optimization-savings')).toBe(dollars(report.totals.savings.amount));

    const chart = page.locator('#savings-chart');
    expect(await chart.getByRole('heading', { level: 2 }).textContent()).toBe('Savings by lane');
    await expect.poll(() => chart.locator('svg rect').count()).toBe(report.by_lane.length);
    for (const lane of report.by_lane) expect(await chart.locator('svg').textContent()).toContain(lane.key);
    await chart.getByLabel('Group by').selectOption('model');
    await expect.poll(() => chart.locator('svg rect').count()).toBe(report.by_model.length);
    expect(await chart.locator('svg').textContent()).toContain('gpt-5.4-mini');
    await chart.getByLabel('Group by').selectOption('sla_tier');
    await expect.poll(() => chart.locator('svg rect').count()).toBe(3);
    await chart.getByText('Show the figures as a table').click();
    const rows = chart.locator('tbody tr');
    expect(await rows.locator('th').allTextContents()).toEqual(report.by_sla_tier.map((tier) => tier.key));
    for (const [index, tier] of report.by_sla_tier.entries()) expect(await rows.nth(index).textContent()).toContain(dollars(tier.savings.amount));

    // Largest effect first, each with its dollar effect, item count and explanation.
    expect(report.recommendations.length).toBeGreaterThan(0);
    const listed = page.locator('#recommendations').getByTestId(/^recommendation-/);
    expect(await listed.evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')))).toEqual(report.recommendations.map((recommendation) => `recommendation-${recommendation.id}`));
    for (const recommendation of report.recommendations) {
      const item = page.getByTestId(`recommendation-${recommendation.id}`);
      expect(await item.getByRole('heading', { level: 3 }).textContent()).toBe(recommendation.title);
      const text = (await item.textContent()) ?? '';
      expect(text).toContain(`Saves ${dollars(recommendation.effect.amount)}`);
      expect(text).toContain(`on ${recommendation.items.count} item`);
      expect(text).toContain(recommendation.explanation);
      expect(await item.locator('.examples a').count()).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('potential-savings').first().textContent()).toContain(dollars(report.potential_savings.amount));
    await page.locator('#openai-report').getByText('No OpenAI workload yet').waitFor();
    await checkPageInBothThemes(page, 'optimization');
  });

  it('uploads an OpenAI Batch output file with its input file, and shows the report of it as the API answers, a page of lines at a time', async () => {
    const upload = page.locator('#openai-upload');
    await upload.getByLabel('Output file').setInputFiles({ name: 'batch_68f0_output.jsonl', mimeType: 'application/jsonl', buffer: jsonl(OUTPUT_FILE) });
    await upload.getByLabel('Input file (optional)').setInputFiles({ name: 'batch_68f0_input.jsonl', mimeType: 'application/jsonl', buffer: jsonl(INPUT_FILE) });
    await upload.getByRole('button', { name: 'Upload and compare' }).click();
    await waitForStatus(page, 'Uploaded batch_68f0_output.jsonl (12 lines) and batch_68f0_input.jsonl (13 lines)');

    await expect.poll(reportedFiles).toHaveLength(2);
    const [outputId = '', inputId = ''] = await reportedFiles();
    expect(outputId).toMatch(/^file_/);
    const report = await importReport(`import_file_id=${outputId}&import_input_file_id=${inputId}&items_limit=10`);
    expect(report.totals.items).toEqual({ total: 13, succeeded: 11, failed: 1, missing: 1, priced: 10, not_priced: 1 });
    await expect.poll(() => stat('import-openai-cost')).toBe(dollars(report.totals.openai_cost));
    expect(await stat('import-batchrouter-cost')).toBe(dollars(report.totals.batchrouter_cost.total));
    expect(await stat('import-savings')).toBe(dollars(report.totals.savings.amount));
    expect(await stat('import-lines')).toBe('13');

    const byModel = page.locator('#import-by-model');
    expect(await byModel.locator('svg rect').count()).toBe(report.by_model.length);
    for (const model of report.by_model) expect(await byModel.locator('svg').textContent()).toContain(model.key);
    await byModel.getByText('Show the figures as a table').click();
    expect(await byModel.locator('tbody th').allTextContents()).toEqual(report.by_model.map((model) => model.key));

    const notPriced = page.getByTestId('not-priced');
    expect(await notPriced.textContent()).toContain('1 line: The model is not in this instance’s catalog. Models: gpt-4o-audio-preview-2024-12-17.');

    const lines = page.getByTestId('import-items');
    expect(await lines.locator('tbody th').allTextContents()).toEqual(report.items.map((item) => item.custom_id));
    expect(await page.getByTestId('import-items-range').textContent()).toBe('Lines 1–10 of 13');
    expect(await lines.locator('tr').filter({ hasText: 'req-05' }).textContent()).toContain('failed: empty_array');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.getByTestId('import-items-range').textContent()).toBe('Lines 11–13 of 13');
    expect(await lines.locator('tbody th').allTextContents()).toEqual(['req-06', 'req-08', 'req-13']);
    expect(await lines.locator('tr').filter({ hasText: 'req-13' }).textContent()).toContain('no answer in the output file');
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => page.getByTestId('import-items-range').textContent()).toBe('Lines 1–10 of 13');
    await checkPageInBothThemes(page, 'optimization-openai-import');
  });

  it('refuses an input file given as the output file, saying which field it belongs in', async () => {
    const upload = page.locator('#openai-upload');
    await upload.getByLabel('Output file').setInputFiles({ name: 'inputs.jsonl', mimeType: 'application/jsonl', buffer: jsonl(INPUT_FILE) });
    await upload.getByRole('button', { name: 'Upload and compare' }).click();
    expect(await alertCode(page, '#openai-upload')).toBe('wrong_import_file');
    expect(await upload.getByRole('alert').textContent()).toContain('inputs.jsonl is an input file of OpenAI Batch: choose it as the input file.');
  });

  it('stores an OpenAI key shown only masked, says when OpenAI rejects it or none is stored, fetches the recent OpenAI batches with a good one, and removes it', async () => {
    const fetchSection = page.locator('#openai-fetch');
    const fetchButton = fetchSection.getByRole('button', { name: 'Fetch from OpenAI' });
    await fetchSection.getByText('No OpenAI key is stored for this workspace.').waitFor();
    await fetchButton.click();
    expect(await alertCode(page, '#openai-fetch')).toBe('provider_key_not_found');
    expect(await fetchSection.getByRole('alert').textContent()).toContain('Store the workspace’s OpenAI API key above first.');

    await fetchSection.getByLabel('OpenAI API key', { exact: true }).fill('sk-not-the-emulators-key-0000');
    await fetchSection.getByRole('button', { name: 'Save key' }).click();
    await waitForStatus(page, 'OpenAI key saved');
    expect(await fetchSection.getByTestId('openai-key-masked').textContent()).toBe('sk-…0000');
    expect(await fetchSection.getByLabel('Replace with a new key').inputValue()).toBe('');
    expect(await fetchSection.textContent()).not.toContain('sk-not-the-emulators-key-0000');
    await fetchButton.click();
    await expect.poll(() => alertCode(page, '#openai-fetch')).toBe('provider_key_rejected');
    expect(await fetchSection.getByRole('alert').textContent()).toContain('OpenAI rejected the key.');

    await fetchSection.getByLabel('Replace with a new key').fill(emulator.apiKey);
    await fetchSection.getByRole('button', { name: 'Replace key' }).click();
    await expect.poll(() => fetchSection.getByTestId('openai-key-masked').textContent()).toBe(`sk-…${emulator.apiKey.slice(-4)}`);
    const stored = await server.request<{ api_key: string }>('GET', '/v1/auth/account/provider-keys/openai', { key });
    expect(stored.body.api_key).toBe(`sk-…${emulator.apiKey.slice(-4)}`);

    await fetchButton.click();
    await waitForStatus(page, `Fetched 1 OpenAI batch (${openaiBatchId}): 3 output lines, 3 input lines.`);
    expect(await fetchSection.getByRole('alert').count()).toBe(0);
    await expect.poll(() => stat('import-lines')).toBe('3');
    const [outputId = '', inputId = ''] = await reportedFiles();
    const fetched = await importReport(`import_file_id=${outputId}&import_input_file_id=${inputId}`);
    expect(fetched.totals.items.succeeded).toBe(3);
    expect(await stat('import-openai-cost')).toBe(dollars(fetched.totals.openai_cost));
    expect(await stat('import-batchrouter-cost')).toBe(dollars(fetched.totals.batchrouter_cost.total));
    expect(await page.getByTestId('import-items').locator('tbody th').first().textContent()).toContain(openaiBatchId);

    await fetchSection.getByRole('button', { name: 'Remove the OpenAI key' }).click();
    await fetchSection.getByRole('button', { name: 'Remove', exact: true }).click();
    await waitForStatus(page, 'OpenAI key removed');
    await fetchSection.getByText('No OpenAI key is stored for this workspace.').waitFor();
    expect((await server.request('GET', '/v1/auth/account/provider-keys/openai', { key })).status).toBe(404);
    expectNoPageProblems(page);
  });

  it('shows a member the stored key read-only, and why they cannot change it', async () => {
    const memberEmail = uniqueEmail('member');
    await page.goto('/account');
    await inviteThroughSettings(page, memberEmail, 'member');
    expect((await server.request('PUT', '/v1/auth/account/provider-keys/openai', { key, body: { api_key: emulator.apiKey } })).status).toBe(200);

    const member = await openPage(browser, server.url);
    try {
      const { url } = linkOf(await waitForMail(server, memberEmail, 'invitation'));
      await member.goto(`${url.pathname}${url.search}`);
      await member.getByLabel('Choose a password').fill('member password, long enough');
      await member.getByRole('button', { name: 'Create account and join' }).click();
      await member.getByRole('heading', { level: 1, name: 'Account settings' }).waitFor();
      await openFromNavigation(member, 'Optimization');
      const fetchSection = member.locator('#openai-fetch');
      await expect.poll(() => fetchSection.getByTestId('openai-key-masked').textContent()).toBe(`sk-…${emulator.apiKey.slice(-4)}`);
      expect(await fetchSection.getByTestId('openai-key-restricted').textContent()).toContain('Only workspace owners and admins can store, replace or remove it.');
      expect(await fetchSection.getByRole('button', { name: /Save key|Replace key|Remove/ }).count()).toBe(0);
      expect(await fetchSection.getByLabel(/OpenAI API key|Replace with a new key/).count()).toBe(0);
      await checkPageInBothThemes(member, 'optimization-member');
    } finally {
      await closePage(member);
    }
  });

  it('says so when OpenAI cannot be reached', async () => {
    await page.goto('/optimization');
    await page.getByTestId('openai-key-masked').waitFor();
    await emulator.close();
    emulatorOpen = false;
    await page.locator('#openai-fetch').getByRole('button', { name: 'Fetch from OpenAI' }).click();
    expect(await alertCode(page, '#openai-fetch')).toBe('provider_unavailable');
    expect(await page.locator('#openai-fetch').getByRole('alert').textContent()).toContain('OpenAI is unavailable.');
    expectNoPageProblems(page);
  });
});
