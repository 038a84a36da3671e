/**
 * The OpenAI drop-in (issue 7): a team running OpenAI batches moves to BatchRouter by changing the
 * base URL. The official `openai` client, unchanged apart from `baseURL` and `apiKey`, uploads a
 * file, creates a batch, polls it, downloads its output and error files, lists and cancels, in
 * OpenAI's own shapes; the batch is a native batch all along.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile, toStreamingFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { expireOverdueBatches } from '../../src/worker/expire-batches.ts';
import { submit, type BatchBody } from '../helpers/batch-requests.ts';
import { manifestOf } from '../helpers/batches.ts';
import { balanceMicros, expectLedgerMatchesBalance, grantMicros } from '../helpers/money.ts';
import { registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

const ENDED = ['completed', 'failed', 'expired', 'cancelled'];
const START_BALANCE = 10_000_000;

function clientFor(server: TestServer, key: string): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1/openai/v1`, apiKey: key });
}

type RequestLine = { custom_id: string; method: 'POST'; url: string; body: Record<string, unknown> };

function chatLine(id: string, text: string, model = 'gpt-5.4-mini'): RequestLine {
  return { custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: text }], max_tokens: 50 } };
}

function jsonl(lines: RequestLine[]): string {
  return lines.map((line) => `${JSON.stringify(line)}\n`).join('');
}

async function upload(client: OpenAI, text: string, name = 'requests.jsonl') {
  return client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'batch' });
}

/** Polls with batches.retrieve until the batch has ended, noting every status seen. */
async function pollUntilEnded(client: OpenAI, batchId: string, seen: Set<string> = new Set()): Promise<Batch> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    seen.add(batch.status);
    if (ENDED.includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function pollUntil(client: OpenAI, batchId: string, status: Batch['status']): Promise<Batch> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (batch.status === status) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type ResultLine = {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
};

async function linesOfFile(client: OpenAI, fileId: string): Promise<ResultLine[]> {
  const text = await (await client.files.content(fileId)).text();
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as ResultLine);
}

async function fundedOrg(server: TestServer): Promise<Registered> {
  const org = await registerOrg(server);
  await grantMicros(server, org.orgId, START_BALANCE);
  return org;
}

describe('a team moving its OpenAI batches by changing the base URL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  it('runs a chat batch end to end: upload, create, poll, download the output, in OpenAI shapes, charged as a native batch', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    // CRLF line breaks and a blank line: the input file comes back byte for byte.
    const text = `${JSON.stringify(chatLine('q-1', 'Summarize the queue.'))}\r\n\r\n${jsonl([chatLine('q-2', 'Name three colours.'), chatLine('q-3', 'Say hi.')])}`;
    const file = await upload(client, text);
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'requests.jsonl', bytes: Buffer.byteLength(text), status: 'processed' });
    expect(file.id).toMatch(/^file_/);
    expect(await (await client.files.content(file.id)).text()).toBe(text);
    expect(await client.files.retrieve(file.id)).toEqual(file);

    const created = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { team: 'support' } });
    expect(created).toMatchObject({
      object: 'batch',
      endpoint: '/v1/chat/completions',
      input_file_id: file.id,
      completion_window: '24h',
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      request_counts: { total: 3, completed: 0, failed: 0 },
      metadata: { team: 'support' },
      model: 'gpt-5.4-mini',
    });
    expect(created.expires_at).toBe((created.created_at ?? 0) + 24 * 3600);

    const seen = new Set<string>();
    const done = await pollUntilEnded(client, created.id, seen);
    for (const status of seen) expect(['validating', 'in_progress', 'finalizing', 'completed']).toContain(status);
    expect(done).toMatchObject({ status: 'completed', request_counts: { total: 3, completed: 3, failed: 0 }, error_file_id: null });
    for (const step of ['in_progress_at', 'finalizing_at', 'completed_at'] as const) expect(done[step]).toEqual(expect.any(Number));
    expect([done.failed_at, done.expired_at, done.cancelling_at, done.cancelled_at]).toEqual([null, null, null, null]);
    expect(done.usage?.total_tokens).toBe((done.usage?.input_tokens ?? 0) + (done.usage?.output_tokens ?? 0));
    expect(done.usage?.output_tokens).toBeGreaterThan(0);

    const outputId = done.output_file_id ?? '';
    const output = await linesOfFile(client, outputId);
    expect(output.map((line) => line.custom_id).sort()).toEqual(['q-1', 'q-2', 'q-3']);
    for (const line of output) {
      expect(line.id).toMatch(/^batch_req_[0-9a-f]{32}$/);
      expect(line.error).toBeNull();
      expect(line.response?.status_code).toBe(200);
      expect(line.response?.request_id).toMatch(/^req_/);
      expect(line.response?.body).toMatchObject({ object: 'chat.completion', model: 'gpt-5.4-mini', choices: [{ message: { role: 'assistant' } }] });
    }
    const outputFile = await client.files.retrieve(outputId);
    expect(outputFile).toMatchObject({ id: outputId, object: 'file', purpose: 'batch_output', status: 'processed', filename: `${done.id}_output.jsonl` });
    expect(outputFile.bytes).toBe(Buffer.byteLength(await (await client.files.content(outputId)).text()));
    // Downloading again gives the same file: ids are stable.
    expect(await linesOfFile(client, outputId)).toEqual(output);

    // The same batch, natively: same id, items, metadata, and money moved as for any batch.
    const native = await server.request<BatchBody & { metadata: Record<string, string> }>('GET', `/v1/batches/${done.id}`, { key: org.key });
    expect(native.status).toBe(200);
    expect(native.body).toMatchObject({ status: 'completed', item_count: 3, metadata: { team: 'support' }, sla_tier: 'standard', routing_mode: 'sla_aware', privacy_tier: 'standard' });
    const listed = await server.request<{ data: { id: string }[] }>('GET', '/v1/batches', { key: org.key });
    expect(listed.body.data.map((batch) => batch.id)).toContain(done.id);
    const charged = Math.round(Number(native.body.cost.charged) * 1e6);
    expect(charged).toBeGreaterThan(0);
    expect(await balanceMicros(server, org.orgId)).toBe(START_BALANCE - charged);
    await expectLedgerMatchesBalance(server, org.orgId);
  });

  it('takes a streamed upload, and runs responses and embeddings batches with their own body shapes', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const responses = Array.from({ length: 40 }, (_, i) => ({ custom_id: `r-${i}`, method: 'POST' as const, url: '/v1/responses', body: { model: 'gpt-5.4-nano', input: `Item ${i}` } }));
    async function* chunks() {
      // A few bytes at a time: lines and the multipart boundary arrive split across chunks.
      const bytes = Buffer.from(jsonl(responses));
      for (let start = 0; start < bytes.length; start += 97) yield bytes.subarray(start, start + 97);
    }
    const streamed = await client.files.create({ file: toStreamingFile(chunks(), 'responses.jsonl', { type: 'application/jsonl' }), purpose: 'batch' });
    expect(streamed).toMatchObject({ purpose: 'batch', filename: 'responses.jsonl', bytes: Buffer.byteLength(jsonl(responses)) });
    const embeddings = await upload(client, jsonl([{ custom_id: 'e-1', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['one', 'two'] } }]));

    const responsesBatch = await client.batches.create({ input_file_id: streamed.id, endpoint: '/v1/responses', completion_window: '24h' });
    const embeddingsBatch = await client.batches.create({ input_file_id: embeddings.id, endpoint: '/v1/embeddings', completion_window: '24h' });
    const responsesDone = await pollUntilEnded(client, responsesBatch.id);
    expect(responsesDone.request_counts).toEqual({ total: 40, completed: 40, failed: 0 });
    const responseLines = await linesOfFile(client, responsesDone.output_file_id ?? '');
    // Input order, whatever order the items finished in.
    expect(responseLines.map((line) => line.custom_id)).toEqual(responses.map((line) => line.custom_id));
    expect(responseLines[0]?.response?.body).toMatchObject({ object: 'response', status: 'completed', output: [{ type: 'message' }] });

    const embeddingsDone = await pollUntilEnded(client, embeddingsBatch.id);
    const [vector] = await linesOfFile(client, embeddingsDone.output_file_id ?? '');
    expect(vector?.response?.body).toMatchObject({ object: 'list', data: [{ object: 'embedding', index: 0 }, { object: 'embedding', index: 1 }] });
  });

  it('lists drop-in batches newest first with limit and after, and auto-paginates through all of them', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('only', 'Hello')]));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Distinct metadata: an identical body would be taken for a retry of the first.
      ids.push((await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { run: String(i) } })).id);
      server.clock.advance(1000);
    }
    // A native batch of the same org is not an OpenAI batch: the drop-in does not list it.
    const native = await submit(server, org.key, manifestOf(1));
    expect(native.status).toBe(201);

    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((batch) => batch.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const raw = await server.request<{ object: string; first_id: string; last_id: string; has_more: boolean }>('GET', '/v1/openai/v1/batches?limit=2', { key: org.key });
    expect(raw.body).toMatchObject({ object: 'list', first_id: ids[4], last_id: ids[3], has_more: true });

    const second = await client.batches.list({ limit: 2, after: ids[3] });
    expect(second.data.map((batch) => batch.id)).toEqual([ids[2], ids[1]]);
    const last = await client.batches.list({ limit: 2, after: ids[1] });
    expect(last.data.map((batch) => batch.id)).toEqual([ids[0]]);
    expect(last.has_more).toBe(false);

    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual([...ids].reverse());
    expect(all).not.toContain(native.body.id);
  });

  it('a retried create returns the batch the first made: by the Idempotency-Key when sent, else by the request', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('a', 'Hello')]));
    const body = { input_file_id: file.id, endpoint: '/v1/chat/completions' as const, completion_window: '24h' as const };

    const first = await client.batches.create(body).withResponse();
    const retry = await client.batches.create(body).withResponse();
    expect(retry.data.id).toBe(first.data.id);
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.response.headers.get('idempotent-replayed')).toBe('true');

    const keyed = await client.batches.create(body, { headers: { 'Idempotency-Key': 'nightly-run-2031-03-10' } });
    expect(keyed.id).not.toBe(first.data.id);
    expect((await client.batches.create(body, { headers: { 'Idempotency-Key': 'nightly-run-2031-03-10' } })).id).toBe(keyed.id);
    const reused = await client.batches.create({ ...body, metadata: { other: 'body' } }, { headers: { 'Idempotency-Key': 'nightly-run-2031-03-10' } }).catch((error: unknown) => error);
    expect(reused).toBeInstanceOf(OpenAI.ConflictError);
    expect((reused as InstanceType<typeof OpenAI.ConflictError>).error).toMatchObject({ type: 'invalid_request_error', code: 'idempotency_key_reused' });
    expect((reused as InstanceType<typeof OpenAI.ConflictError>).headers.get('x-should-retry')).toBe('false');
  });

  it('five identical creates at once make one batch', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('a', 'Hello')]));
    const body = { input_file_id: file.id, endpoint: '/v1/chat/completions' as const, completion_window: '24h' as const };
    // A request that finds the first still being stored gets a 409 that tells the client to retry.
    const batches = await Promise.all(Array.from({ length: 5 }, () => client.batches.create(body)));
    expect(new Set(batches.map((batch) => batch.id)).size).toBe(1);
    const native = await server.request<{ data: unknown[] }>('GET', '/v1/batches', { key: org.key });
    expect(native.body.data).toHaveLength(1);
  });

  it('takes routing controls from batchrouter_* metadata keys', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('a', 'Hello')]));
    const batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { batchrouter_sla_tier: 'priority', batchrouter_routing_mode: 'cheapest', batchrouter_privacy_tier: 'standard', batchrouter_allowed_regions: 'eu, us' },
    });
    expect(batch.expires_at).toBe((batch.created_at ?? 0) + 3600);
    const native = await server.request('GET', `/v1/batches/${batch.id}`, { key: org.key });
    expect(native.body).toMatchObject({ sla_tier: 'priority', routing_mode: 'cheapest', privacy_tier: 'standard', allowed_regions: ['eu', 'us'] });
  });

  it('cancelling a batch that has completed is a 409 the client does not retry', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('a', 'Hello')]));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect((await pollUntilEnded(client, batch.id)).status).toBe('completed');
    const refused = await client.batches.cancel(batch.id).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.ConflictError);
    expect((refused as InstanceType<typeof OpenAI.ConflictError>).message).toContain("Cannot cancel a batch with status 'completed'");
  });
});

describe('a permanently failing request', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sandboxPermanentFailureRate: 0.5 });
  });
  afterAll(async () => server?.stop());

  it('lands in the error file with the 400 its model endpoint gave, the others in the output file', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const lines = Array.from({ length: 12 }, (_, i) => chatLine(`item-${i}`, `Question number ${i}`));
    const file = await upload(client, jsonl(lines));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const done = await pollUntilEnded(client, batch.id);
    const native = (await server.request<BatchBody>('GET', `/v1/batches/${batch.id}`, { key: org.key })).body;
    expect(native.counts.failed).toBeGreaterThan(0);
    expect(native.counts.succeeded).toBeGreaterThan(0);
    expect(done).toMatchObject({ status: 'completed', request_counts: { total: 12, completed: native.counts.succeeded, failed: native.counts.failed } });

    const errors = await linesOfFile(client, done.error_file_id ?? '');
    const output = await linesOfFile(client, done.output_file_id ?? '');
    expect(errors).toHaveLength(native.counts.failed);
    expect(output).toHaveLength(native.counts.succeeded);
    expect([...errors, ...output].map((line) => line.custom_id).sort()).toEqual(lines.map((line) => line.custom_id).sort());
    for (const line of errors) {
      expect(line.id).toMatch(/^batch_req_/);
      expect(line.response).toMatchObject({ status_code: 400, request_id: expect.stringMatching(/^req_/), body: { error: { type: 'invalid_request_error', message: expect.any(String) } } });
      expect(line.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('simulated permanent failure') });
    }
    expect(await client.files.retrieve(done.error_file_id ?? '')).toMatchObject({ purpose: 'batch_output', filename: `${done.id}_error.jsonl` });
  });
});

describe('a batch whose provider job would take two days', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sandboxBatchSeconds: 172_800 });
  });
  afterAll(async () => server?.stop());

  it('cancelled: answers cancelled at once, every request in the error file as batch_cancelled, nothing charged', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('a', 'One'), chatLine('b', 'Two'), chatLine('c', 'Three')]));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const running = await pollUntil(client, batch.id, 'in_progress');
    expect(running.in_progress_at).toEqual(expect.any(Number));

    const cancelled = await client.batches.cancel(batch.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', output_file_id: null, request_counts: { total: 3, completed: 0, failed: 0 } });
    expect(cancelled.cancelled_at).toEqual(expect.any(Number));
    expect(cancelled.cancelling_at).toBe(cancelled.cancelled_at);
    const errors = await linesOfFile(client, cancelled.error_file_id ?? '');
    expect(errors.map((line) => line.custom_id)).toEqual(['a', 'b', 'c']);
    for (const line of errors) {
      expect(line.response).toBeNull();
      expect(line.error).toEqual({ code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' });
    }
    // Cancelling again answers the cancelled batch, as OpenAI does.
    expect((await client.batches.cancel(batch.id)).status).toBe('cancelled');
    expect(await balanceMicros(server, org.orgId)).toBe(START_BALANCE);
    await expectLedgerMatchesBalance(server, org.orgId);
  });

  // Moves this server's clock past the deadline: keep it last.
  it('past its deadline: expired, every unfinished request in the error file as batch_expired', async () => {
    const org = await fundedOrg(server);
    const client = clientFor(server, org.key);
    const file = await upload(client, jsonl([chatLine('late-1', 'One'), chatLine('late-2', 'Two')]));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await pollUntil(client, batch.id, 'in_progress');

    server.clock.set(new Date(((batch.expires_at ?? 0) + 1) * 1000));
    expect(await expireOverdueBatches(server.server.ctx)).toContain(batch.id);

    const expired = await client.batches.retrieve(batch.id);
    expect(expired).toMatchObject({ status: 'expired', output_file_id: null, request_counts: { total: 2, completed: 0, failed: 0 } });
    expect(expired.expired_at).toEqual(expect.any(Number));
    const errors = await linesOfFile(client, expired.error_file_id ?? '');
    expect(errors.map((line) => [line.custom_id, line.response, line.error?.code])).toEqual([
      ['late-1', null, 'batch_expired'],
      ['late-2', null, 'batch_expired'],
    ]);
    expect(errors[0]?.error?.message).toBe('This request could not be executed before the completion window expired.');
    expect(await balanceMicros(server, org.orgId)).toBe(START_BALANCE);
  });
});
