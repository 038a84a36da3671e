/**
 * The drop-in's Files API lists and deletes files as OpenAI's does, through the official client:
 * input files and the output and error files of ended batches, newest first (or oldest), by
 * purpose, a page at a time; a deleted file is gone from the list, from retrieve and from
 * content, and batches made from a deleted input file are not touched. Another org sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { NotFoundError, toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import type { FileListParams, FileObject } from 'openai/resources/files';
import { grantMicros } from '../helpers/money.ts';
import { registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

const ENDED = ['completed', 'failed', 'expired', 'cancelled'];

let server: TestServer;

beforeAll(async () => {
  // Half the requests fail for good: a batch ends with both an output file and an error file.
  server = await startTestServer({ sandboxPermanentFailureRate: 0.5 });
});
afterAll(async () => server?.stop());

function clientFor(key: string): OpenAI {
  return new OpenAI({ baseURL: `${server.url}/v1/openai/v1`, apiKey: key });
}

async function fundedOrg(): Promise<Registered> {
  const org = await registerOrg(server);
  await grantMicros(server, org.orgId, 10_000_000);
  return org;
}

function requests(prefix: string, count: number): string {
  return Array.from({ length: count }, (_, i) =>
    `${JSON.stringify({ custom_id: `${prefix}-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-5.4-mini', messages: [{ role: 'user', content: `Question ${prefix} ${i}` }], max_tokens: 40 } })}\n`,
  ).join('');
}

async function upload(client: OpenAI, name: string, text: string): Promise<FileObject> {
  return client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'batch' });
}

async function ended(client: OpenAI, batchId: string): Promise<Batch> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const batch = await client.batches.retrieve(batchId);
    if (ENDED.includes(batch.status)) return batch;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${batch.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every file the list gives, following its pages as the client does. */
async function listAll(client: OpenAI, query: FileListParams = {}): Promise<FileObject[]> {
  const files: FileObject[] = [];
  for await (const file of client.files.list(query)) files.push(file);
  return files;
}

describe("the drop-in's file list", () => {
  let key: string;
  let client: OpenAI;
  let first: FileObject;
  let second: FileObject;
  let batch: Batch;

  beforeAll(async () => {
    const org = await fundedOrg();
    key = org.key;
    client = clientFor(key);
    first = await upload(client, 'first.jsonl', requests('a', 12));
    second = await upload(client, 'second.jsonl', requests('b', 2));
    batch = await ended(client, (await client.batches.create({ input_file_id: first.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    expect(batch.output_file_id).not.toBeNull();
    expect(batch.error_file_id).not.toBeNull();
  });

  it('has the ended batch\'s generated files measured by a job of their own, before anyone asks', async () => {
    const db = server.server.database.db;
    const figures = () => db.selectFrom('openai_batches').select(['output_lines', 'error_lines', 'output_bytes', 'error_bytes']).where('batch_id', '=', batch.id).executeTakeFirstOrThrow();
    await expect.poll(async () => (await figures()).error_bytes, { timeout: 20_000 }).not.toBeNull();
    const measured = await figures();
    expect((measured.output_lines ?? 0) + (measured.error_lines ?? 0)).toBe(12);
    expect(measured.output_lines).toBe(batch.request_counts?.completed);
    expect(measured.output_bytes).toBeGreaterThan(0);
  });

  it('holds the input files and the ended batch\'s output and error files, newest first, each as retrieve shows it', async () => {
    const files = await listAll(client);
    expect(files.map((file) => file.id).sort()).toEqual([first.id, second.id, batch.output_file_id, batch.error_file_id].sort());
    for (let i = 1; i < files.length; i++) expect((files[i - 1] as FileObject).created_at).toBeGreaterThanOrEqual((files[i] as FileObject).created_at);
    for (const file of files) expect(file).toEqual(await client.files.retrieve(file.id));
    // The generated files' sizes are those of their content.
    for (const id of [batch.output_file_id ?? '', batch.error_file_id ?? '']) {
      const listed = files.find((file) => file.id === id);
      expect(listed?.bytes).toBe(Buffer.byteLength(await (await client.files.content(id)).text()));
    }
  });

  it('sorts oldest first with order=asc, filters by purpose, and pages with limit and after', async () => {
    const newestFirst = (await listAll(client)).map((file) => file.id);
    expect((await listAll(client, { order: 'asc' })).map((file) => file.id)).toEqual([...newestFirst].reverse());
    expect((await listAll(client, { purpose: 'batch' })).map((file) => file.id).sort()).toEqual([first.id, second.id].sort());
    expect((await listAll(client, { purpose: 'batch_output' })).map((file) => file.id).sort()).toEqual([batch.output_file_id, batch.error_file_id].sort());
    expect(await listAll(client, { purpose: 'fine-tune' })).toEqual([]);
    // One file a page: the client follows has_more and after, and sees each file once.
    expect((await listAll(client, { limit: 1 })).map((file) => file.id)).toEqual(newestFirst);
    const page = await client.files.list({ limit: 2 });
    expect(page.data.map((file) => file.id)).toEqual(newestFirst.slice(0, 2));
    expect(page.has_more).toBe(true);
    const raw = await server.request<{ object: string; first_id: string; last_id: string; has_more: boolean; data: unknown[] }>('GET', `/v1/openai/v1/files?limit=2&after=${newestFirst[1]}`, { key });
    expect(raw.body).toMatchObject({ object: 'list', first_id: newestFirst[2], last_id: newestFirst[3], has_more: false });
    // An id the org has no file for starts nowhere: an empty page.
    expect((await client.files.list({ after: 'file_unknown' })).data).toEqual([]);
  });

  it('refuses a limit outside 1–10,000 and an unknown order with a 400 in OpenAI\'s shape', async () => {
    for (const query of ['limit=0', 'limit=10001', 'order=sideways']) {
      const response = await server.request<{ error: { type: string; message: string } }>('GET', `/v1/openai/v1/files?${query}`, { key });
      expect(response.status).toBe(400);
      expect(response.body.error.type).toBe('invalid_request_error');
    }
  });
});

describe('deleting a file', () => {
  it('deletes an input file: gone from the list, retrieve and content; a batch made from it runs on', async () => {
    const org = await fundedOrg();
    const client = clientFor(org.key);
    const file = await upload(client, 'gone.jsonl', requests('c', 4));
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.content(file.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.delete(file.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await listAll(client, { purpose: 'batch' })).map((listed) => listed.id)).not.toContain(file.id);
    const done = await ended(client, batch.id);
    expect(done.input_file_id).toBe(file.id);
    expect(done.request_counts?.total).toBe(4);
  });

  it('deletes an output or error file: gone from the list, retrieve and content; the other one stays', async () => {
    const org = await fundedOrg();
    const client = clientFor(org.key);
    const file = await upload(client, 'both.jsonl', requests('d', 12));
    const batch = await ended(client, (await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).id);
    const outputId = batch.output_file_id ?? '';
    const errorId = batch.error_file_id ?? '';
    expect(await client.files.delete(outputId)).toEqual({ id: outputId, object: 'file', deleted: true });
    await expect(client.files.retrieve(outputId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.content(outputId)).rejects.toBeInstanceOf(NotFoundError);
    const left = (await listAll(client)).map((listed) => listed.id);
    expect(left).not.toContain(outputId);
    expect(left).toContain(errorId);
    expect(await client.files.retrieve(errorId)).toMatchObject({ id: errorId, purpose: 'batch_output' });
    // The batch still names the file, as OpenAI's does.
    expect((await client.batches.retrieve(batch.id)).output_file_id).toBe(outputId);
    const audit = await server.server.database.db.selectFrom('audit_events').select(['action', 'target_id']).where('org_id', '=', org.orgId).where('action', '=', 'file.deleted').execute();
    expect(audit.map((row) => row.target_id)).toEqual([outputId]);
  });

  it("is refused for another org's files, which stay listed for their own org", async () => {
    const owner = clientFor((await fundedOrg()).key);
    const stranger = clientFor((await fundedOrg()).key);
    const file = await upload(owner, 'mine.jsonl', requests('e', 2));
    await expect(stranger.files.delete(file.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await listAll(stranger)).toEqual([]);
    expect((await listAll(owner)).map((listed) => listed.id)).toEqual([file.id]);
  });
});
