/**
 * The OpenAI drop-in's errors (issue 7): bad input, unknown files, keys, scopes, credits and other
 * orgs' resources answer OpenAI's error body (`{"error":{message,type,param,code}}`, plus
 * BatchRouter's `request_id`), so the official client raises its typed errors; the rest of the API
 * keeps BatchRouter's body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { toFile } from 'openai';
import { createKey, errorCode, registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';
import { grantMicros, storedRows } from '../helpers/money.ts';

const PREFIX = '/v1/openai/v1';

function clientFor(server: TestServer, key: string): OpenAI {
  return new OpenAI({ baseURL: `${server.url}${PREFIX}`, apiKey: key, maxRetries: 0 });
}

function chatLine(id: string, model = 'gpt-5.4-mini'): string {
  return JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model, messages: [{ role: 'user', content: `Hi ${id}` }] } });
}

async function upload(client: OpenAI, text: string, purpose: 'batch' | 'fine-tune' = 'batch') {
  return client.files.create({ file: await toFile(Buffer.from(text), 'requests.jsonl'), purpose });
}

type OpenAiErrorBody = { error: { message: string; type: string; param: string | null; code: string | null }; request_id: string };

/** What the client threw, checked to be the expected class, with OpenAI's error object. */
async function refusal<T extends abstract new (...args: never[]) => InstanceType<typeof OpenAI.APIError>>(promise: Promise<unknown>, type: T): Promise<InstanceType<T>> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(type);
  const apiError = error as InstanceType<T>;
  expect(apiError.error).toEqual({ message: expect.any(String), type: expect.any(String), param: expect.toSatisfy((p) => p === null || typeof p === 'string'), code: expect.anything() });
  expect(apiError.requestID).toMatch(/^req_/);
  return apiError;
}

/** A raw error answer: OpenAI's body, request_id at the top level and in X-Request-Id. */
function expectOpenAiBody(response: { status: number; headers: Headers; body: unknown }): OpenAiErrorBody {
  const body = response.body as OpenAiErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.request_id).toMatch(/^req_/);
  expect(response.headers.get('x-request-id')).toBe(body.request_id);
  return body;
}

let server: TestServer;
let org: Registered;
let client: OpenAI;
beforeAll(async () => {
  server = await startTestServer();
  org = await registerOrg(server);
  await grantMicros(server, org.orgId, 10_000_000);
  client = clientFor(server, org.key);
});
afterAll(async () => server?.stop());

describe('a bad batch input file is refused whole, naming the line', () => {
  const cases: { name: string; text: string; line: number; param: string | null; code: string }[] = [
    { name: 'a line that is not JSON', text: `${chatLine('a')}\n{"custom_id": "b",\n`, line: 2, param: null, code: 'invalid_json_line' },
    { name: 'a missing custom_id', text: `${chatLine('a')}\n${JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-5.4-mini', messages: [] } })}\n`, line: 2, param: 'custom_id', code: 'missing_required_parameter' },
    { name: 'an endpoint the drop-in does not run', text: `${JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/completions', body: { model: 'gpt-5.4-mini', prompt: 'x' } })}\n`, line: 1, param: 'url', code: 'invalid_value' },
    { name: 'two urls in one file', text: `${chatLine('a')}\n${JSON.stringify({ custom_id: 'b', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'x' } })}\n`, line: 2, param: 'url', code: 'invalid_url' },
    { name: 'a duplicate custom_id', text: `${chatLine('a')}\n\n${chatLine('a')}\n`, line: 3, param: 'custom_id', code: 'duplicate_custom_id' },
    { name: 'an unknown model', text: `${chatLine('a')}\n${chatLine('b', 'gpt-9-imaginary')}\n`, line: 2, param: 'body.model', code: 'invalid_request' },
    { name: 'a chat request without messages', text: `${JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-5.4-mini' } })}\n`, line: 1, param: 'body.messages', code: 'invalid_request' },
    { name: 'a streaming request', text: `${JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-5.4-mini', messages: [{ role: 'user', content: 'x' }], stream: true } })}\n`, line: 1, param: 'body.stream', code: 'streaming_unsupported' },
    { name: 'a GET', text: `${JSON.stringify({ custom_id: 'a', method: 'GET', url: '/v1/chat/completions', body: { model: 'gpt-5.4-mini', messages: [] } })}\n`, line: 1, param: 'method', code: 'invalid_value' },
  ];
  for (const { name, text, line, param, code } of cases) {
    it(`${name}: 400 naming line ${line}`, async () => {
      const before = await server.server.database.db.selectFrom('openai_files').select('id').where('org_id', '=', org.orgId).execute();
      const error = await refusal(upload(client, text), OpenAI.BadRequestError);
      expect(error.error).toMatchObject({ type: 'invalid_request_error', param, code });
      expect(error.message).toContain(`Line ${line}`);
      const after = await server.server.database.db.selectFrom('openai_files').select('id').where('org_id', '=', org.orgId).execute();
      expect(after).toEqual(before);
    });
  }

  it('an empty file: 400', async () => {
    const error = await refusal(upload(client, '\n\n'), OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ code: 'empty_file' });
  });

  it('every bad line is listed, the first five in the message', async () => {
    const text = Array.from({ length: 8 }, (_, i) => `not json ${i}`).join('\n');
    const response = await server.request('POST', `${PREFIX}/files`, {
      key: org.key,
      rawBody: `--b0\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b0\r\nContent-Disposition: form-data; name="file"; filename="x.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${text}\r\n--b0--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b0' },
    });
    expect(response.status).toBe(400);
    const body = expectOpenAiBody(response);
    expect(body.error.message).toContain('Line 5');
    expect(body.error.message).toContain('and 3 more problems');
  });
});

describe('bad requests answer OpenAI-shaped errors through the official client', () => {
  it('a purpose other than batch: 400 naming purpose', async () => {
    const error = await refusal(upload(client, `${chatLine('a')}\n`, 'fine-tune'), OpenAI.BadRequestError);
    expect(error.error).toMatchObject({ type: 'invalid_request_error', param: 'purpose', code: 'invalid_value' });
  });

  it('an unknown file: 404 on retrieve, content and batch creation', async () => {
    const retrieved = await refusal(client.files.retrieve('file_doesnotexist'), OpenAI.NotFoundError);
    expect(retrieved.error).toMatchObject({ type: 'not_found_error', message: 'No such File object: file_doesnotexist' });
    await refusal(client.files.content('file_doesnotexist'), OpenAI.NotFoundError);
    const created = await refusal(client.batches.create({ input_file_id: 'file_doesnotexist', endpoint: '/v1/chat/completions', completion_window: '24h' }), OpenAI.NotFoundError);
    expect(created.error).toMatchObject({ param: 'input_file_id' });
  });

  it('an endpoint the drop-in does not run, or not the file’s: 400 naming endpoint', async () => {
    const file = await upload(client, `${chatLine('a')}\n`);
    const unknown = await refusal(client.batches.create({ input_file_id: file.id, endpoint: '/v1/completions', completion_window: '24h' }), OpenAI.BadRequestError);
    expect(unknown.error).toMatchObject({ param: 'endpoint', code: 'invalid_value' });
    expect(unknown.message).toContain("'/v1/chat/completions', '/v1/responses', and '/v1/embeddings'");
    const other = await refusal(client.batches.create({ input_file_id: file.id, endpoint: '/v1/embeddings', completion_window: '24h' }), OpenAI.BadRequestError);
    expect(other.error).toMatchObject({ param: 'endpoint', code: 'invalid_url' });
  });

  it('a completion window other than 24h, or a bad routing key in metadata: 400 naming it', async () => {
    const file = await upload(client, `${chatLine('a')}\n`);
    const window = await refusal(client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '48h' as '24h' }), OpenAI.BadRequestError);
    expect(window.error).toMatchObject({ param: 'completion_window', code: 'invalid_value' });
    for (const [key, value] of [
      ['batchrouter_sla_tier', 'urgent'],
      ['batchrouter_routing_mode', 'random'],
      ['batchrouter_privacy_tier', 'secret'],
      ['batchrouter_allowed_regions', 'us,mars'],
      ['batchrouter_slatier', 'flex'],
    ] as const) {
      const error = await refusal(client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { [key]: value } }), OpenAI.BadRequestError);
      expect(error.error).toMatchObject({ param: `metadata.${key}` });
    }
  });

  it('a request no lane can run under the batch’s routing controls: 400 naming its line, nothing stored', async () => {
    const file = await upload(client, `${chatLine('a')}\n\n${chatLine('b')}\n`);
    const before = await storedRows(server, org.orgId);
    // Self-hosted lanes are all in the EU here.
    const error = await refusal(
      client.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { batchrouter_privacy_tier: 'self_hosted', batchrouter_allowed_regions: 'us' },
      }),
      OpenAI.BadRequestError,
    );
    expect(error.error).toMatchObject({ param: 'body.model' });
    expect(error.message).toContain(`line 1 of file ${file.id}`);
    expect(error.message).toContain('and 1 more problem)');
    expect(await storedRows(server, org.orgId)).toEqual(before);
  });

  it('a body that is not JSON, an unknown field, a short Idempotency-Key: 400 in OpenAI’s body', async () => {
    const notJson = await server.request('POST', `${PREFIX}/batches`, { key: org.key, rawBody: '{"input_file_id":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expectOpenAiBody(notJson);
    const unknownField = await server.request('POST', `${PREFIX}/batches`, { key: org.key, body: { input_file_id: 'file_x', endpoint: '/v1/responses', completion_window: '24h', priority: 'high' } });
    expect(unknownField.status).toBe(400);
    expect(expectOpenAiBody(unknownField).error).toMatchObject({ param: 'priority', code: 'unknown_parameter' });
    const missing = await server.request('POST', `${PREFIX}/batches`, { key: org.key, body: { endpoint: '/v1/responses', completion_window: '24h' } });
    expect(expectOpenAiBody(missing).error).toMatchObject({ param: 'input_file_id', code: 'missing_required_parameter', message: "Missing required parameter: 'input_file_id'." });
    const shortKey = await server.request('POST', `${PREFIX}/batches`, {
      key: org.key,
      body: { input_file_id: 'file_x', endpoint: '/v1/responses', completion_window: '24h' },
      headers: { 'idempotency-key': 'short' },
    });
    expect(expectOpenAiBody(shortKey).error).toMatchObject({ param: 'Idempotency-Key' });
  });

  it('an upload that is not multipart, or broken multipart: 4xx in OpenAI’s body, nothing kept', async () => {
    const jsonBody = await server.request('POST', `${PREFIX}/files`, { key: org.key, body: { purpose: 'batch' } });
    expect(jsonBody.status).toBe(415);
    expectOpenAiBody(jsonBody);
    const truncated = await server.request('POST', `${PREFIX}/files`, {
      key: org.key,
      rawBody: `--b1\r\nContent-Disposition: form-data; name="file"; filename="x.jsonl"\r\n\r\n${chatLine('a')}\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b1' },
    });
    expect(truncated.status).toBe(400);
    expect(expectOpenAiBody(truncated).error.message).toContain('multipart');
    const noPurpose = await server.request('POST', `${PREFIX}/files`, {
      key: org.key,
      rawBody: `--b2\r\nContent-Disposition: form-data; name="file"; filename="x.jsonl"\r\n\r\n${chatLine('a')}\n\r\n--b2--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b2' },
    });
    expect(expectOpenAiBody(noPurpose).error).toMatchObject({ param: 'purpose', code: 'missing_required_parameter' });
    // A purpose after the file is checked once the file has been read: the file is not kept either.
    const purposeAfter = await server.request('POST', `${PREFIX}/files`, {
      key: org.key,
      rawBody: `--b3\r\nContent-Disposition: form-data; name="file"; filename="x.jsonl"\r\n\r\n${chatLine('a')}\n\r\n--b3\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--b3--\r\n`,
      headers: { 'content-type': 'multipart/form-data; boundary=b3' },
    });
    expect(purposeAfter.status).toBe(400);
    expect(expectOpenAiBody(purposeAfter).error).toMatchObject({ param: 'purpose', code: 'invalid_value' });
    expect(await server.server.database.db.selectFrom('openai_files').select('id').where('status', '=', 'uploading').execute()).toEqual([]);
    expect(await server.server.database.db.selectFrom('openai_files').select('id').where('filename', '=', 'x.jsonl').execute()).toEqual([]);
  });

  it('an unknown path under the drop-in: 404 in OpenAI’s body; the native API keeps its own body', async () => {
    const unknown = await server.request('GET', `${PREFIX}/fine_tuning/jobs`, { key: org.key });
    expect(unknown.status).toBe(404);
    expect(expectOpenAiBody(unknown).error).toMatchObject({ type: 'not_found_error', code: 'route_not_found' });
    const native = await server.request('GET', '/v1/batches/bat_doesnotexist', { key: org.key });
    expect(native.status).toBe(404);
    expect(errorCode(native)).toBe('batch_not_found');
  });
});

describe('keys, scopes and credits', () => {
  it('a bad key: 401 AuthenticationError, before anything is read', async () => {
    const error = await refusal(clientFor(server, 'br_live_notarealkey').batches.list(), OpenAI.AuthenticationError);
    expect(error.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    const raw = await server.request('GET', `${PREFIX}/batches`, { key: 'br_live_notarealkey' });
    expect(raw.status).toBe(401);
    expectOpenAiBody(raw);
  });

  it('a key without batches:write may read but not upload or create: 403 PermissionDeniedError', async () => {
    const reader = await createKey(server, org.key, { scopes: ['batches:read'] });
    const readerClient = clientFor(server, reader.key);
    const error = await refusal(upload(readerClient, `${chatLine('a')}\n`), OpenAI.PermissionDeniedError);
    expect(error.error).toMatchObject({ type: 'permission_error', code: 'insufficient_scope' });
    expect((await readerClient.batches.list()).data).toEqual(expect.any(Array));
  });

  it('credits that cannot cover the reservation: 402 insufficient_quota, nothing stored', async () => {
    const poor = await registerOrg(server);
    const poorClient = clientFor(server, poor.key);
    const file = await upload(poorClient, `${chatLine('a')}\n`);
    const before = await storedRows(server, poor.orgId);
    const error = await refusal(poorClient.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }), OpenAI.APIError);
    expect(error.status).toBe(402);
    expect(error.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(error.message).toContain('available balance is 0.00 USD');
    expect(await storedRows(server, poor.orgId)).toEqual(before);
    expect(await server.server.database.db.selectFrom('openai_batches').select('batch_id').where('org_id', '=', poor.orgId).execute()).toEqual([]);
  });
});

describe('another org', () => {
  it('gets 404 on every file and batch of this org, and never lists them', async () => {
    const file = await upload(client, `${chatLine('a')}\n${chatLine('b')}\n`);
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { owner: 'first org' } });
    let ended = await client.batches.retrieve(batch.id);
    for (let i = 0; i < 300 && !['completed', 'failed'].includes(ended.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ended = await client.batches.retrieve(batch.id);
    }
    expect(ended.output_file_id).toEqual(expect.any(String));

    const other = await registerOrg(server);
    await grantMicros(server, other.orgId, 10_000_000);
    const otherClient = clientFor(server, other.key);
    for (const fileId of [file.id, ended.output_file_id ?? '']) {
      await refusal(otherClient.files.retrieve(fileId), OpenAI.NotFoundError);
      await refusal(otherClient.files.content(fileId), OpenAI.NotFoundError);
    }
    await refusal(otherClient.batches.retrieve(batch.id), OpenAI.NotFoundError);
    await refusal(otherClient.batches.cancel(batch.id), OpenAI.NotFoundError);
    await refusal(otherClient.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }), OpenAI.NotFoundError);
    expect((await otherClient.batches.list()).data).toEqual([]);
    expect((await otherClient.batches.list({ after: batch.id })).data).toEqual([]);
    const native = await server.request('GET', `/v1/batches/${batch.id}`, { key: other.key });
    expect(native.status).toBe(404);
  });

  it('the same Idempotency-Key in two orgs makes two batches', async () => {
    const other = await registerOrg(server);
    await grantMicros(server, other.orgId, 10_000_000);
    const otherClient = clientFor(server, other.key);
    const headers = { 'Idempotency-Key': 'shared-key-across-orgs' };
    const mine = await client.batches.create({ input_file_id: (await upload(client, `${chatLine('a')}\n`)).id, endpoint: '/v1/chat/completions', completion_window: '24h' }, { headers });
    const theirs = await otherClient.batches.create(
      { input_file_id: (await upload(otherClient, `${chatLine('a')}\n`)).id, endpoint: '/v1/chat/completions', completion_window: '24h' },
      { headers },
    );
    expect(theirs.id).not.toBe(mine.id);
  });
});
