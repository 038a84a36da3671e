/**
 * The native optimization report (GET /v1/batches/optimization-report): what an org's batches cost
 * against the baseline, by lane, model and SLA tier, reconciled with GET /v1/usage, and its
 * recommendations, each checked against a hand computation (BigInt) from this file's catalog.
 *
 * One server on a catalog of two simulated providers; org A runs, at one instant:
 *   P1: priority, 6 × large (large only)          → east-sync (batch lanes miss the 30 min sla_aware limit)
 *   P2: priority, 5 × large that may run small    → west-sync (small, cheaper)
 *   S1: standard, fastest, 5 × small              → west-sync (the fastest)
 *   S2: standard, sla_aware, 5 × large            → east-batch
 * and org B one priority batch of its own. A sandbox request fails for good one time in four:
 * failed items are counted and cost nothing.
 *
 * Expected recommendations (effects include the platform fee, 5% rounded up):
 *   priority_to_standard: P1 → east-batch, P2 → west-batch
 *   fastest_to_sla_aware: S1 → west-batch
 *   cheaper_equivalent:   S2 → small on west-batch; P1 → small on west-batch, measured after its
 *                         move to east-batch, so the effects add up
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { allResults, detailPaths, submit, TERMINAL_STATUSES, waitForStatus } from '../helpers/batch-requests.ts';
import { grantMicros } from '../helpers/money.ts';
import { FEE_BPS, LANE_LIMITS, LIST, reportCatalog, type Model } from '../helpers/report-catalog.ts';
import { createKey, errorCode, registerOrg, startTestServer, type ApiResponse, type Registered, type TestServer } from '../helpers/server.ts';
import { countBatch, expectedOf, figuresOf, micros, percent, priceOf, withFee, type CountedItem, type Figures } from '../helpers/usage-arithmetic.ts';

/** Each lane: its mode and its price for the one model it runs (the list price less its discount). */
const LANES = {
  'east-sync': { mode: 'sync', prices: [2_700_000n, 13_500_000n] }, // large, 10% off
  'east-batch': { mode: 'batch', prices: [1_500_000n, 7_500_000n] }, // large, 50% off
  'west-batch': { mode: 'batch', prices: [200_000n, 800_000n] }, // small, 50% off
  'west-sync': { mode: 'sync', prices: [320_000n, 1_280_000n] }, // small, 20% off
} as const;
type Lane = keyof typeof LANES;

const lane = (id: Lane, provider: string, model: Model, discount: number, turnaround: number) => ({
  id,
  provider,
  mode: LANES[id].mode,
  region: 'us',
  models: [model],
  discount_bps: discount,
  zero_data_retention: false,
  self_hosted: false,
  expected_turnaround_seconds: turnaround,
  ...LANE_LIMITS,
});
const CATALOG = reportCatalog([lane('east-sync', 'east', 'large', 1000, 60), lane('east-batch', 'east', 'large', 5000, 3600), lane('west-batch', 'west', 'small', 5000, 3600), lane('west-sync', 'west', 'small', 2000, 60)]);

type Recommendation = {
  id: string;
  title: string;
  effect: { amount: string; percent: number };
  cost: string;
  alternative_cost: string;
  items: { count: number; examples: { batch_id: string; customer_item_id: string }[] };
  changes: { model: string; lane: string; alternative_model: string; alternative_lane: string; items: number; cost: string; alternative_cost: string; effect: string }[];
  measured_after: { recommendation: string; items: number }[];
  explanation: string;
};
type ReportBody = {
  object: string;
  source: string;
  from: string;
  to: string;
  currency: string;
  final: boolean;
  totals: Figures;
  by_lane: (Figures & { key: string; mode: string | null })[];
  by_model: (Figures & { key: string })[];
  by_sla_tier: (Figures & { key: string })[];
  recommendations: Recommendation[];
  potential_savings: { amount: string; percent: number };
};

const T0 = new Date('2031-05-10T10:00:00Z');
const RANGE_QUERY = 'from=2031-05-10&to=2031-05-11';

function itemsOf(tag: string, count: number, model: Model, options?: Model[]) {
  return Array.from({ length: count }, (_, i) => ({
    customer_item_id: `${tag}-${i}`,
    operation: 'responses',
    model,
    ...(options ? { model_options: options } : {}),
    input: { input: `${tag} request ${i}: ${'triage the overnight tickets and draft short replies; '.repeat(1 + i * 3)}` },
  }));
}

let server: TestServer;
let catalogDirectory: string;
let orgA: Registered;
let orgB: Registered;
const batches = { p1: [] as CountedItem[], p2: [] as CountedItem[], s1: [] as CountedItem[], s2: [] as CountedItem[] };

async function run(org: Registered, manifest: Record<string, unknown>, preferred: Model): Promise<CountedItem[]> {
  const submitted = await submit(server, org.key, manifest);
  if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
  const batch = await waitForStatus(server, org.key, submitted.body.id, TERMINAL_STATUSES);
  const rows = await allResults(server, org.key, batch.id);
  // Each item's baseline is at the batch's preferred model's list price.
  return countBatch(batch, rows, { feeBps: FEE_BPS, lanePrices: (row) => LANES[row.lane as Lane].prices, listPrices: () => LIST[preferred] }, (item) => item);
}

function report(key: string, query = ''): Promise<ApiResponse<ReportBody>> {
  return server.request<ReportBody>('GET', `/v1/batches/optimization-report${query === '' ? '' : `?${query}`}`, { key });
}

beforeAll(async () => {
  catalogDirectory = await mkdtemp(path.join(tmpdir(), 'br-optimization-'));
  const catalogFile = path.join(catalogDirectory, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(CATALOG));
  server = await startTestServer({ catalogFile, sandboxPermanentFailureRate: 0.25 }, { clock: new ManualClock(T0) });
  orgA = await registerOrg(server, { org_name: 'Optimization A' });
  orgB = await registerOrg(server, { org_name: 'Optimization B' });
  await grantMicros(server, orgA.orgId, 10_000_000);
  await grantMicros(server, orgB.orgId, 10_000_000);
  batches.p1 = await run(orgA, { sla_tier: 'priority', items: itemsOf('p1', 6, 'large') }, 'large');
  batches.p2 = await run(orgA, { sla_tier: 'priority', items: itemsOf('p2', 5, 'large', ['large', 'small']) }, 'large');
  batches.s1 = await run(orgA, { sla_tier: 'standard', routing_mode: 'fastest', items: itemsOf('s1', 5, 'small') }, 'small');
  batches.s2 = await run(orgA, { sla_tier: 'standard', routing_mode: 'sla_aware', items: itemsOf('s2', 5, 'large') }, 'large');
  await run(orgB, { sla_tier: 'priority', items: itemsOf('b1', 3, 'large') }, 'large');
});

afterAll(async () => {
  await server?.stop();
  if (catalogDirectory) await rm(catalogDirectory, { recursive: true, force: true });
});

const allOfA = () => [...batches.p1, ...batches.p2, ...batches.s1, ...batches.s2];
const succeeded = (items: CountedItem[]) => items.filter((item) => item.status === 'succeeded');
/** What items were charged: lane cost and fee share. */
const charged = (items: CountedItem[]) => items.reduce((sum, item) => sum + item.cost + item.feeShare, 0n);
/** The same tokens on another lane, rounded up item by item, plus the fee on their sum. */
const on = (items: CountedItem[], laneId: Lane) => withFee(succeeded(items).reduce((sum, item) => sum + priceOf(LANES[laneId].prices, item.inputTokens, item.outputTokens), 0n), FEE_BPS);

describe('the timeline this file counts', () => {
  it('routes each batch as the catalog implies, with succeeded and failed items', () => {
    const lanes = (items: CountedItem[]) => [...new Set(items.map((item) => `${item.lane}/${item.model}`))];
    expect(lanes(batches.p1)).toEqual(['east-sync/large']);
    expect(lanes(batches.p2)).toEqual(['west-sync/small']);
    expect(lanes(batches.s1)).toEqual(['west-sync/small']);
    expect(lanes(batches.s2)).toEqual(['east-batch/large']);
    expect(allOfA().some((item) => item.status === 'failed')).toBe(true);
    for (const items of Object.values(batches)) expect(succeeded(items).length).toBeGreaterThan(0);
  });
});

describe('GET /v1/batches/optimization-report: cost against the baseline', () => {
  it('totals equal the hand computation and GET /v1/usage for the same range', async () => {
    const response = await report(orgA.key, RANGE_QUERY);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ object: 'optimization_report', source: 'batchrouter', from: '2031-05-10T00:00:00Z', to: '2031-05-11T00:00:00Z', currency: 'usd', final: true });
    expect(figuresOf(response.body.totals)).toEqual(expectedOf(allOfA()));
    const usage = await server.request<{ totals: Figures }>('GET', `/v1/usage?${RANGE_QUERY}`, { key: orgA.key });
    expect(response.body.totals).toEqual(usage.body.totals);
  });

  it('by lane, by model and by SLA tier: each group as computed by hand, the groups summing to the totals', async () => {
    const response = await report(orgA.key, RANGE_QUERY);
    const all = allOfA();
    const byLane = (['east-batch', 'east-sync', 'west-sync'] as const).map((key) => ({ key, mode: LANES[key].mode, ...expectedOf(all.filter((item) => item.lane === key)) }));
    expect(response.body.by_lane.map(({ key, mode, ...figures }) => ({ key, mode, ...figuresOf(figures) }))).toEqual(byLane);
    expect(response.body.by_model.map(({ key, ...figures }) => ({ key, ...figuresOf(figures) }))).toEqual(['large', 'small'].map((key) => ({ key, ...expectedOf(all.filter((item) => item.model === key)) })));
    expect(response.body.by_sla_tier.map(({ key, ...figures }) => ({ key, ...figuresOf(figures) }))).toEqual([
      { key: 'flex', ...expectedOf([]) },
      { key: 'standard', ...expectedOf([...batches.s1, ...batches.s2]) },
      { key: 'priority', ...expectedOf([...batches.p1, ...batches.p2]) },
    ]);
    const usageByLane = await server.request<{ data: (Figures & { key: string })[] }>('GET', `/v1/usage?${RANGE_QUERY}&group_by=lane`, { key: orgA.key });
    expect(response.body.by_lane.map(({ mode: _mode, ...group }) => group)).toEqual(usageByLane.body.data);
  });

  it("never counts another org's items", async () => {
    const ofB = await report(orgB.key, RANGE_QUERY);
    expect(ofB.status).toBe(200);
    expect(ofB.body.totals.items.total).toBe(3);
    expect(ofB.body.by_lane.map((group) => group.key)).toEqual(['east-sync']);
    const examples = ofB.body.recommendations.flatMap((recommendation) => recommendation.items.examples.map((example) => example.batch_id));
    const ofA = new Set(allOfA().map((item) => item.batchId));
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.some((batchId) => ofA.has(batchId))).toBe(false);
  });

  it('uses the /v1/usage range rules: the default is the last 30 days up to now', async () => {
    const response = await report(orgA.key);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ from: '2031-04-10T10:00:00Z', to: '2031-05-10T10:00:00Z' });
    // The batches ran at the very instant the default range ends: outside [from, to).
    expect(response.body.totals.items.total).toBe(0);
    expect(response.body.recommendations).toEqual([]);
    expect(response.body.potential_savings).toEqual({ amount: '0.00', percent: 0 });
  });
});

describe('GET /v1/batches/optimization-report: recommendations', () => {
  const expected = () => {
    const p1Standard = on(batches.p1, 'east-batch');
    return {
      priority_to_standard: {
        changes: [
          { model: 'large', lane: 'east-sync', alternative_model: 'large', alternative_lane: 'east-batch', items: succeeded(batches.p1).length, cost: charged(batches.p1), alternative: p1Standard },
          { model: 'small', lane: 'west-sync', alternative_model: 'small', alternative_lane: 'west-batch', items: succeeded(batches.p2).length, cost: charged(batches.p2), alternative: on(batches.p2, 'west-batch') },
        ],
        measured_after: [],
      },
      fastest_to_sla_aware: {
        changes: [{ model: 'small', lane: 'west-sync', alternative_model: 'small', alternative_lane: 'west-batch', items: succeeded(batches.s1).length, cost: charged(batches.s1), alternative: on(batches.s1, 'west-batch') }],
        measured_after: [],
      },
      cheaper_equivalent: {
        changes: [
          // P1 is priced after its move to standard (east-batch): only what small saves beyond it counts.
          { model: 'large', lane: 'east-sync', alternative_model: 'small', alternative_lane: 'west-batch', items: succeeded(batches.p1).length, cost: p1Standard, alternative: on(batches.p1, 'west-batch') },
          { model: 'large', lane: 'east-batch', alternative_model: 'small', alternative_lane: 'west-batch', items: succeeded(batches.s2).length, cost: charged(batches.s2), alternative: on(batches.s2, 'west-batch') },
        ],
        measured_after: [{ recommendation: 'priority_to_standard', items: succeeded(batches.p1).length }],
      },
    };
  };

  it('each effect is the cost of the items concerned less the same tokens on the lane routing would pick, fee included, as computed by hand', async () => {
    const response = await report(orgA.key, RANGE_QUERY);
    const recommendations = new Map(response.body.recommendations.map((recommendation) => [recommendation.id, recommendation]));
    expect([...recommendations.keys()].sort()).toEqual(['cheaper_equivalent', 'fastest_to_sla_aware', 'priority_to_standard']);
    for (const [id, want] of Object.entries(expected())) {
      const got = recommendations.get(id);
      if (!got) throw new Error(`no ${id}`);
      const changes = [...want.changes].sort((a, b) => Number(b.cost - b.alternative - (a.cost - a.alternative)));
      expect(
        got.changes.map((change) => ({ ...change, cost: micros(change.cost), alternative_cost: micros(change.alternative_cost), effect: micros(change.effect) })),
        id,
      ).toEqual(changes.map(({ alternative, ...change }) => ({ ...change, alternative_cost: alternative, effect: change.cost - alternative })));
      for (const change of changes) expect(change.cost - change.alternative, id).toBeGreaterThan(0n);
      const cost = changes.reduce((sum, change) => sum + change.cost, 0n);
      const alternative = changes.reduce((sum, change) => sum + change.alternative, 0n);
      expect(micros(got.cost)).toBe(cost);
      expect(micros(got.alternative_cost)).toBe(alternative);
      expect(got.effect).toEqual({ amount: got.effect.amount, percent: percent(cost - alternative, cost) });
      expect(micros(got.effect.amount)).toBe(cost - alternative);
      expect(got.items.count).toBe(changes.reduce((sum, change) => sum + change.items, 0));
      expect(got.measured_after).toEqual(want.measured_after);
      expect(got.explanation.length).toBeGreaterThan(40);
    }
    // Largest effect first.
    const effects = response.body.recommendations.map((recommendation) => micros(recommendation.effect.amount));
    expect(effects).toEqual([...effects].sort((a, b) => Number(b - a)));
  });

  it('names a few of the items each concerns, from the batches it concerns', async () => {
    const response = await report(orgA.key, RANGE_QUERY);
    const concerned: Record<string, CountedItem[]> = {
      priority_to_standard: [...batches.p1, ...batches.p2],
      fastest_to_sla_aware: batches.s1,
      cheaper_equivalent: [...batches.p1, ...batches.s2],
    };
    for (const recommendation of response.body.recommendations) {
      const allowed = new Set(succeeded(concerned[recommendation.id] ?? []).map((item) => `${item.batchId}/${item.customerItemId}`));
      expect(recommendation.items.examples.length).toBeGreaterThan(0);
      expect(recommendation.items.examples.length).toBeLessThanOrEqual(5);
      for (const example of recommendation.items.examples) expect(allowed.has(`${example.batch_id}/${example.customer_item_id}`), recommendation.id).toBe(true);
    }
  });

  it('effects never count an item twice: the potential savings are their sum', async () => {
    const response = await report(orgA.key, RANGE_QUERY);
    const sum = response.body.recommendations.reduce((total, recommendation) => total + micros(recommendation.effect.amount), 0n);
    expect(micros(response.body.potential_savings.amount)).toBe(sum);
    const want = expected();
    const byHand = Object.values(want).flatMap((rule) => rule.changes).reduce((total, change) => total + change.cost - change.alternative, 0n);
    expect(sum).toBe(byHand);
    // Applying every recommendation costs what P1 on small, P2 and S1 on west-batch, S2 on small would, and nothing is counted twice.
    const after = on(batches.p1, 'west-batch') + on(batches.p2, 'west-batch') + on(batches.s1, 'west-batch') + on(batches.s2, 'west-batch');
    expect(sum).toBe(charged(allOfA()) - after);
    expect(response.body.potential_savings.percent).toBe(percent(sum, charged(allOfA())));
  });
});

describe('GET /v1/batches/optimization-report: access', () => {
  it('is not taken for a batch id, and GET /v1/batches/{id} still answers batches', async () => {
    const response = await report(orgA.key, RANGE_QUERY);
    expect(response.body.object).toBe('optimization_report');
    const missing = await server.request('GET', '/v1/batches/bat_doesnotexist', { key: orgA.key });
    expect(missing.status).toBe(404);
    expect(errorCode(missing)).toBe('batch_not_found');
  });

  it('needs usage:read: 403 without it, 401 without a key; a member key holding it may read', async () => {
    const withoutScope = await createKey(server, orgA.key, { name: 'no-usage', scopes: ['batches:read', 'account:read'] });
    const refused = await report(withoutScope.key, RANGE_QUERY);
    expect(refused.status).toBe(403);
    expect(errorCode(refused)).toBe('insufficient_scope');
    const anonymous = await server.request('GET', `/v1/batches/optimization-report?${RANGE_QUERY}`);
    expect(anonymous.status).toBe(401);
    expect(errorCode(anonymous)).toBe('api_key_required');
    const member = await createKey(server, orgA.key, { name: 'member-usage', role: 'member', scopes: ['usage:read'] });
    const allowed = await report(member.key, RANGE_QUERY);
    expect(allowed.status).toBe(200);
    expect(figuresOf(allowed.body.totals)).toEqual(expectedOf(allOfA()));
  });
});

describe('GET /v1/batches/optimization-report: bad parameters are a structured 400, never a 500', () => {
  const BAD: [query: string, paths: string[]][] = [
    ['from=yesterday', ['query.from']],
    ['from=2031-02-30', ['query.from']],
    ['from=2031-05-11&to=2031-05-10', ['query.from']],
    ['from=2029-01-01&to=2031-05-10', ['query.to']],
    ['colour=blue', ['query.colour']],
    ['import_provider=anthropic', ['query.import_provider']],
    ['import_provider=', ['query.import_provider']],
    ['import_file_id=file_abc', ['query.import_file_id']],
    ['sla_tier=priority&routing_mode=fastest', ['query.routing_mode', 'query.sla_tier']],
    ['items_limit=10', ['query.items_limit']],
    ['import_provider=openai&from=2031-05-10', ['query.from']],
    ['import_provider=openai&items_limit=0', ['query.items_limit']],
    ['import_provider=openai&items_limit=1001', ['query.items_limit']],
    ['import_provider=openai&items_limit=ten', ['query.items_limit']],
    ['import_provider=openai&sla_tier=urgent', ['query.sla_tier']],
    ['import_provider=openai&routing_mode=slow', ['query.routing_mode']],
    ['import_provider=openai&import_file_id=file%2F..', ['query.import_file_id']],
    ['import_provider=openai&import_input_file_id=file_abc', ['query.import_input_file_id']],
    ['from=%00', ['query.from']],
  ];
  for (const [query, paths] of BAD) {
    it(`?${query}: 400 invalid_request naming ${paths.join(', ')}`, async () => {
      const response = await report(orgA.key, query);
      expect(response.status).toBe(400);
      expect(errorCode(response)).toBe('invalid_request');
      expect(detailPaths(response)).toEqual(paths);
    });
  }
});

describe('GET /v1/batches/optimization-report documentation', () => {
  it('is in /openapi.json with its parameters and both report shapes', async () => {
    type Operation = { parameters?: { name: string }[]; responses: Record<string, unknown> };
    const response = await server.request<{ paths: Record<string, Record<string, Operation>> }>('GET', '/openapi.json');
    const operation = response.body.paths['/v1/batches/optimization-report']?.['get'];
    expect(operation?.parameters?.map((parameter) => parameter.name).sort()).toEqual(
      ['from', 'import_file_id', 'import_input_file_id', 'import_provider', 'items_cursor', 'items_limit', 'routing_mode', 'sla_tier', 'to'],
    );
    expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['200', '4XX']));
    expect(JSON.stringify(operation?.responses['200'])).toContain('openai_import');
  });
});
