/**
 * Tenant isolation and scopes on every batch endpoint: another org's batch is a 404 as if absent
 * (never a 409 that would tell it exists), lists hold only the caller's batches, and a key needs
 * batches:write to quote, submit or cancel and batches:read to read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { submit, waitForStatus, type BatchBody } from '../helpers/batch-requests.ts';
import { ledgerRows, storedRows } from '../helpers/money.ts';
import { createKey, errorCode, registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let orgA: Registered;
let orgB: Registered;
/** Org A's batch, left running: the sandbox's batch jobs take two days by the manual clock. */
let running: BatchBody;
/** Org A's batch that has already ended. */
let finished: BatchBody;

beforeAll(async () => {
  server = await startTestServer({ starterCreditsMicros: 10_000_000, sandboxBatchSeconds: 172_800 });
  orgA = await registerOrg(server);
  orgB = await registerOrg(server);
  running = (await submit(server, orgA.key, manifestOf(3))).body;
  finished = (await submit(server, orgA.key, manifestOf(2))).body;
  await server.request('POST', `/v1/batches/${finished.id}/cancel`, { key: orgA.key });
  await waitForStatus(server, orgA.key, running.id, ['processing']);
});
afterAll(async () => server?.stop());

/** `{id}` in a route template, filled in when the test runs. */
const withId = (template: string, id: string) => template.replace('{id}', id);

const BATCH_ENDPOINTS: [method: string, template: string][] = [
  ['GET', '/v1/batches/{id}'],
  ['GET', '/v1/batches/{id}/results'],
  ['GET', '/v1/batches/{id}/artifact-url'],
  ['POST', '/v1/batches/{id}/cancel'],
];

describe("another org's batch", () => {
  it.each(BATCH_ENDPOINTS)("%s %s with org B's key gets 404 batch_not_found for org A's running batch", async (method, template) => {
    const response = await server.request(method, withId(template, running.id), { key: orgB.key });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('batch_not_found');
  });

  it.each(BATCH_ENDPOINTS)("%s %s with org B's key gets 404 batch_not_found for org A's finished batch", async (method, template) => {
    const response = await server.request(method, withId(template, finished.id), { key: orgB.key });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('batch_not_found');
  });

  it("is not cancelled by org B's attempt, and its reservation stays", async () => {
    await server.request('POST', `/v1/batches/${running.id}/cancel`, { key: orgB.key });
    const mine = await server.request<BatchBody>('GET', `/v1/batches/${running.id}`, { key: orgA.key });
    expect(mine.body.status).toBe('processing');
    expect(mine.body.counts.cancelled).toBe(0);
    expect(mine.body.cost.reserved).toBe(running.cost.reserved);
    expect((await ledgerRows(server, orgB.orgId)).map((row) => row.entry_type)).toEqual(['grant']);
  });

  it("404 tells nothing: it is the same for an id that exists nowhere", async () => {
    const response = await server.request('GET', '/v1/batches/bat_doesnotexist00000000000', { key: orgB.key });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('batch_not_found');
  });
});

describe('GET /v1/batches', () => {
  it("lists only the caller's batches", async () => {
    const theirs = await submit(server, orgB.key, manifestOf(1));
    expect(theirs.status).toBe(201);
    const listA = await server.request<{ data: BatchBody[] }>('GET', '/v1/batches?limit=100', { key: orgA.key });
    const listB = await server.request<{ data: BatchBody[] }>('GET', '/v1/batches?limit=100', { key: orgB.key });
    expect(listA.body.data.map((batch) => batch.id).sort()).toEqual([running.id, finished.id].sort());
    expect(listB.body.data.map((batch) => batch.id)).toEqual([theirs.body.id]);
  });
});

describe('scopes', () => {
  let readOnly: string;
  let writeOnly: string;
  beforeAll(async () => {
    readOnly = (await createKey(server, orgA.key, { scopes: ['batches:read'], name: 'read only' })).key;
    writeOnly = (await createKey(server, orgA.key, { scopes: ['batches:write'], name: 'write only' })).key;
  });

  // {id} is the running batch, {finished} the ended one (whose artifact exists).
  const route = (template: string) => withId(template, running.id).replace('{finished}', finished.id);
  const WRITES: [method: string, template: string, body: unknown][] = [
    ['POST', '/v1/batches/quote', manifestOf(1)],
    ['POST', '/v1/quotes/model', manifestOf(1)],
    ['POST', '/v1/batches', manifestOf(1)],
    ['POST', '/v1/batches/{id}/cancel', undefined],
  ];
  const READS: [method: string, template: string][] = [
    ['GET', '/v1/batches'],
    ['GET', '/v1/batches/{id}'],
    ['GET', '/v1/batches/{id}/results'],
    ['GET', '/v1/batches/{finished}/artifact-url'],
  ];

  it.each(WRITES)('%s %s without batches:write gets 403 insufficient_scope and changes nothing', async (method, template, body) => {
    const before = await storedRows(server, orgA.orgId);
    const response = await server.request(method, route(template), { key: readOnly, body, headers: { 'idempotency-key': 'scope-check-0001' } });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('insufficient_scope');
    expect(await storedRows(server, orgA.orgId)).toEqual(before);
    const batch = await server.request<BatchBody>('GET', `/v1/batches/${running.id}`, { key: orgA.key });
    expect(batch.body.status).toBe('processing');
  });

  it.each(READS)('%s %s without batches:read gets 403 insufficient_scope', async (method, template) => {
    const response = await server.request(method, route(template), { key: writeOnly });
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('insufficient_scope');
  });

  it('a batches:read key reads what the org owns', async () => {
    for (const [method, template] of READS) {
      const response = await server.request(method, route(template), { key: readOnly });
      expect(response.status, `${method} ${template}`).toBe(200);
    }
  });

  it('a batches:write key quotes and submits', async () => {
    expect((await server.request('POST', '/v1/batches/quote', { key: writeOnly, body: manifestOf(1) })).status).toBe(200);
    expect((await submit(server, writeOnly, manifestOf(1))).status).toBe(201);
  });
});
