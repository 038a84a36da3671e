/**
 * Usage (GET /v1/usage): an org's finished items, tokens, cost and savings over a time range, by
 * UTC day, model, provider or lane. Checked against a hand computation from this file's catalog
 * prices, against the credit ledger's captures, across range bounds, tenants and scopes.
 *
 * One server on a catalog of two simulated providers, on a manual clock, runs this timeline:
 *   2031-03-10 09:00  A1: 6 × large on east-sync (the only lane running large)
 *   2031-03-10 11:00  A2: 6 × large that may run small: small on west-batch, the cheapest
 *   2031-03-10 11:00  B1: another org's 3 × large on east-sync
 *   2031-03-11 08:00  A3: 6 × small in the EU: west-sync
 *   2031-03-12 23:30  A4: 4 × large (east-sync, done at once) and 3 × small (west-batch, done
 *   2031-03-13 01:30      when the clock passes the job's hour): one batch across midnight
 *   2031-03-20 12:00  A5: 2 × large on east-sync
 * and the reports are read at 2031-03-20 12:30.
 * A sandbox request fails for good one time in four (deterministically): failed items are counted
 * and cost nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { allResults, detailPaths, submit, TERMINAL_STATUSES, waitForStatus, type BatchBody, type ResultRow } from '../helpers/batch-requests.ts';
import { grantMicros, ledgerRows } from '../helpers/money.ts';
import { FEE_BPS, LANE_LIMITS, LIST, reportCatalog, type Model } from '../helpers/report-catalog.ts';
import { createKey, errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';
import { countBatch, expectedOf, feeOn, figuresOf, micros, type CountedItem, type Expected, type Figures, type Prices, type Pricing } from '../helpers/usage-arithmetic.ts';

/** Each lane's provider and its price (the list price less the lane's discount). */
const LANES: Record<string, { provider: string; prices: Prices }> = {
  'east-sync': { provider: 'east', prices: [2_700_000n, 13_500_000n] }, // large, 10% off
  'west-batch': { provider: 'west', prices: [200_000n, 800_000n] }, // small, 50% off
  'west-sync': { provider: 'west', prices: [320_000n, 1_280_000n] }, // small, 20% off
};

const CATALOG = reportCatalog([
  { id: 'east-sync', provider: 'east', mode: 'sync', region: 'us', models: ['large'], discount_bps: 1000, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 60, ...LANE_LIMITS },
  { id: 'west-batch', provider: 'west', mode: 'batch', region: 'us', models: ['small'], discount_bps: 5000, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 3600, ...LANE_LIMITS },
  { id: 'west-sync', provider: 'west', mode: 'sync', region: 'eu', models: ['small'], discount_bps: 2000, zero_data_retention: false, self_hosted: false, expected_turnaround_seconds: 60, ...LANE_LIMITS },
]);

type UsageBody = { object: string; from: string; to: string; group_by: string; currency: string; final: boolean; data: (Figures & { key: string })[]; totals: Figures };
type Grouping = 'day' | 'model' | 'provider' | 'lane';

/** One finished item as this file computes it by hand, with when it finished and its lane's provider. */
interface UsageItem extends CountedItem {
  finishedAt: Date;
  provider: string;
}

/**
 * A batch's items as charged (`countBatch`), each succeeded item's baseline at its preferred
 * model's list price (the model named in its customer_item_id), each item's cost checked against
 * its result's. `finishedAt` by lane.
 */
function usageItems(batch: BatchBody, rows: ResultRow[], finishedAt: (row: ResultRow) => Date): UsageItem[] {
  const pricing: Pricing = { feeBps: FEE_BPS, lanePrices: (row) => LANES[row.lane]?.prices ?? [0n, 0n], listPrices: (row) => LIST[row.customer_item_id.split('-')[1] as Model] };
  return countBatch(batch, rows, pricing, (item, row) => {
    expect(row.cost === null ? 0n : micros(row.cost)).toBe(item.cost);
    return { ...item, finishedAt: finishedAt(row), provider: LANES[row.lane]?.provider ?? 'unknown' };
  });
}

/** A response's figures in numbers (`figuresOf`), each amount first checked to be one the API writes. */
function responseFigures(figures: Figures, key?: string): Expected {
  for (const amount of [figures.cost.provider_cost, figures.cost.platform_fee, figures.cost.total, figures.baseline, figures.savings.amount]) {
    expect(amount).toMatch(/^-?\d+\.\d{2,6}$/);
  }
  return figuresOf(figures, key);
}

const keyOf: Record<Grouping, (item: UsageItem) => string> = {
  day: (item) => item.finishedAt.toISOString().slice(0, 10),
  model: (item) => item.model,
  provider: (item) => item.provider,
  lane: (item) => item.lane,
};

/** The report this file expects for [from, to): groups in key order; `days` lists the days of a by-day report. */
function expectedReport(items: UsageItem[], from: Date, to: Date, groupBy: Grouping, days?: string[]) {
  const inRange = items.filter((item) => item.finishedAt >= from && item.finishedAt < to);
  const keys = days ?? [...new Set(inRange.map(keyOf[groupBy]))].sort();
  return { data: keys.map((key) => expectedOf(inRange.filter((item) => keyOf[groupBy](item) === key), key)), totals: expectedOf(inRange) };
}

function reportOf(body: UsageBody) {
  return { data: body.data.map((group) => responseFigures(group, group.key)), totals: responseFigures(body.totals) };
}

const at = (iso: string) => new Date(iso);
const T = {
  a1: at('2031-03-10T09:00:00Z'),
  a2: at('2031-03-10T11:00:00Z'),
  a3: at('2031-03-11T08:00:00Z'),
  a4Sync: at('2031-03-12T23:30:00Z'),
  a4Batch: at('2031-03-13T01:30:00Z'),
  a5: at('2031-03-20T12:00:00Z'),
  /** When the tests read their reports. */
  now: at('2031-03-20T12:30:00Z'),
};

function itemsOf(tag: string, count: number, model: Model, options?: Model[]) {
  return Array.from({ length: count }, (_, i) => ({
    customer_item_id: `${tag}-${model}-${i}`,
    operation: 'responses',
    model,
    ...(options ? { model_options: options } : {}),
    input: { input: `${tag} request ${i}: ${'summarise the ticket queue and draft replies; '.repeat(2 + i * 5)}` },
  }));
}

let server: TestServer;
let catalogDirectory: string;
let orgA: Registered;
let orgB: Registered;
/** Org A's items finished in the timeline, by batch. */
const counted = new Map<string, UsageItem[]>();
const batchIds: Record<'a1' | 'a2' | 'a3' | 'a4' | 'a5' | 'b1', string> = { a1: '', a2: '', a3: '', a4: '', a5: '', b1: '' };
/** A report of 2031-03-12 read while A4's batch job was still running. */
let whileA4Ran: UsageBody;

function usage(key: string, query = ''): Promise<ApiResponse<UsageBody>> {
  return server.request<UsageBody>('GET', `/v1/usage${query === '' ? '' : `?${query}`}`, { key });
}

async function run(org: Registered, manifest: Record<string, unknown>): Promise<string> {
  const submitted = await submit(server, org.key, { sla_tier: 'standard', routing_mode: 'cheapest', ...manifest });
  if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
  return submitted.body.id;
}

/** Waits until the batch's sync work units have finished and its provider batch jobs are submitted (their hour runs from then). */
async function waitForUnits(batchId: string, expected: { sync: number; batch: number }): Promise<void> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const units = await server.server.database.db.selectFrom('work_units').select(['mode', 'status', 'provider_job_id']).where('batch_id', '=', batchId).execute();
    const syncDone = units.filter((unit) => unit.mode === 'sync' && unit.status === 'finished').length;
    const jobsSubmitted = units.filter((unit) => unit.mode === 'batch' && unit.status === 'submitted' && unit.provider_job_id !== null).length;
    if (syncDone === expected.sync && jobsSubmitted === expected.batch) return;
    if (Date.now() > deadline) throw new Error(`units of ${batchId} not ready: ${JSON.stringify(units)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function finish(org: Registered, batchId: string, finishedAt: (row: ResultRow) => Date): Promise<void> {
  const batch = await waitForStatus(server, org.key, batchId, TERMINAL_STATUSES);
  counted.set(batchId, usageItems(batch, await allResults(server, org.key, batchId), finishedAt));
}

beforeAll(async () => {
  catalogDirectory = await mkdtemp(path.join(tmpdir(), 'br-usage-'));
  const catalogFile = path.join(catalogDirectory, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(CATALOG));
  server = await startTestServer({ catalogFile, sandboxBatchSeconds: 3600, sandboxPermanentFailureRate: 0.25 }, { clock: new ManualClock(T.a1) });
  orgA = await registerOrg(server, { org_name: 'Usage A' });
  orgB = await registerOrg(server, { org_name: 'Usage B' });
  await grantMicros(server, orgA.orgId, 10_000_000);
  await grantMicros(server, orgB.orgId, 10_000_000);

  batchIds.a1 = await run(orgA, { items: itemsOf('a1', 6, 'large') });
  await finish(orgA, batchIds.a1, () => T.a1);

  batchIds.a2 = await run(orgA, { items: itemsOf('a2', 6, 'large', ['large', 'small']) });
  await waitForUnits(batchIds.a2, { sync: 0, batch: 1 });
  server.clock.set(T.a2);
  await finish(orgA, batchIds.a2, () => T.a2);

  batchIds.b1 = await run(orgB, { items: itemsOf('b1', 3, 'large') });
  await waitForStatus(server, orgB.key, batchIds.b1, TERMINAL_STATUSES);

  server.clock.set(T.a3);
  batchIds.a3 = await run(orgA, { allowed_regions: ['eu'], items: itemsOf('a3', 6, 'small') });
  await finish(orgA, batchIds.a3, () => T.a3);

  server.clock.set(T.a4Sync);
  batchIds.a4 = await run(orgA, { items: [...itemsOf('a4', 4, 'large'), ...itemsOf('a4s', 3, 'small')] });
  await waitForUnits(batchIds.a4, { sync: 1, batch: 1 });
  whileA4Ran = (await usage(orgA.key, 'from=2031-03-12&to=2031-03-13')).body;
  server.clock.set(T.a4Batch);
  await finish(orgA, batchIds.a4, (row) => (row.lane === 'east-sync' ? T.a4Sync : T.a4Batch));

  server.clock.set(T.a5);
  batchIds.a5 = await run(orgA, { items: itemsOf('a5', 2, 'large') });
  await finish(orgA, batchIds.a5, () => T.a5);
  server.clock.set(T.now);
});

afterAll(async () => {
  await server?.stop();
  if (catalogDirectory) await rm(catalogDirectory, { recursive: true, force: true });
});

const allItems = () => [...counted.values()].flat();
const itemsOfBatches = (...names: (keyof typeof batchIds)[]) => names.flatMap((name) => counted.get(batchIds[name]) ?? []);
const RANGE = { from: at('2031-03-10T00:00:00Z'), to: at('2031-03-12T00:00:00Z') };
const RANGE_QUERY = 'from=2031-03-10T00:00:00Z&to=2031-03-12T00:00:00Z';

describe('the timeline this file counts', () => {
  it('has succeeded and failed items, on every lane, with the routes the catalog implies', () => {
    const items = allItems();
    expect(items.some((item) => item.status === 'succeeded')).toBe(true);
    expect(items.some((item) => item.status === 'failed')).toBe(true);
    expect([...new Set(itemsOfBatches('a1').map((item) => item.lane))]).toEqual(['east-sync']);
    expect([...new Set(itemsOfBatches('a2').map((item) => `${item.lane}/${item.model}`))]).toEqual(['west-batch/small']);
    expect([...new Set(itemsOfBatches('a3').map((item) => item.lane))]).toEqual(['west-sync']);
    // The batch across midnight has charged work on both sides of it.
    const a4 = itemsOfBatches('a4');
    expect(a4.filter((item) => item.lane === 'east-sync').reduce((sum, item) => sum + item.cost, 0n)).toBeGreaterThan(0n);
    expect(a4.filter((item) => item.lane === 'west-batch').reduce((sum, item) => sum + item.cost, 0n)).toBeGreaterThan(0n);
  });
});

describe('GET /v1/usage groups', () => {
  it('by UTC day: every day of the range, with items, tokens, cost, fee, baseline and savings as the catalog prices them', async () => {
    const response = await usage(orgA.key, `${RANGE_QUERY}&group_by=day`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ object: 'usage', from: '2031-03-10T00:00:00Z', to: '2031-03-12T00:00:00Z', group_by: 'day', currency: 'usd', final: true });
    expect(reportOf(response.body)).toEqual(expectedReport(allItems(), RANGE.from, RANGE.to, 'day', ['2031-03-10', '2031-03-11']));
    // Each batch lies within one day here, so a day's fee is exactly its batches' fees.
    const feeOf = (...names: (keyof typeof batchIds)[]) => itemsOfBatches(...names).reduce((sum, item) => sum + item.feeShare, 0n);
    expect(response.body.data.map((day) => micros(day.cost.platform_fee))).toEqual([feeOf('a1', 'a2'), feeOf('a3')]);
  });

  it('by model: the model that ran each item, with savings against the preferred model at its list price', async () => {
    const response = await usage(orgA.key, `${RANGE_QUERY}&group_by=model`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((group) => group.key)).toEqual(['large', 'small']);
    expect(reportOf(response.body)).toEqual(expectedReport(allItems(), RANGE.from, RANGE.to, 'model'));
    // A2's items asked for large and ran on small at half its price: the savings are most of the baseline.
    const small = response.body.data.find((group) => group.key === 'small');
    expect(small?.savings.percent).toBeGreaterThan(80);
  });

  it('by provider: the provider of the lane that ran each item', async () => {
    const response = await usage(orgA.key, `${RANGE_QUERY}&group_by=provider`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((group) => group.key)).toEqual(['east', 'west']);
    expect(reportOf(response.body)).toEqual(expectedReport(allItems(), RANGE.from, RANGE.to, 'provider'));
  });

  it('by lane: the lane that ran each item', async () => {
    const response = await usage(orgA.key, `${RANGE_QUERY}&group_by=lane`);
    expect(response.status).toBe(200);
    expect(response.body.data.map((group) => group.key)).toEqual(['east-sync', 'west-batch', 'west-sync']);
    expect(reportOf(response.body)).toEqual(expectedReport(allItems(), RANGE.from, RANGE.to, 'lane'));
  });

  it('totals are the same whatever the grouping, and are the sums of the groups', async () => {
    const reports = await Promise.all((['day', 'model', 'provider', 'lane'] as const).map((groupBy) => usage(orgA.key, `${RANGE_QUERY}&group_by=${groupBy}`)));
    const totals = reports.map((report) => reportOf(report.body).totals);
    for (const other of totals.slice(1)) expect(other).toEqual(totals[0]);
    for (const report of reports) {
      const groups = reportOf(report.body).data;
      expect(groups.reduce((sum, group) => sum + group.total, 0n)).toBe(totals[0]?.total);
      expect(groups.reduce((sum, group) => sum + group.items, 0)).toBe(totals[0]?.items);
    }
  });
});

describe('GET /v1/usage and the credit ledger', () => {
  /** What the ledger captured from org A for the given batches. */
  async function captured(ids: string[]): Promise<bigint> {
    const rows = await ledgerRows(server, orgA.orgId);
    return rows.filter((row) => row.entry_type === 'capture' && ids.some((id) => row.reason === `charge for ${id}`)).reduce((sum, row) => sum - BigInt(row.amount_micros), 0n);
  }

  it('for batches wholly inside the range, totals.cost.total is exactly what the ledger captured for them', async () => {
    const response = await usage(orgA.key, RANGE_QUERY);
    expect(micros(response.body.totals.cost.total)).toBe(await captured([batchIds.a1, batchIds.a2, batchIds.a3]));
    expect(micros(response.body.totals.cost.total)).toBeGreaterThan(0n);
  });

  it('over every batch of the org (the default 30 days up to now), the total is every capture of the ledger', async () => {
    const response = await usage(orgA.key);
    expect(response.status).toBe(200);
    const all = await ledgerRows(server, orgA.orgId);
    const everyCapture = all.filter((row) => row.entry_type === 'capture').reduce((sum, row) => sum - BigInt(row.amount_micros), 0n);
    expect(micros(response.body.totals.cost.total)).toBe(everyCapture);
    expect(everyCapture).toBe(await captured(Object.entries(batchIds).filter(([name]) => name.startsWith('a')).map(([, id]) => id)));
  });

  it('a batch split by the range bounds: the parts add up to its capture, the fee shared in whole micro-dollars by cost', async () => {
    const [before, after, whole] = await Promise.all([
      usage(orgA.key, 'from=2031-03-12&to=2031-03-13&group_by=lane'),
      usage(orgA.key, 'from=2031-03-13&to=2031-03-14&group_by=lane'),
      usage(orgA.key, 'from=2031-03-12&to=2031-03-14&group_by=day'),
    ]);
    expect(reportOf(before.body)).toEqual(expectedReport(allItems(), at('2031-03-12T00:00:00Z'), at('2031-03-13T00:00:00Z'), 'lane'));
    expect(reportOf(after.body)).toEqual(expectedReport(allItems(), at('2031-03-13T00:00:00Z'), at('2031-03-14T00:00:00Z'), 'lane'));
    expect(reportOf(whole.body)).toEqual(expectedReport(allItems(), at('2031-03-12T00:00:00Z'), at('2031-03-14T00:00:00Z'), 'day', ['2031-03-12', '2031-03-13']));
    const total = (body: UsageBody) => micros(body.totals.cost.total);
    expect(total(before.body) + total(after.body)).toBe(await captured([batchIds.a4]));
    expect(total(whole.body)).toBe(await captured([batchIds.a4]));
    // The items before midnight finished first: their share of the fee F is ⌊F · their cost / the batch's cost⌋.
    const a4 = itemsOfBatches('a4');
    const cost = (items: CountedItem[]) => items.reduce((sum, item) => sum + item.cost, 0n);
    const fee = feeOn(cost(a4), FEE_BPS);
    expect(micros(before.body.totals.cost.platform_fee)).toBe((fee * cost(a4.filter((item) => item.lane === 'east-sync'))) / cost(a4));
  });

  it('while a batch runs, its items already finished are counted with a provisional fee, and final is false', () => {
    const doneBeforeMidnight = itemsOfBatches('a4').filter((item) => item.lane === 'east-sync');
    const cost = doneBeforeMidnight.reduce((sum, item) => sum + item.cost, 0n);
    // 5% of this cost is not whole micro-dollars: the fee is rounded up, as settlement will.
    expect((cost * FEE_BPS) % 10_000n).not.toBe(0n);
    expect(whileA4Ran.final).toBe(false);
    expect(whileA4Ran.totals.items.total).toBe(doneBeforeMidnight.length);
    expect(micros(whileA4Ran.totals.cost.provider_cost)).toBe(cost);
    expect(micros(whileA4Ran.totals.cost.platform_fee)).toBe(feeOn(cost, FEE_BPS));
  });
});

describe('GET /v1/usage ranges', () => {
  it('counts the items that finished in [from, to): from included, to excluded', async () => {
    const onlyA1 = await usage(orgA.key, 'from=2031-03-10T09:00:00Z&to=2031-03-10T11:00:00Z&group_by=lane');
    expect(reportOf(onlyA1.body)).toEqual({ data: [expectedOf(itemsOfBatches('a1'), 'east-sync')], totals: expectedOf(itemsOfBatches('a1')) });
    const onlyA2 = await usage(orgA.key, 'from=2031-03-10T09:00:00.001Z&to=2031-03-10T11:00:00.001Z&group_by=lane');
    expect(reportOf(onlyA2.body)).toEqual({ data: [expectedOf(itemsOfBatches('a2'), 'west-batch')], totals: expectedOf(itemsOfBatches('a2')) });
    const offsets = await usage(orgA.key, 'from=2031-03-10T10:00:00%2B01:00&to=2031-03-10T06:00:00-05:00&group_by=lane');
    expect(offsets.body).toMatchObject({ from: '2031-03-10T09:00:00Z', to: '2031-03-10T11:00:00Z' });
    expect(reportOf(offsets.body)).toEqual(reportOf(onlyA1.body));
  });

  it('leaves out items finished after the range (A5) and before it', async () => {
    const response = await usage(orgA.key, 'from=2031-03-11&to=2031-03-20T12:00:00Z&group_by=day');
    expect(response.body.data.map((day) => day.key)).toEqual(['2031-03-11', '2031-03-12', '2031-03-13', '2031-03-14', '2031-03-15', '2031-03-16', '2031-03-17', '2031-03-18', '2031-03-19', '2031-03-20']);
    expect(reportOf(response.body).totals).toEqual(expectedOf(itemsOfBatches('a3', 'a4')));
    expect(response.body.data.at(-1)?.items.total).toBe(0);
  });

  it('defaults to the last 30 days up to now (by the server clock), by day: 30 days and the partial one', async () => {
    const response = await usage(orgA.key);
    expect(response.body).toMatchObject({ from: '2031-02-18T12:30:00Z', to: '2031-03-20T12:30:00Z', group_by: 'day' });
    expect(response.body.data).toHaveLength(31);
    expect(response.body.data[0]?.key).toBe('2031-02-18');
    expect(reportOf(response.body).totals).toEqual(expectedOf(allItems()));
    const onlyTo = await usage(orgA.key, 'to=2031-03-11');
    expect(onlyTo.body).toMatchObject({ from: '2031-02-09T00:00:00Z', to: '2031-03-11T00:00:00Z' });
    expect(reportOf(onlyTo.body).totals).toEqual(expectedOf(itemsOfBatches('a1', 'a2')));
  });

  it('answers 1970 and the year 9999 with empty days, not an error', async () => {
    for (const query of ['from=1970-01-01&to=1970-01-03', 'from=9999-12-30&to=9999-12-31T23:59:59.999Z', 'to=1970-01-03']) {
      const response = await usage(orgA.key, query);
      expect(response.status, query).toBe(200);
      expect(response.body.data.length).toBeGreaterThanOrEqual(2);
      expect(response.body.totals.items.total).toBe(0);
    }
  });

  it('takes a range of exactly 366 days', async () => {
    const response = await usage(orgA.key, 'from=2030-03-10&to=2031-03-11&group_by=lane');
    expect(response.status).toBe(200);
    expect(reportOf(response.body).totals).toEqual(expectedOf(itemsOfBatches('a1', 'a2')));
  });
});

describe('GET /v1/usage baselines', () => {
  it('keep the list prices the batch was submitted at: a later catalog price does not change a report', async () => {
    const large = server.server.ctx.catalog.models.find((model) => model.id === 'large');
    if (!large) throw new Error('the catalog has no large model');
    const listed = { input: large.input_micros_per_million, output: large.output_micros_per_million };
    // What a restart on an edited catalog would do, done in place.
    large.input_micros_per_million = 90_000_000;
    large.output_micros_per_million = 450_000_000;
    try {
      const response = await usage(orgA.key, `${RANGE_QUERY}&group_by=model`);
      expect(reportOf(response.body)).toEqual(expectedReport(allItems(), RANGE.from, RANGE.to, 'model'));
    } finally {
      large.input_micros_per_million = listed.input;
      large.output_micros_per_million = listed.output;
    }
  });

  it('claim no savings for items stored without their list prices (before migration 0009): their baseline is their charge', async () => {
    const db = server.server.database.db;
    const a5 = await db.selectFrom('batch_items').select(['item_index', 'baseline_input_micros_per_million', 'baseline_output_micros_per_million']).where('batch_id', '=', batchIds.a5).execute();
    expect(a5.every((item) => item.baseline_input_micros_per_million === 3_000_000 && item.baseline_output_micros_per_million === 15_000_000)).toBe(true);
    await db.updateTable('batch_items').set({ baseline_input_micros_per_million: null, baseline_output_micros_per_million: null }).where('batch_id', '=', batchIds.a5).execute();
    try {
      const response = await usage(orgA.key, 'from=2031-03-20&to=2031-03-21');
      const charge = micros(response.body.totals.cost.total);
      expect(charge).toBe(itemsOfBatches('a5').reduce((sum, item) => sum + item.cost + item.feeShare, 0n));
      expect(micros(response.body.totals.baseline)).toBe(charge);
      expect(response.body.totals.savings).toEqual({ amount: '0.00', percent: 0 });
    } finally {
      await db.updateTable('batch_items').set({ baseline_input_micros_per_million: 3_000_000, baseline_output_micros_per_million: 15_000_000 }).where('batch_id', '=', batchIds.a5).execute();
    }
  });
});

describe('GET /v1/usage tenants and access', () => {
  it("never counts another org's items, and shows that org only its own", async () => {
    const ofB = await usage(orgB.key, `${RANGE_QUERY}&group_by=lane`);
    expect(ofB.status).toBe(200);
    expect(ofB.body.data.map((group) => group.key)).toEqual(['east-sync']);
    expect(ofB.body.totals.items.total).toBe(3);
    const rows = await allResults(server, orgB.key, batchIds.b1);
    const charged = (await waitForStatus(server, orgB.key, batchIds.b1, TERMINAL_STATUSES)).cost.charged;
    expect(ofB.body.totals.cost.total).toBe(charged);
    expect(ofB.body.totals.input_tokens).toBe(rows.reduce((sum, row) => sum + (row.usage?.input_tokens ?? 0), 0));
    // Org A's reports above equal the hand computation over A's batches alone; a fresh org sees nothing.
    const fresh = await registerOrg(server);
    const empty = await usage(fresh.key, RANGE_QUERY);
    expect(empty.status).toBe(200);
    expect(empty.body.totals).toEqual({
      items: { total: 0, succeeded: 0, failed: 0 },
      input_tokens: 0,
      output_tokens: 0,
      cost: { provider_cost: '0.00', platform_fee: '0.00', total: '0.00' },
      baseline: '0.00',
      savings: { amount: '0.00', percent: 0 },
    });
  });

  it('needs the usage:read scope: 403 insufficient_scope without it, 401 without a key; a member key holding it may read', async () => {
    const withoutScope = await createKey(server, orgA.key, { name: 'no-usage', scopes: ['batches:read', 'account:read'] });
    const refused = await usage(withoutScope.key, RANGE_QUERY);
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('insufficient_scope');

    const anonymous = await server.request('GET', `/v1/usage?${RANGE_QUERY}`);
    expect(anonymous.status).toBe(401);
    expect(errorCode(anonymous)).toBe('api_key_required');

    const member = await createKey(server, orgA.key, { name: 'member-usage', role: 'member', scopes: ['usage:read'] });
    const allowed = await usage(member.key, RANGE_QUERY);
    expect(allowed.status).toBe(200);
    expect(reportOf(allowed.body).totals).toEqual(expectedOf(itemsOfBatches('a1', 'a2', 'a3')));
  });
});

describe('GET /v1/usage parameters', () => {
  const BAD: [query: string, path: string][] = [
    ['from=yesterday', 'query.from'],
    ['from=2031-02-30T00:00:00Z', 'query.from'],
    ['from=2031-03-10T24:00:00Z', 'query.from'],
    ['from=2031-03-10T00:00:00', 'query.from'],
    ['from=2031-03-10T00:00:00%2B24:00', 'query.from'],
    ['from=', 'query.from'],
    ['from=99999-01-01', 'query.from'],
    ['from=0001-01-01&to=0001-01-02', 'query.from'],
    ['from=1969-12-31T23:59:59.999Z', 'query.from'],
    ['to=9999-12-31T23:59:59-00:01', 'query.to'],
    [`from=2031-03-10T00:00:00.${'0'.repeat(80)}Z`, 'query.from'],
    ['from=2031-03-10&from=2031-03-11', 'query.from'],
    ['from=%00', 'query.from'],
    ['to=2031-13-01', 'query.to'],
    ['from=2031-03-12&to=2031-03-10', 'query.from'],
    ['from=2031-03-10&to=2031-03-10', 'query.from'],
    ['from=2031-03-21', 'query.from'],
    ['from=2030-03-10&to=2031-03-12', 'query.to'],
    ['from=2020-01-01', 'query.to'],
    ['group_by=week', 'query.group_by'],
    ['group_by=', 'query.group_by'],
    ['colour=blue', 'query.colour'],
  ];
  for (const [query, problemPath] of BAD) {
    it(`?${query.length > 60 ? `${query.slice(0, 57)}…` : query}: 400 invalid_request naming ${problemPath}`, async () => {
      const response = await usage(orgA.key, query);
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
      expect(detailPaths(response)).toContain(problemPath);
    });
  }

  it('names every bad parameter at once', async () => {
    const response = await usage(orgA.key, 'from=soon&to=later');
    expect(response.status).toBe(400);
    expect(detailPaths(response)).toEqual(['query.from', 'query.to']);
  });
});

describe('GET /v1/usage documentation', () => {
  it('is in /openapi.json with its parameters, its report and the error body', async () => {
    type Operation = { summary?: string; description?: string; parameters?: { name: string }[]; responses: Record<string, unknown> };
    const response = await server.request<{ paths: Record<string, Record<string, Operation>> }>('GET', '/openapi.json');
    const operation = response.body.paths['/v1/usage']?.['get'];
    expect(operation?.summary).toMatch(/usage|cost/i);
    expect(operation?.description).toMatch(/ledger/);
    expect(operation?.parameters?.map((parameter) => parameter.name).sort()).toEqual(['from', 'group_by', 'to']);
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '4XX']));
  });
});
