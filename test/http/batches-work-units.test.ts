/**
 * Submit cuts the first round of work units itself: a batch larger than its lane takes per job is
 * stored already dispatched, in units within the lane's limit (by item count and by bytes), each
 * with its own job; the batch is `dispatched` in submit's answer and runs to the end with one
 * result per item. The units are on the lane routing chose.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../helpers/batches.ts';
import { allResults, submit, waitForStatus } from '../helpers/batch-requests.ts';
import { registerOrg, startTestServer, type Registered, type TestServer } from '../helpers/server.ts';

const ITEMS_PER_JOB = 4;

let directory: string;
let server: TestServer;
let org: Registered;

beforeAll(async () => {
  // The shipped catalog, with the sandbox lanes taking four items per job.
  const shipped = JSON.parse(await readFile(new URL('../../catalog/catalog.json', import.meta.url), 'utf8')) as { lanes: { id: string; max_items_per_job: number }[] };
  for (const lane of shipped.lanes) if (lane.id.startsWith('sandbox-')) lane.max_items_per_job = ITEMS_PER_JOB;
  directory = await mkdtemp(path.join(tmpdir(), 'br-work-units-'));
  const catalogFile = path.join(directory, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(shipped));
  server = await startTestServer({ catalogFile, starterCreditsMicros: 10_000_000 });
  org = await registerOrg(server);
});
afterAll(async () => {
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

async function unitsOf(batchId: string) {
  return server.server.database.db.selectFrom('work_units').select(['id', 'lane_id', 'item_count']).where('batch_id', '=', batchId).orderBy('created_at').orderBy('id').execute();
}

async function itemsOf(batchId: string) {
  return server.server.database.db.selectFrom('batch_items').select(['item_index', 'work_unit_id', 'attempts', 'lane_id']).where('batch_id', '=', batchId).orderBy('item_index').execute();
}

describe('the first round of work units', () => {
  it('is cut at submit within the lane limit: the batch answers dispatched, every item in one unit, and runs to the end', async () => {
    const response = await submit(server, org.key, manifestOf(10));
    expect(response.status).toBe(201);
    expect(response.body.status).toBe('dispatched');
    expect(response.body.counts).toMatchObject({ queued: 0, dispatched: 10 });
    const batchId = response.body.id;

    const units = await unitsOf(batchId);
    expect(units.map((unit) => unit.item_count).sort()).toEqual([2, 4, 4]);
    expect(new Set(units.map((unit) => unit.lane_id)).size).toBe(1);
    const items = await itemsOf(batchId);
    expect(items.every((item) => item.attempts >= 1 && item.work_unit_id !== null)).toBe(true);
    for (const unit of units) expect(items.filter((item) => item.work_unit_id === unit.id)).toHaveLength(unit.item_count);

    const done = await waitForStatus(server, org.key, batchId, ['completed']);
    expect(done.counts).toMatchObject({ succeeded: 10 });
    const results = await allResults(server, org.key, batchId);
    expect(results.map((row) => row.customer_item_id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i}`).sort());
  });

  it('puts the units on the lane routing chose: a region narrows it to its lane', async () => {
    // One batch may only run in apac (the sandbox sync lane there); the other anywhere (a batch lane, cheapest).
    const manifest = manifestOf(6, { routing_mode: 'fastest' });
    const apac = await submit(server, org.key, { ...manifest, allowed_regions: ['apac'] });
    const anywhere = await submit(server, org.key, manifestOf(6, { routing_mode: 'cheapest' }));
    expect(apac.status).toBe(201);
    expect(anywhere.status).toBe(201);
    const apacLanes = new Set((await unitsOf(apac.body.id)).map((unit) => unit.lane_id));
    const anywhereLanes = new Set((await unitsOf(anywhere.body.id)).map((unit) => unit.lane_id));
    expect([...apacLanes]).toEqual(['sandbox-sync-apac']);
    expect(anywhereLanes.has('sandbox-sync-apac')).toBe(false);
    expect((await unitsOf(apac.body.id)).map((unit) => unit.item_count).sort()).toEqual([2, 4]);
    await waitForStatus(server, org.key, apac.body.id, ['completed']);
    await waitForStatus(server, org.key, anywhere.body.id, ['completed']);
  });
});
