/** Manifest files: JSONL uploads streamed line by line, then used as input_file_id. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForBatch } from '../helpers/batches.ts';
import { errorCode, registerOrg, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ starterCreditsMicros: 50_000_000 });
});
afterAll(async () => server?.stop());

const line = (i: number) =>
  JSON.stringify({ customer_item_id: `file-item-${i}`, operation: 'responses', model: 'gpt-5.4-mini', input: { input: `Summarise ticket ${i}.` } });

function upload(key: string, body: string, contentType = 'application/jsonl', query = '?filename=tickets.jsonl') {
  return server.request('POST', `/v1/files${query}`, { key, rawBody: body, headers: { 'content-type': contentType } });
}

async function countRows(table: 'files' | 'file_items'): Promise<number> {
  const rows = await server.server.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(rows.n);
}

describe('POST /v1/files', () => {
  it('stores a JSONL manifest and a batch runs from it through input_file_id', async () => {
    const org = await registerOrg(server);
    const body = `${Array.from({ length: 2_500 }, (_, i) => line(i)).join('\r\n')}\n`;
    const uploaded = await upload(org.key, body);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ object: 'file', purpose: 'batch', filename: 'tickets.jsonl', item_count: 2_500, status: 'ready', bytes: Buffer.byteLength(body) });
    const fileId = String(uploaded.body['id']);
    expect(fileId).toMatch(/^file_/);
    expect((await server.request('GET', `/v1/files/${fileId}`, { key: org.key })).body['item_count']).toBe(2_500);

    const quote = await server.request('POST', '/v1/batches/quote', { key: org.key, body: { input_file_id: fileId, routing_mode: 'cheapest' } });
    expect(quote.status).toBe(200);
    expect(quote.body['item_count']).toBe(2_500);

    const submitted = await server.request('POST', '/v1/batches', {
      key: org.key,
      body: { input_file_id: fileId, routing_mode: 'cheapest', quote_id: quote.body['quote_id'] },
      headers: { 'idempotency-key': 'from-a-file-0001' },
    });
    expect(submitted.status).toBe(201);
    const done = await waitForBatch(server, org.key, String(submitted.body['id']));
    expect(done['counts']).toMatchObject({ succeeded: 2_500 });
  });

  it('refuses a file with bad lines whole, listing every problem by line, and keeps nothing', async () => {
    const org = await registerOrg(server);
    const before = [await countRows('files'), await countRows('file_items')];
    const body = [line(1), '{not json', JSON.stringify({ customer_item_id: 'x', operation: 'responses', model: 'gpt-5.4-mini' }), line(1), ''].join('\n');
    const response = await upload(org.key, body);
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    const details = (response.body['error'] as { details: { path: string }[] }).details.map((d) => d.path);
    expect(details).toEqual(['lines[2]', 'lines[3].input', 'lines[4].customer_item_id']);
    expect([await countRows('files'), await countRows('file_items')]).toEqual(before);
  });

  it('refuses an empty file, a wrong content type and a line longer than any item', async () => {
    const org = await registerOrg(server);
    expect(errorCode(await upload(org.key, '\n\n'))).toBe('invalid_request');
    const wrongType = await upload(org.key, line(1), 'text/csv');
    expect(wrongType.status).toBe(415);
    expect(errorCode(wrongType)).toBe('unsupported_media_type');
    const huge = await upload(org.key, 'x'.repeat(17 * 1024 * 1024));
    expect(huge.status).toBe(413);
    expect(errorCode(huge)).toBe('payload_too_large');
  });

  it("never lets another org read or use a file", async () => {
    const owner = await registerOrg(server);
    const other = await registerOrg(server);
    const fileId = String((await upload(owner.key, line(1))).body['id']);
    expect(errorCode(await server.request('GET', `/v1/files/${fileId}`, { key: other.key }))).toBe('file_not_found');
    const quote = await server.request('POST', '/v1/batches/quote', { key: other.key, body: { input_file_id: fileId } });
    expect(quote.status).toBe(404);
    expect(errorCode(quote)).toBe('file_not_found');
  });

  it('takes items inline or a file, exactly one of them', async () => {
    const org = await registerOrg(server);
    const neither = await server.request('POST', '/v1/batches/quote', { key: org.key, body: { sla_tier: 'standard' } });
    expect(neither.status).toBe(400);
    expect(errorCode(neither)).toBe('invalid_request');
  });
});
