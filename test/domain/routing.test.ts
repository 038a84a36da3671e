/**
 * Routing decisions on a catalog of two providers: the cheapest lane wins in `cheapest`, the
 * fastest in `fastest`, and `sla_aware` spreads risk across providers when another provider is
 * within 10% of the price, with the move written on each item's route.
 */
import { describe, expect, it } from 'vitest';
import type { CatalogLane, CatalogModel } from '../../src/domain/catalog.ts';
import { checkManifest, type CheckedManifest, type Manifest, type RoutingMode } from '../../src/domain/manifest.ts';
import { catalogPrices } from '../../src/domain/quotes.ts';
import { planRoutes, type RoutingPlan } from '../../src/domain/routing.ts';
import { countInputTokens } from '../../src/domain/tokens.ts';
import { catalogLane } from '../helpers/catalog.ts';

const model: CatalogModel = {
  id: 'm',
  provider: 'alpha',
  display_name: 'M',
  operations: ['responses'],
  input_micros_per_million: 1_000_000,
  output_micros_per_million: 4_000_000,
  expected_output_tokens: 100,
  default_max_output_tokens: 500,
  equivalents: [],
};

function lane(id: string, provider: string, discountBps: number, turnaroundSeconds: number): CatalogLane {
  return catalogLane({ id, provider, discount_bps: discountBps, expected_turnaround_seconds: turnaroundSeconds, max_items_per_job: 50_000, max_bytes_per_job: 100_000_000 });
}

function checked(routingMode: RoutingMode, items: number): CheckedManifest {
  const manifest: Manifest = {
    routing_mode: routingMode,
    items: Array.from({ length: items }, (_, i) => ({ customer_item_id: `item-${i}`, operation: 'responses' as const, model: 'm', input: { input: `Summarize ticket ${i}.` } })),
  };
  const result = checkManifest(manifest, { platform_fee_bps: 0, providers: [], models: [model], lanes: [] });
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  return result.manifest;
}

function route(manifest: CheckedManifest, lanes: CatalogLane[]): RoutingPlan {
  const measures = {
    inputTokens: manifest.items.map((item) => countInputTokens(item.operation, item.input)),
    inputBytes: manifest.items.map((item) => Buffer.byteLength(JSON.stringify(item.input))),
  };
  const result = planRoutes(manifest, measures, lanes, catalogPrices);
  if ('problems' in result) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

const itemsPerLane = (plan: RoutingPlan) => Object.fromEntries(plan.lanes.map((receipt) => [receipt.lane.id, receipt.items]));

describe('routing across providers', () => {
  // alpha is the cheapest (50% off), beta costs 5% more than alpha (47.5% off) and is faster.
  const alpha = lane('alpha-batch', 'alpha', 5_000, 3_600);
  const beta = lane('beta-batch', 'beta', 4_750, 1_800);

  it('cheapest: every item on the cheapest lane', () => {
    const plan = route(checked('cheapest', 30), [alpha, beta]);
    expect(itemsPerLane(plan)).toEqual({ 'alpha-batch': 30, 'beta-batch': 0 });
    expect(plan.items.every((routed) => routed.reason === 'the cheapest eligible lane')).toBe(true);
    expect(plan.lanes.find((receipt) => receipt.lane.id === 'beta-batch')?.rejection?.reason).toBe('price');
  });

  it('fastest: every item on the fastest lane', () => {
    const plan = route(checked('fastest', 30), [alpha, beta]);
    expect(itemsPerLane(plan)).toEqual({ 'alpha-batch': 0, 'beta-batch': 30 });
    expect(plan.items.every((routed) => routed.reason === 'the fastest eligible lane')).toBe(true);
  });

  it('sla_aware: no provider takes more than two thirds of the items another could run for at most 10% more', () => {
    const plan = route(checked('sla_aware', 30), [alpha, beta]);
    expect(itemsPerLane(plan)).toEqual({ 'alpha-batch': 20, 'beta-batch': 10 });
    // The first items go to the cheapest provider; the ones past its share move, and say why.
    expect(plan.items.slice(0, 20).every((routed) => routed.choice.lane.id === 'alpha-batch' && routed.reason === 'the cheapest eligible lane')).toBe(true);
    for (const routed of plan.items.slice(20)) {
      expect(routed.choice.lane.id).toBe('beta-batch');
      expect(routed.reason).toMatch(/^spread across providers: alpha already runs 20 of the 30 items/);
    }
  });

  it('sla_aware: a provider more than 10% dearer takes nothing, and one provider alone spreads nothing', () => {
    const dear = lane('beta-batch', 'beta', 4_000, 1_800);
    expect(itemsPerLane(route(checked('sla_aware', 30), [alpha, dear]))).toEqual({ 'alpha-batch': 30, 'beta-batch': 0 });
    const sameProvider = lane('alpha-batch-2', 'alpha', 4_750, 1_800);
    expect(itemsPerLane(route(checked('sla_aware', 30), [alpha, sameProvider]))).toEqual({ 'alpha-batch': 30, 'alpha-batch-2': 0 });
  });
});
