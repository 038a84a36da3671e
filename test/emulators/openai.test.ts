/**
 * The OpenAI emulator, driven through the unmodified official `openai` client over real HTTP:
 * files, the batch lifecycle (completed, cancelled, expired, failed), the sync endpoints, and
 * every fault the control can inject.
 */
import OpenAI, { AuthenticationError, BadRequestError, InternalServerError, NotFoundError, RateLimitError, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator, type OpenAIEmulatorOptions } from './openai/index.ts';

const MODEL = 'gpt-4o-mini';
const EMBEDDING_MODEL = 'text-embedding-3-small';

let emulator: OpenAIEmulator | null = null;

afterEach(async () => {
  await emulator?.close();
  emulator = null;
});

async function start(options: OpenAIEmulatorOptions = {}): Promise<{ emulator: OpenAIEmulator; client: OpenAI }> {
  emulator = await startOpenAIEmulator(options);
  return { emulator, client: new OpenAI({ baseURL: emulator.baseURL, apiKey: emulator.apiKey, maxRetries: 0 }) };
}

interface InputLine {
  custom_id: string;
  method: 'POST';
  url: string;
  body: Record<string, unknown>;
}

function chatLine(customId: string, text: string): InputLine {
  return { custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: text }] } };
}

function chatLines(count: number): InputLine[] {
  return Array.from({ length: count }, (_, index) => chatLine(`item-${index + 1}`, `Question number ${index + 1}`));
}

function jsonl(lines: readonly unknown[]): string {
  return lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';
}

async function upload(client: OpenAI, lines: readonly unknown[], filename = 'input.jsonl'): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), filename), purpose: 'batch' });
  return file.id;
}

/** Polls until `until` holds, remembering every status seen on the way. */
async function pollBatch(client: OpenAI, id: string, until: (batch: Batch) => boolean): Promise<{ batch: Batch; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + 8000;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (seen.at(-1) !== batch.status) seen.push(batch.status);
    if (until(batch)) return { batch, seen };
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.status}`);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

const isFinal = (batch: Batch): boolean => ['completed', 'failed', 'expired', 'cancelled'].includes(batch.status);

interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
}

async function readLines(client: OpenAI, fileId: string | null | undefined): Promise<OutputLine[]> {
  if (!fileId) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OutputLine);
}

describe('files', () => {
  it('uploads, lists, reads, and deletes a file with OpenAI file objects', async () => {
    const { client } = await start();
    const content = jsonl(chatLines(2));
    const created = await client.files.create({ file: await toFile(Buffer.from(content), 'requests.jsonl'), purpose: 'batch' });
    expect(created).toMatchObject({ object: 'file', bytes: Buffer.byteLength(content), filename: 'requests.jsonl', purpose: 'batch', status: 'processed' });
    expect(created.id).toMatch(/^file-[A-Za-z0-9]{22}$/);
    expect(created.expires_at).toBe(created.created_at + 30 * 24 * 3600);

    expect(await client.files.retrieve(created.id)).toEqual(created);
    expect(await (await client.files.content(created.id)).text()).toBe(content);
    const other = await client.files.create({ file: await toFile(Buffer.from('notes'), 'notes.txt'), purpose: 'user_data' });
    const listed = await client.files.list({ purpose: 'batch' });
    expect(listed.data.map((file) => file.id)).toEqual([created.id]);
    const firstPage = await client.files.list({ limit: 1 });
    expect(firstPage.data.map((file) => file.id)).toEqual([other.id]);
    expect(firstPage.has_more).toBe(true);

    expect(await client.files.delete(created.id)).toEqual({ id: created.id, object: 'file', deleted: true });
    const missing = await client.files.retrieve(created.id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).error).toEqual({ message: `No such File object: ${created.id}`, type: 'invalid_request_error', param: 'id', code: null });
  });

  it('refuses a batch upload that is not .jsonl or is over the size limit', async () => {
    const { client } = await start({ limits: { maxBatchFileBytes: 300 } });
    const notJsonl = await client.files.create({ file: await toFile(Buffer.from(jsonl(chatLines(1))), 'input.csv'), purpose: 'batch' }).catch((error: unknown) => error);
    expect(notJsonl).toBeInstanceOf(BadRequestError);
    expect((notJsonl as BadRequestError).message).toBe('400 Invalid file format for Batch API. Must be .jsonl');
    const tooBig = await upload(client, chatLines(5)).catch((error: unknown) => error);
    expect((tooBig as BadRequestError).error).toMatchObject({ message: 'File is too large.', type: 'invalid_request_error' });
  });
});

describe('batch lifecycle', () => {
  it('runs validating → in_progress → finalizing → completed; output and error files join back by custom_id', async () => {
    const { emulator, client } = await start({ timeline: { validatingMs: 60, inProgressMs: 120, finalizingMs: 60 } });
    emulator.control.failItems(({ customId }) =>
      customId === 'item-3' ? { status_code: 400, error: { message: "Invalid 'messages[0].content'.", param: 'messages', code: 'invalid_value' } } : null,
    );
    const lines = chatLines(6);
    const inputFileId = await upload(client, lines);
    const created = await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      endpoint: '/v1/chat/completions',
      input_file_id: inputFileId,
      completion_window: '24h',
      errors: null,
      output_file_id: null,
      error_file_id: null,
      in_progress_at: null,
      completed_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: { job: 'nightly' },
    });
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(created.expires_at).toBe(created.created_at + 24 * 3600);

    const { batch, seen } = await pollBatch(client, created.id, isFinal);
    expect(seen).toEqual(['validating', 'in_progress', 'finalizing', 'completed']);
    expect(batch.request_counts).toEqual({ total: 6, completed: 5, failed: 1 });
    expect(batch.model).toBe(MODEL);
    expect(batch.in_progress_at).not.toBeNull();
    expect(batch.finalizing_at).not.toBeNull();
    expect(batch.completed_at).not.toBeNull();
    expect((await client.files.retrieve(batch.output_file_id ?? '')).purpose).toBe('batch_output');

    const output = await readLines(client, batch.output_file_id);
    const errors = await readLines(client, batch.error_file_id);
    expect(output.map((line) => line.custom_id)).not.toEqual(['item-1', 'item-2', 'item-4', 'item-5', 'item-6']);
    const byId = new Map([...output, ...errors].map((line) => [line.custom_id, line]));
    for (const input of lines) {
      const line = byId.get(input.custom_id);
      expect(line?.id).toMatch(/^batch_req_/);
      if (input.custom_id === 'item-3') {
        expect(line).toMatchObject({ response: { status_code: 400, body: { error: { type: 'invalid_request_error', code: 'invalid_value' } } }, error: null });
        continue;
      }
      const text = String((input.body['messages'] as { content: string }[])[0]?.content);
      expect(line?.error).toBeNull();
      expect(line?.response).toMatchObject({ status_code: 200, body: { object: 'chat.completion', choices: [{ message: { content: `Echo: ${text}` } }] } });
    }
    const usage = output.reduce((sum, line) => sum + Number((line.response?.body['usage'] as { total_tokens: number }).total_tokens), 0);
    expect(batch.usage?.total_tokens).toBe(usage);
  });

  it('answers each batch line exactly as the sync endpoint answers the same body', async () => {
    const { client } = await start();
    const bodies = {
      '/v1/responses': { model: MODEL, input: 'Summarise the plot of Hamlet in one line.', max_output_tokens: 16 },
      '/v1/chat/completions': { model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a prime.' }] },
      '/v1/embeddings': { model: EMBEDDING_MODEL, input: ['alpha', 'beta'], encoding_format: 'float' },
    } as const;
    for (const [endpoint, body] of Object.entries(bodies)) {
      const sync = await client.post<Record<string, unknown>>(endpoint.replace('/v1', ''), { body });
      const inputFileId = await upload(client, [{ custom_id: 'only', method: 'POST', url: endpoint, body }]);
      const created = await client.batches.create({ input_file_id: inputFileId, endpoint: endpoint as '/v1/responses', completion_window: '24h' });
      const { batch } = await pollBatch(client, created.id, isFinal);
      const [line] = await readLines(client, batch.output_file_id);
      expect(withoutIds(line?.response?.body)).toEqual(withoutIds(sync));
    }
  });

  it('a cancelled batch keeps the partial output and lists the unrun lines as batch_cancelled', async () => {
    const { client } = await start({ timeline: { inProgressMs: 1000 } });
    const created = await client.batches.create({ input_file_id: await upload(client, chatLines(10)), endpoint: '/v1/chat/completions', completion_window: '24h' });
    await pollBatch(client, created.id, (batch) => (batch.request_counts?.completed ?? 0) >= 3);

    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).not.toBeNull();
    const { batch } = await pollBatch(client, created.id, isFinal);
    expect(batch.status).toBe('cancelled');
    expect(batch.cancelled_at).not.toBeNull();
    const done = batch.request_counts?.completed ?? 0;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(10);

    const output = await readLines(client, batch.output_file_id);
    const unrun = await readLines(client, batch.error_file_id);
    expect(output).toHaveLength(done);
    expect(unrun).toHaveLength(10 - done);
    expect(unrun.every((line) => line.response === null && line.error?.code === 'batch_cancelled')).toBe(true);
    expect(new Set([...output, ...unrun].map((line) => line.custom_id)).size).toBe(10);

    const again = await client.batches.cancel(created.id);
    expect(again.status).toBe('cancelled');
  });

  it('an expired batch keeps what finished and writes the rest to the error file as batch_expired', async () => {
    const { emulator, client } = await start({ timeline: { inProgressMs: 1000 } });
    const created = await client.batches.create({ input_file_id: await upload(client, chatLines(10)), endpoint: '/v1/chat/completions', completion_window: '24h' });
    await pollBatch(client, created.id, (batch) => (batch.request_counts?.completed ?? 0) >= 2);

    emulator.control.expireBatch(created.id);
    const batch = await client.batches.retrieve(created.id);
    expect(batch.status).toBe('expired');
    expect(batch.expired_at).not.toBeNull();
    const done = batch.request_counts?.completed ?? 0;
    const output = await readLines(client, batch.output_file_id);
    const expired = await readLines(client, batch.error_file_id);
    expect(output).toHaveLength(done);
    expect(expired).toHaveLength(10 - done);
    for (const line of expired) {
      expect(line).toMatchObject({ response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } });
    }
  });

  it('a stalled batch stays in_progress doing nothing, expires at the end of its window, and stalling can be lifted', async () => {
    const { emulator, client } = await start({ timeline: { completionWindowMs: 400 } });
    emulator.control.stallBatches(true);
    const stuck = await client.batches.create({ input_file_id: await upload(client, chatLines(3)), endpoint: '/v1/chat/completions', completion_window: '24h' });
    await pollBatch(client, stuck.id, (batch) => batch.status === 'in_progress');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await client.batches.retrieve(stuck.id)).request_counts).toEqual({ total: 3, completed: 0, failed: 0 });

    const { batch: expired } = await pollBatch(client, stuck.id, isFinal);
    expect(expired.status).toBe('expired');
    expect(expired.output_file_id).toBeNull();
    expect((await readLines(client, expired.error_file_id)).map((line) => line.error?.code)).toEqual(['batch_expired', 'batch_expired', 'batch_expired']);

    emulator.control.timeline.completionWindowMs = 60_000;
    const resumed = await client.batches.create({ input_file_id: await upload(client, chatLines(3)), endpoint: '/v1/chat/completions', completion_window: '24h' });
    await pollBatch(client, resumed.id, (batch) => batch.status === 'in_progress');
    emulator.control.stallBatches(false);
    expect((await pollBatch(client, resumed.id, isFinal)).batch.status).toBe('completed');
  });

  it('fails a batch whose input file has bad lines, listing each one in errors.data', async () => {
    const { client } = await start();
    const good = chatLine('a', 'fine');
    const inputFileId = await upload(client, [
      good,
      '{"custom_id": "b", "method": "POST", ',
      { ...chatLine('c', 'wrong url'), url: '/v1/embeddings' },
      chatLine('a', 'same id again'),
      { ...chatLine('e', 'no model'), body: { messages: [] } },
      { ...chatLine('f', 'streaming'), body: { ...good.body, stream: true } },
      { ...chatLine('g', 'other model'), body: { ...good.body, model: 'gpt-4.1' } },
    ]);
    const created = await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch, seen } = await pollBatch(client, created.id, isFinal);
    expect(seen).toEqual(['validating', 'failed']);
    expect(batch.failed_at).not.toBeNull();
    expect(batch.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
    expect(batch.output_file_id).toBeNull();
    expect(batch.errors?.object).toBe('list');
    expect(batch.errors?.data?.map(({ code, line, param }) => ({ code, line, param }))).toEqual([
      { code: 'invalid_json_line', line: 2, param: null },
      { code: 'invalid_url', line: 3, param: 'url' },
      { code: 'duplicate_custom_id', line: 4, param: 'custom_id' },
      { code: 'invalid_request', line: 5, param: 'body.model' },
      { code: 'streaming_unsupported', line: 6, param: 'body.stream' },
      { code: 'mismatched_model', line: 7, param: 'body.model' },
    ]);
    expect(batch.errors?.data?.[1]?.message).toBe('The URL provided for this request does not match the batch endpoint.');

    const missing = await client.batches.create({ input_file_id: 'file-doesnotexist', endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch: noFile } = await pollBatch(client, missing.id, isFinal);
    expect(noFile.errors?.data).toEqual([expect.objectContaining({ code: 'invalid_request', line: null, param: 'file_id' })]);
  });

  it('fails a batch over the request limit and refuses bad create parameters with 400s', async () => {
    const { client } = await start({ limits: { maxRequestsPerBatch: 2 } });
    const created = await client.batches.create({ input_file_id: await upload(client, chatLines(3)), endpoint: '/v1/chat/completions', completion_window: '24h' });
    const { batch } = await pollBatch(client, created.id, isFinal);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data?.[0]).toMatchObject({ code: 'invalid_request', line: null });

    const badEndpoint = await client.batches.create({ input_file_id: 'file-x', endpoint: '/v1/moderations', completion_window: '24h' }).catch((error: unknown) => error);
    expect(badEndpoint).toBeInstanceOf(BadRequestError);
    expect((badEndpoint as BadRequestError).error).toEqual({
      message: "Invalid value: '/v1/moderations'. Supported values are: '/v1/chat/completions', '/v1/embeddings', and '/v1/responses'.",
      type: 'invalid_request_error',
      param: 'endpoint',
      code: 'invalid_value',
    });
    const badWindow = await client.batches.create({ input_file_id: 'file-x', endpoint: '/v1/embeddings', completion_window: '1h' as '24h' }).catch((error: unknown) => error);
    expect((badWindow as BadRequestError).param).toBe('completion_window');
    const badMetadata = await client.batches
      .create({ input_file_id: 'file-x', endpoint: '/v1/embeddings', completion_window: '24h', metadata: { tags: ['a'] as unknown as string } })
      .catch((error: unknown) => error);
    expect((badMetadata as BadRequestError).error).toMatchObject({ message: "Invalid type for 'metadata.tags': expected a string, but got an array instead.", code: 'invalid_type' });
  });

  it('lists batches newest first with cursor pagination, and refuses to cancel a finished batch with 409', async () => {
    const { client } = await start();
    const inputFileId = await upload(client, chatLines(1));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await client.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((batch) => batch.id)).toEqual([ids[2], ids[1]]);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual([...ids].reverse());

    const id = ids[0] ?? '';
    await pollBatch(client, id, isFinal);
    const refused = await client.batches.cancel(id).catch((error: unknown) => error);
    expect((refused as { status: number }).status).toBe(409);
    expect((refused as BadRequestError).message).toBe("409 Cannot cancel a batch with status 'completed'.");
    expect(await client.batches.retrieve('batch_nope').catch((error: unknown) => error)).toBeInstanceOf(NotFoundError);
  });
});

describe('sync endpoints', () => {
  it('Responses: a full response object, truncation to incomplete, and OpenAI validation errors', async () => {
    const { client } = await start();
    const question = 'What is the capital of France?';
    const response = await client.responses.create({ model: MODEL, input: [{ role: 'user', content: question }], instructions: 'Answer.' });
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: MODEL,
      error: null,
      incomplete_details: null,
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `Echo: ${question}`, annotations: [] }] }],
      usage: { input_tokens: Math.ceil(('Answer.' + question).length / 4), input_tokens_details: { cached_tokens: 0 }, output_tokens: Math.ceil(`Echo: ${question}`.length / 4), output_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output_text).toBe(`Echo: ${question}`);

    const long = 'x'.repeat(200);
    const cut = await client.responses.create({ model: MODEL, input: long, max_output_tokens: 16 });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(cut.output_text).toHaveLength(64);
    expect(cut.usage?.output_tokens).toBe(16);

    const tooSmall = await client.responses.create({ model: MODEL, input: 'hi', max_output_tokens: 5 }).catch((error: unknown) => error);
    expect((tooSmall as BadRequestError).error).toMatchObject({ param: 'max_output_tokens', code: 'integer_below_min_value' });
    const noModel = await client.post('/responses', { body: { input: 'hi' } }).catch((error: unknown) => error);
    expect(noModel).toBeInstanceOf(BadRequestError);
    expect((noModel as BadRequestError).error).toEqual({ message: "Missing required parameter: 'model'.", type: 'invalid_request_error', param: 'model', code: 'missing_required_parameter' });
    const noInput = await client.post('/responses', { body: { model: MODEL } }).catch((error: unknown) => error);
    expect((noInput as BadRequestError).param).toBe('input');
  });

  it('Chat Completions: choices, usage, and finish_reason "length" under max_completion_tokens or max_tokens', async () => {
    const { client } = await start();
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello there' }] });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: 'Echo: Hello there', refusal: null } }],
      usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);

    const limited = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_completion_tokens: 2 });
    expect(limited.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'Echo: He' } });
    expect(limited.usage?.completion_tokens).toBe(2);
    const legacy = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 1 });
    expect(legacy.choices[0]?.finish_reason).toBe('length');

    const noMessages = await client.post('/chat/completions', { body: { model: MODEL } }).catch((error: unknown) => error);
    expect((noMessages as BadRequestError).error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
  });

  it('Embeddings: deterministic unit vectors, the same through base64 (the client default) and float', async () => {
    const { emulator, client } = await start();
    const viaBase64 = await client.embeddings.create({ model: EMBEDDING_MODEL, input: ['alpha', 'beta'] });
    expect(emulator.requests.at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
    expect(viaBase64).toMatchObject({ object: 'list', model: EMBEDDING_MODEL, usage: { prompt_tokens: 3, total_tokens: 3 } });
    const [alpha, beta] = viaBase64.data;
    expect(alpha).toMatchObject({ object: 'embedding', index: 0 });
    expect(alpha?.embedding).toHaveLength(8);
    expect(Math.hypot(...(alpha?.embedding ?? []))).toBeCloseTo(1, 5);
    expect(beta?.embedding).not.toEqual(alpha?.embedding);

    const viaFloat = await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'alpha', encoding_format: 'float' });
    expect(viaFloat.data[0]?.embedding).toEqual(alpha?.embedding);
    const shorter = await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'alpha', dimensions: 4 });
    expect(shorter.data[0]?.embedding).toHaveLength(4);
  });
});

describe('faults', () => {
  it('429 with retry-after: the client waits what the header says and retries on its own', async () => {
    const { emulator } = await start();
    const client = new OpenAI({ baseURL: emulator.baseURL, apiKey: emulator.apiKey, maxRetries: 2 });
    emulator.control.rateLimitNext(2, 0.05);
    const startedAt = Date.now();
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    const elapsed = Date.now() - startedAt;
    expect(completion.choices[0]?.message.content).toBe('Echo: hi');
    // Two waits of 50 ms; the client's own backoff would have taken over a second.
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(900);
    const calls = emulator.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(calls.map((call) => [call.status, call.headers['x-stainless-retry-count']])).toEqual([
      [429, '0'],
      [429, '1'],
      [200, '2'],
    ]);
  });

  it('429 without retries left surfaces RateLimitError with OpenAI body and rate-limit headers', async () => {
    const { emulator, client } = await start();
    emulator.control.rateLimitNext(1, 2);
    const error = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitError);
    const limited = error as RateLimitError;
    expect(limited.error).toMatchObject({ type: 'requests', param: null, code: 'rate_limit_exceeded' });
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe('2s');
    expect(limited.requestID).toMatch(/^req_/);
  });

  it('5xx: retried by the client when it may, InternalServerError when it may not', async () => {
    const { emulator, client } = await start();
    const retrying = new OpenAI({ baseURL: emulator.baseURL, apiKey: emulator.apiKey, maxRetries: 1 });
    emulator.control.serverErrorNext(1, 503);
    expect((await retrying.embeddings.create({ model: EMBEDDING_MODEL, input: 'x' })).data).toHaveLength(1);

    emulator.control.serverErrorNext(1);
    const error = await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(500);
    expect((error as InternalServerError).error).toMatchObject({ type: 'server_error', code: null });
  });

  it('failItems fails matching sync calls with the status and error given', async () => {
    const { emulator, client } = await start();
    emulator.control.failItems(({ body }) => (JSON.stringify(body).includes('poison') ? { status_code: 400, error: { message: 'Bad content.', code: 'invalid_prompt' } } : null));
    const failed = await client.responses.create({ model: MODEL, input: 'poison pill' }).catch((caught: unknown) => caught);
    expect((failed as BadRequestError).error).toEqual({ message: 'Bad content.', type: 'invalid_request_error', param: null, code: 'invalid_prompt' });
    expect((await client.responses.create({ model: MODEL, input: 'fine' })).status).toBe('completed');
    emulator.control.failItems(null);
    expect((await client.responses.create({ model: MODEL, input: 'poison pill' })).status).toBe('completed');
  });

  it('latencyMs delays sync calls and maxConcurrent records the most in flight at once', async () => {
    const { emulator, client } = await start({ latencyMs: 80 });
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: 5 }, (_, index) => client.embeddings.create({ model: EMBEDDING_MODEL, input: `text ${index}` })));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(75);
    expect(emulator.control.maxConcurrent).toBe(5);
    expect(emulator.control.inFlight).toBe(0);
    emulator.control.resetMaxConcurrent();
    emulator.control.latencyMs = 0;
    await client.embeddings.create({ model: EMBEDDING_MODEL, input: 'one' });
    expect(emulator.control.maxConcurrent).toBe(1);
  });

  it('refuses a wrong or missing key with 401 and OpenAI error bodies, and unknown paths with 404', async () => {
    const { emulator } = await start();
    const wrongKey = new OpenAI({ baseURL: emulator.baseURL, apiKey: 'sk-wrong-key-123456', maxRetries: 0 });
    const error = await wrongKey.files.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    expect((error as AuthenticationError).message).toContain('Incorrect API key provided: sk-');

    const anonymous = await fetch(`${emulator.baseURL}/files`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toMatch(/^You didn't provide an API key/);

    const unknown = await fetch(`${emulator.baseURL}/nope`, { headers: { authorization: `Bearer ${emulator.apiKey}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: 'Invalid URL (GET /v1/nope)', type: 'invalid_request_error', param: null, code: null } });
    expect(emulator.requests.map((request) => [request.method, request.path, request.status])).toEqual([
      ['GET', '/v1/files', 401],
      ['GET', '/v1/files', 401],
      ['GET', '/v1/nope', 404],
    ]);
  });
});

/** A response body with the fields that differ call to call (ids, timestamps) removed. */
function withoutIds(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutIds);
  if (typeof body !== 'object' || body === null) return body;
  const kept = Object.entries(body).filter(([key]) => !['id', 'created', 'created_at', 'completed_at', 'system_fingerprint'].includes(key));
  return Object.fromEntries(kept.map(([key, value]) => [key, withoutIds(value)]));
}
