/**
 * Results and the artifact (DESIGN §5 Results): cursor pages that return every row exactly once,
 * results that appear as items finish, the JSONL artifact behind a signed link that needs no key once the batch has ended, links that
 * cannot be tampered with or used after 15 minutes, and the batch list paged newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { allResults, firstPartialPage, submit, TERMINAL_STATUSES, waitForStatus, type BatchBody, type ResultRow, type ResultsPage } from '../helpers/batch-requests.ts';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';

type ArtifactUrl = { url: string; expires_at: string };
type BatchList = { data: BatchBody[]; has_more: boolean; next_cursor: string | null };

let server: TestServer;
let org: Registered;
/** A finished batch of 250 items. */
let batch: BatchBody;
beforeAll(async () => {
  server = await startTestServer({ starterCreditsMicros: 10_000_000 });
  org = await registerOrg(server);
  const submitted = await submit(server, org.key, manifestOf(250));
  batch = await waitForStatus(server, org.key, submitted.body.id, TERMINAL_STATUSES);
});
afterAll(async () => server?.stop());

function byItemId(rows: ResultRow[]): ResultRow[] {
  return [...rows].sort((a, b) => a.customer_item_id.localeCompare(b.customer_item_id));
}

/** GETs a URL as is, without a key: what a download tool does with the artifact link. */
async function download(url: string): Promise<ApiResponse & { text: string }> {
  const response = await fetch(url);
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  return { status: response.status, headers: response.headers, body: isJson ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
}

async function artifactUrl(batchId: string): Promise<ArtifactUrl> {
  const response = await server.request<ArtifactUrl>('GET', `/v1/batches/${batchId}/artifact-url`, { key: org.key });
  expect(response.status).toBe(200);
  return response.body;
}

describe('GET /v1/batches/{id}/results', () => {
  it('pages of 100 return each of 250 rows exactly once, with has_more and next_cursor', async () => {
    const sizes: number[] = [];
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const route: string = `/v1/batches/${batch.id}/results?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`;
      const response: ApiResponse<ResultsPage> = await server.request<ResultsPage>('GET', route, { key: org.key });
      expect(response.status).toBe(200);
      expect(response.body.batch_id).toBe(batch.id);
      sizes.push(response.body.data.length);
      seen.push(...response.body.data.map((row) => row.customer_item_id));
      if (!response.body.has_more) break;
      expect(response.body.next_cursor).toMatch(/^\d+$/);
      cursor = response.body.next_cursor;
    }
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(seen).size).toBe(250);
    expect([...seen].sort()).toEqual(manifestOf(250).items.map((item) => item.customer_item_id).sort());
  });

  it('a page after the last row is empty, keeps its cursor and has no more', async () => {
    const first = await server.request<ResultsPage>('GET', `/v1/batches/${batch.id}/results?limit=1000`, { key: org.key });
    const after = await server.request<ResultsPage>('GET', `/v1/batches/${batch.id}/results?cursor=${first.body.next_cursor}`, { key: org.key });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ data: [], has_more: false, next_cursor: first.body.next_cursor });
  });

  it('rows carry the fields of DESIGN §5', async () => {
    const page = await server.request<ResultsPage>('GET', `/v1/batches/${batch.id}/results?limit=1`, { key: org.key });
    expect(Object.keys(page.body.data[0] ?? {}).sort()).toEqual(
      ['customer_item_id', 'status', 'model', 'provider', 'lane', 'output', 'usage', 'cost', 'error', 'route_receipt'].sort(),
    );
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['cursor=abc', 'cursor'],
  ])('?%s gets 400 invalid_request', async (query) => {
    const response = await server.request('GET', `/v1/batches/${batch.id}/results?${query}`, { key: org.key });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
  });
});

describe('the artifact', () => {
  it('its link downloads without a key as JSONL: one line per item, the same rows as the results', async () => {
    const link = await artifactUrl(batch.id);
    expect(link.url).toContain(`/v1/batches/${batch.id}/artifact?`);
    const response = await download(link.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${batch.id}.jsonl"`);
    const lines = response.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(250);
    const rows = lines.map((line) => JSON.parse(line) as ResultRow);
    expect(byItemId(rows)).toEqual(byItemId(await allResults(server, org.key, batch.id)));
  });

  it('a tampered signature gets 403 artifact_link_invalid', async () => {
    const url = new URL((await artifactUrl(batch.id)).url);
    const signature = url.searchParams.get('signature') ?? '';
    url.searchParams.set('signature', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
    const response = await download(url.toString());
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('artifact_link_invalid');
  });

  it('a link with a later expiry than it was signed for gets 403 artifact_link_invalid', async () => {
    const url = new URL((await artifactUrl(batch.id)).url);
    url.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86_400));
    const response = await download(url.toString());
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('artifact_link_invalid');
  });

  it("one batch's signature does not open another batch: 403 artifact_link_invalid", async () => {
    const other = await submit(server, org.key, manifestOf(1));
    await waitForStatus(server, org.key, other.body.id, TERMINAL_STATUSES);
    const url = new URL((await artifactUrl(batch.id)).url);
    url.pathname = `/v1/batches/${other.body.id}/artifact`;
    const response = await download(url.toString());
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('artifact_link_invalid');
  });

  // Moves this server's clock by 15 minutes (nothing else here depends on it standing still).
  it('a link used after its 15 minutes gets 403 artifact_link_invalid', async () => {
    const link = await artifactUrl(batch.id);
    expect(new Date(link.expires_at).getTime() - server.clock.now().getTime()).toBeLessThanOrEqual(15 * 60 * 1000);
    expect((await download(link.url)).status).toBe(200);
    server.clock.advance(15 * 60 * 1000 + 1000);
    const response = await download(link.url);
    expect(response.status).toBe(403);
    expect(errorCode(response)).toBe('artifact_link_invalid');
    expect((await download((await artifactUrl(batch.id)).url)).status).toBe(200);
  });
});

describe('a batch that has not finished', () => {
  let slow: TestServer;
  let owner: Registered;
  let running: BatchBody;
  beforeAll(async () => {
    // Sandbox batch jobs take two days by this server's manual clock, which never moves.
    slow = await startTestServer({ starterCreditsMicros: 10_000_000, sandboxBatchSeconds: 172_800 });
    owner = await registerOrg(slow);
    running = (await submit(slow, owner.key, manifestOf(3))).body;
    await waitForStatus(slow, owner.key, running.id, ['processing']);
  });
  afterAll(async () => slow?.stop());

  it('has no artifact yet: artifact-url gets 409 artifact_not_ready', async () => {
    const response = await slow.request('GET', `/v1/batches/${running.id}/artifact-url`, { key: owner.key });
    expect(response.status).toBe(409);
    expect(errorCode(response)).toBe('artifact_not_ready');
  });

  it('answers results with its status and an empty page while nothing has finished', async () => {
    const response = await slow.request<ResultsPage>('GET', `/v1/batches/${running.id}/results`, { key: owner.key });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ batch_id: running.id, batch_status: 'processing', data: [], has_more: false, next_cursor: null });
  });

  it('has an artifact once cancelled: the cancelled items, one line each', async () => {
    await slow.request('POST', `/v1/batches/${running.id}/cancel`, { key: owner.key });
    const link = await slow.request<ArtifactUrl>('GET', `/v1/batches/${running.id}/artifact-url`, { key: owner.key });
    expect(link.status).toBe(200);
    const response = await download(link.body.url);
    const rows = response.text.trim().split('\n').map((line) => JSON.parse(line) as ResultRow);
    expect(rows.map((row) => row.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});

describe('results of a sync batch with latency', () => {
  let synced: TestServer;
  beforeAll(async () => {
    synced = await startTestServer({ starterCreditsMicros: 10_000_000, sandboxLatencyMedianMs: 200, sandboxLatencyP99Ms: 400 });
  });
  afterAll(async () => synced?.stop());

  it('appear as items finish, not only when the last one has', async () => {
    const owner = await registerOrg(synced);
    // zero_retention routes to the sandbox's sync lanes: 200 calls of ~200 ms, 32 at a time.
    const submitted = await submit(synced, owner.key, manifestOf(200, { privacy_tier: 'zero_retention' }));
    const partial = await firstPartialPage(synced, owner.key, submitted.body.id, 200);
    expect(partial, 'no page ever showed part of the results while the batch ran').not.toBeNull();
    await waitForStatus(synced, owner.key, submitted.body.id, TERMINAL_STATUSES);
  });
});

describe('GET /v1/batches', () => {
  it('pages with limit and cursor, newest first, each batch exactly once', async () => {
    const lister = await registerOrg(server);
    const submitted: string[] = [];
    for (let i = 0; i < 5; i++) {
      submitted.push((await submit(server, lister.key, manifestOf(1))).body.id);
      server.clock.advance(1000);
    }
    const pages = await listAll(lister.key, 2);
    expect(pages.map((page) => page.data.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((page) => page.data.map((b) => b.id))).toEqual([...submitted].reverse());
    expect(pages.map((page) => page.has_more)).toEqual([true, true, false]);
    expect(pages.at(-1)?.next_cursor).toBeNull();
  });

  it('batches submitted in the same instant are each listed exactly once', async () => {
    const lister = await registerOrg(server);
    const submitted: string[] = [];
    for (let i = 0; i < 5; i++) submitted.push((await submit(server, lister.key, manifestOf(1))).body.id);
    const listed = (await listAll(lister.key, 2)).flatMap((page) => page.data.map((b) => b.id));
    expect([...listed].sort()).toEqual([...submitted].sort());
  });

  it('a cursor it did not give out gets 400 invalid_request at query.cursor', async () => {
    const response = await server.request('GET', '/v1/batches?cursor=not-a-cursor', { key: org.key });
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect((response.body as { error: { details: { path: string }[] } }).error.details[0]?.path).toBe('query.cursor');
  });
});

/** Every page of the caller's batch list at `limit` per page. */
async function listAll(key: string, limit: number): Promise<BatchList[]> {
  const pages: BatchList[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 20; i++) {
    const query: string = cursor === null ? `limit=${limit}` : `limit=${limit}&cursor=${cursor}`;
    const response: ApiResponse<BatchList> = await server.request<BatchList>('GET', `/v1/batches?${query}`, { key });
    expect(response.status).toBe(200);
    pages.push(response.body);
    if (!response.body.has_more) return pages;
    cursor = response.body.next_cursor;
  }
  throw new Error('the batch list never ended');
}
