/**
 * Hostile and broken manifests on submit (and quote): too many items, deep nesting, huge strings,
 * wrong types, NUL bytes, absurd output limits, duplicates, unknown models, items no lane can
 * serve; and NUL bytes in batch ids and cursors. Each is a 4xx listing every problem at its path,
 * never a 5xx, and stores nothing: no batch, no item, no ledger row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { allResults, detailPaths, detailsOf, submit, TERMINAL_STATUSES, waitForStatus, type BatchBody } from '../helpers/batch-requests.ts';
import { expectLedgerMatchesBalance, storedRows, type StoredRows } from '../helpers/money.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let org: Registered;
let initial: StoredRows;
beforeAll(async () => {
  server = await startTestServer({ starterCreditsMicros: 10_000_000 });
  org = await registerOrg(server);
  initial = await storedRows(server, org.orgId);
});
afterAll(async () => server?.stop());

type Item = { customer_item_id: unknown; operation: unknown; model: unknown; model_options?: unknown; input: unknown; [field: string]: unknown };

/** A valid one-item manifest with the item changed by `change`. */
function withItem(change: Partial<Item>, manifest: Record<string, unknown> = {}) {
  const base = manifestOf(1);
  return { ...base, items: [{ ...base.items[0], ...change }], ...manifest };
}

/** Submits `body` as org's, expects a 4xx, and checks nothing was stored. Returns the response. */
async function rejectedSubmit(body: unknown): Promise<ApiResponse<BatchBody>> {
  const response = await submit(server, org.key, body);
  expect(await storedRows(server, org.orgId)).toEqual(initial);
  expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  return response;
}

/** The one invalid_request answer both endpoints must give: 400 with these detail paths. */
async function expectInvalid(body: unknown, paths: string[]): Promise<ApiResponse<BatchBody>> {
  const response = await rejectedSubmit(body);
  expect(response.status).toBe(400);
  expect(errorCode(response)).toBe('invalid_request');
  expect(detailPaths(response)).toEqual([...paths].sort());
  const quoted = await server.request('POST', '/v1/batches/quote', { key: org.key, body });
  expect(quoted.status).toBe(400);
  expect(errorCode(quoted)).toBe('invalid_request');
  expect(detailPaths(quoted)).toEqual([...paths].sort());
  return response;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('size and shape', () => {
  it('100,001 inline items get 400 naming items and the 100,000 limit', async () => {
    const response = await rejectedSubmit(manifestOf(100_001));
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    const detail = detailsOf(response).find((d) => d.path === 'items');
    expect(detail?.message).toMatch(/100000|100,000/);
  });

  it('an input nested 100 levels deep gets 400 at the input, naming the depth limit', async () => {
    const response = await rejectedSubmit(withItem({ input: { input: 'x', extra: nested(100) } }));
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    const details = detailsOf(response);
    expect(details.length).toBeGreaterThan(0);
    for (const detail of details) {
      expect(detail.path.startsWith('items[0].input.extra')).toBe(true);
      expect(detail.message).toMatch(/nested more than \d+ levels/);
    }
  });

  it('an empty items array gets 400 at items', async () => {
    await expectInvalid({ ...manifestOf(1), items: [] }, ['items']);
  });

  it('a body that is not JSON gets 400 invalid_json', async () => {
    const response = await server.request('POST', '/v1/batches', {
      key: org.key,
      rawBody: '{"items":[',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'not-json-body-01' },
    });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
    expect(await storedRows(server, org.orgId)).toEqual(initial);
  });
});

describe('wrong types', () => {
  it.each([
    ['items is not an array', { ...manifestOf(1), items: 'all of them' }, ['items']],
    ['operation is a number', withItem({ operation: 42 }), ['items[0].operation']],
    ['model is null', withItem({ model: null }), ['items[0].model']],
    ['customer_item_id is a number', withItem({ customer_item_id: 7 }), ['items[0].customer_item_id']],
    ['input is a string', withItem({ input: 'hello' }), ['items[0].input']],
    ['model_options is a string', withItem({ model_options: 'gpt-5.4' }), ['items[0].model_options']],
    ['sla_tier is unknown', manifestOf(1, { sla_tier: 'urgent' }), ['sla_tier']],
    ['privacy_tier is a boolean', manifestOf(1, { privacy_tier: true }), ['privacy_tier']],
    ['an item has an unknown field', withItem({ temperature: 0.2 }), ['items[0].temperature']],
  ])('%s: 400 at its path', async (_why, body, paths) => {
    await expectInvalid(body, paths);
  });

  it('every problem of a manifest is listed in one answer', async () => {
    const base = manifestOf(3);
    const body = {
      ...base,
      sla_tier: 'soon',
      items: [
        { ...base.items[0], operation: 42 },
        { ...base.items[1], model: null },
        { ...base.items[2], customer_item_id: 7 },
      ],
    };
    await expectInvalid(body, ['sla_tier', 'items[0].operation', 'items[1].model', 'items[2].customer_item_id']);
  });
});

describe('NUL bytes and other control characters', () => {
  it('a NUL byte in customer_item_id gets 400 at items[0].customer_item_id', async () => {
    await expectInvalid(withItem({ customer_item_id: 'item\u0000one' }), ['items[0].customer_item_id']);
  });

  it('a NUL byte in an input text gets 400 at the input, not a 500', async () => {
    await expectInvalid(withItem({ input: { input: 'before\u0000after' } }), ['items[0].input.input']);
  });

  it('a NUL byte in a metadata value gets 400 at the metadata, not a 500', async () => {
    const response = await rejectedSubmit({ ...manifestOf(1), metadata: { note: 'a\u0000b' } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual(['metadata.note']);
  });

  it('a NUL byte in a metadata key gets 400 at the metadata, not a 500', async () => {
    const response = await rejectedSubmit({ ...manifestOf(1), metadata: { 'a\u0000b': 'value' } });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)[0]).toMatch(/^metadata/);
  });

  it('a NUL byte in quote_id gets 400 at quote_id or 404 quote_not_found, not a 500', async () => {
    const response = await rejectedSubmit({ ...manifestOf(1), quote_id: 'qlock_\u0000x' });
    expect([400, 404]).toContain(response.status);
    if (response.status === 400) expect(detailPaths(response)).toEqual(['quote_id']);
    expect(errorCode(response)).toBe(response.status === 400 ? 'invalid_request' : 'quote_not_found');
  });

  it.each([
    ['GET', '/v1/batches/bat_%00x'],
    ['GET', '/v1/batches/bat_%00x/results'],
    ['GET', '/v1/batches/bat_%00x/artifact-url'],
    ['POST', '/v1/batches/bat_%00x/cancel'],
  ])('%s %s (a NUL byte in the batch id) gets 404 batch_not_found or 400, not a 500', async (method, route) => {
    const response = await server.request(method, route, { key: org.key });
    expect([400, 404]).toContain(response.status);
    expect(errorCode(response)).toBe(response.status === 400 ? 'invalid_request' : 'batch_not_found');
  });

  it('a list cursor holding a NUL byte gets 400 invalid_request at query.cursor, not a 500', async () => {
    const cursor = Buffer.from(JSON.stringify(['2030-01-01T00:00:00Z', 'bat_\u0000'])).toString('base64url');
    const response = await server.request('GET', `/v1/batches?cursor=${cursor}`, { key: org.key });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual(['query.cursor']);
  });

  it('an unpaired surrogate in an input text gets 400 at the input', async () => {
    const response = await rejectedSubmit(withItem({ input: { input: 'broken \ud800 text' } }));
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(detailPaths(response)).toEqual(['items[0].input.input']);
  });
});

describe('what the body text shows about its strings', () => {
  /** Quotes a one-item manifest whose input text is written into the JSON text as `escaped` (bytes as given). */
  async function quoteText(escaped: Buffer | string) {
    const [before, after] = JSON.stringify(withItem({ input: { input: 'MARK' } })).split('"MARK"') as [string, string];
    const body = Buffer.concat([Buffer.from(`${before}"`), Buffer.from(escaped), Buffer.from(`"${after}`)]);
    const response = await fetch(`${server.url}/v1/batches/quote`, { method: 'POST', headers: { authorization: `Bearer ${org.key}`, 'content-type': 'application/json' }, body });
    return { status: response.status, body: (await response.json()) as { error?: { details?: { path: string }[] } } };
  }

  it.each([
    ['an escaped backslash before u0000', String.raw`a\\u0000b`],
    ['a surrogate pair written as escapes (an emoji, as some encoders write it)', String.raw`smile \ud83d\ude00 please`],
    ['an escaped NUL-looking text after other escapes', String.raw`\u00e9\u00e8 \\u0000`],
  ])('%s is storable text: 200', async (_name, escaped) => {
    expect((await quoteText(escaped)).status).toBe(200);
  });

  it('bytes that are not UTF-8 (a surrogate encoded as bytes, a stray 0xFF) decode to U+FFFD, which is storable: 200', async () => {
    expect((await quoteText(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0xff, 0x62]))).status).toBe(200);
  });

  it.each([
    ['an unpaired surrogate in upper case', String.raw`x \uD800 y`],
    ['an unpaired low surrogate in mixed case', String.raw`x \uDcFf y`],
    ['a NUL escape among other escapes', String.raw`\u00e9 \u0000`],
  ])('%s gets 400 at the input', async (_name, escaped) => {
    const response = await quoteText(escaped);
    expect(response.status).toBe(400);
    expect(response.body.error?.details?.map((detail) => detail.path)).toEqual(['items[0].input.input']);
  });
});

describe('what only the catalog and the lanes can tell', () => {
  it('a duplicate customer_item_id gets 400 naming both items', async () => {
    const base = manifestOf(3);
    const body = { ...base, items: [base.items[0], base.items[1], { ...base.items[2], customer_item_id: base.items[0]?.customer_item_id }] };
    const response = await expectInvalid(body, ['items[2].customer_item_id']);
    expect(detailsOf(response)[0]?.message).toContain('items[0].customer_item_id');
  });

  it('an unknown model gets 400 at items[i].model', async () => {
    const base = manifestOf(3);
    const body = { ...base, items: [base.items[0], { ...base.items[1], model: 'gpt-9-ultra' }, base.items[2]] };
    const response = await expectInvalid(body, ['items[1].model']);
    expect(detailsOf(response)[0]?.message).toContain('gpt-9-ultra');
  });

  it('an unknown model among model_options gets 400 at its place in model_options', async () => {
    await expectInvalid(withItem({ model_options: ['gpt-5.4-mini', 'no-such-model'] }), ['items[0].model_options[1]']);
  });

  it('a model that does not serve the operation gets 400 at items[0].model', async () => {
    await expectInvalid(withItem({ operation: 'embeddings', input: { input: 'embed me' } }), ['items[0].model']);
  });

  it('a model inside the input gets 400 at items[0].input.model', async () => {
    await expectInvalid(withItem({ input: { input: 'hi', model: 'gpt-5.4' } }), ['items[0].input.model']);
  });

  it.each([
    ['9e15', 9e15],
    ['1e20', 1e20],
  ])('an output limit of %s tokens gets 400 at items[0].input.max_output_tokens, not a 500', async (_label, limit) => {
    await expectInvalid(withItem({ model: 'gpt-5.4', input: { input: 'hi', max_output_tokens: limit } }), ['items[0].input.max_output_tokens']);
  });

  it('an unknown region gets 400 at allowed_regions[0]', async () => {
    await expectInvalid(manifestOf(1, { allowed_regions: ['mars'] }), ['allowed_regions[0]']);
  });

  it('an item no lane can serve (self_hosted in us: the only self-hosted lane is in eu) gets 400 saying why', async () => {
    const selfHosted = server.server.ctx.lanes.filter((lane) => lane.self_hosted);
    expect(selfHosted.map((lane) => lane.region)).not.toContain('us');
    const response = await expectInvalid(manifestOf(1, { privacy_tier: 'self_hosted', allowed_regions: ['us'] }), ['items[0].model']);
    const message = detailsOf(response)[0]?.message ?? '';
    expect(message).toMatch(/no lane can run this item/);
    for (const lane of selfHosted) expect(message).toContain(`${lane.id}: runs in ${lane.region}`);
    expect(message).toMatch(/not eligible for the self_hosted privacy tier/);
  });
});

describe('a 10 MB input text (under the batch body limit)', () => {
  it('is accepted and runs, and nothing breaks: no 5xx, the results and the money add up', async () => {
    const owner = await registerOrg(server);
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil((10 * 1024 * 1024) / 45));
    const response = await submit(server, owner.key, withItem({ input: { input: text } }));
    expect(response.status).toBe(201);
    const done = await waitForStatus(server, owner.key, response.body.id, TERMINAL_STATUSES);
    expect(done.status).toBe('completed');
    const [row] = await allResults(server, owner.key, response.body.id);
    expect(row?.status).toBe('succeeded');
    expect(row?.usage?.input_tokens).toBeGreaterThan(2_000_000);
    await expectLedgerMatchesBalance(server, owner.orgId);
  });

  // The tokenizer alone is quadratic in a run without whitespace (200 KB took 12 s, 10 MB hours):
  // quotes count long runs in pieces, so this is answered like any other input.
  it('a 2 MB input text without whitespace is quoted, counted in pieces', async () => {
    const owner = await registerOrg(server);
    const response = await server.request<{ tokens: { input: number } }>('POST', '/v1/batches/quote', { key: owner.key, body: withItem({ input: { input: 'x'.repeat(2 * 1024 * 1024) } }) });
    expect(response.status).toBe(200);
    expect(response.body.tokens.input).toBeGreaterThan(100_000);
  });
});
