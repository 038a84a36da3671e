/**
 * Routing items again after submit: items rescued from a late job (fastest lane), and items
 * whose retry would land on a failing lane (the batch's own routing mode). Same rules as at
 * submit (privacy tier, regions, each item's model options, lane health), at current catalog
 * prices; the charge stays capped at what submit reserved.
 */
import type { BatchRow } from '../db/queries/batches.ts';
import type { MillionTokenPrices, RouteSelection } from '../domain/batches.ts';
import type { CatalogLane, CatalogModel, Operation, Region } from '../domain/catalog.ts';
import type { LaneView } from '../domain/lane-health.ts';
import type { CheckedItem, CheckedManifest, PrivacyTier, RoutingMode, SlaTier } from '../domain/manifest.ts';
import { catalogPrices } from '../domain/quotes.ts';
import { planRoutes, type LaneChoice, type RoutedItem } from '../domain/routing.ts';
import type { WorkerContext } from './tasks.ts';

/** What routing needs of a stored item. */
export interface StoredItem {
  item_index: number;
  customer_item_id: string;
  operation: string;
  model_options: string[];
  input: unknown;
  input_tokens: number;
}

export type BatchRouting = Pick<BatchRow, 'sla_tier' | 'privacy_tier' | 'allowed_regions'>;

/** Routes `items` over `lanes` in `mode`; returns the routed ones by item index, leaving out those no lane can take. */
export function reroute(ctx: WorkerContext, batch: BatchRouting, mode: RoutingMode, items: readonly StoredItem[], lanes: readonly CatalogLane[], view: LaneView): Map<number, RoutedItem> {
  const models = new Map<string, CatalogModel>(ctx.catalog.models.map((model) => [model.id, model]));
  const regions = batch.allowed_regions.includes('global') ? null : (batch.allowed_regions as Region[]);
  let remaining = [...items];
  while (remaining.length > 0) {
    const checked: CheckedManifest = {
      slaTier: batch.sla_tier as SlaTier,
      routingMode: mode,
      privacyTier: batch.privacy_tier as PrivacyTier,
      regions,
      items: remaining.map(
        (item, index): CheckedItem => ({
          index,
          customerItemId: item.customer_item_id,
          operation: item.operation as Operation,
          models: item.model_options.flatMap((id) => models.get(id) ?? []),
          input: item.input as Record<string, unknown>,
        }),
      ),
    };
    const measures = { inputTokens: remaining.map((item) => item.input_tokens), inputBytes: remaining.map((item) => Buffer.byteLength(JSON.stringify(item.input))) };
    const routed = planRoutes(checked, measures, lanes, catalogPrices, view.failing);
    if ('plan' in routed) {
      const byIndex = new Map<number, RoutedItem>();
      for (const r of routed.plan.items) {
        const stored = remaining[r.item.index];
        if (stored) byIndex.set(stored.item_index, r);
      }
      return byIndex;
    }
    // Leave out the items no lane can take (each problem names its item) and route the rest.
    const unroutable = new Set(routed.problems.map((problem) => Number(/^items\[(\d+)\]/.exec(problem.path)?.[1])));
    remaining = remaining.filter((_, index) => !unroutable.has(index));
  }
  return new Map();
}

/** The selection and prices of a routing choice, as receipts write them. */
export function selectionOf(choice: LaneChoice): { selected: RouteSelection; prices: MillionTokenPrices } {
  return {
    selected: { lane_id: choice.lane.id, provider: choice.lane.provider, mode: choice.lane.mode, region: choice.lane.region, model: choice.model.id },
    prices: { input_micros_per_million: choice.prices.inputMicrosPerMillion, output_micros_per_million: choice.prices.outputMicrosPerMillion },
  };
}

