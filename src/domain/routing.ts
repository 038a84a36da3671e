/**
 * Routing: for each item, the lanes that may run it (model, privacy, region, SLA, capacity), the
 * one chosen by the batch's routing mode, and for every lane a receipt saying whether it was
 * selected or why not.
 */
import type { CatalogLane, CatalogModel } from './catalog.ts';
import type { ErrorDetail } from './errors.ts';
import { SLA_WINDOW_SECONDS, type CheckedItem, type CheckedManifest } from './manifest.ts';
import { tokenCost, type TokenPrices } from './pricing.ts';
import { countInputTokens, requestedMaxOutput } from './tokens.ts';

export type RejectionReason = 'model_not_acceptable' | 'privacy' | 'region' | 'sla' | 'capacity' | 'price' | 'speed';

/** `sla_aware` keeps this share of the SLA window in reserve for a rescue. */
const SLA_AWARE_SHARE = 0.5;

export interface LaneChoice {
  lane: CatalogLane;
  model: CatalogModel;
  prices: TokenPrices;
  expectedOutputTokens: number;
  maxOutputTokens: number;
  expectedCostMicros: number;
  maxCostMicros: number;
}

export interface RoutedItem {
  item: CheckedItem;
  inputTokens: number;
  /** Size of the item's request body, for provider byte limits. */
  bytes: number;
  choice: LaneChoice;
  /** The preferred model at its provider's sync list price: what it would cost without BatchRouter. */
  baselineMicros: number;
}

export interface LaneReceipt {
  lane: CatalogLane;
  selected: boolean;
  items: number;
  models: string[];
  expectedCostMicros: number;
  maxCostMicros: number;
  rejection: { reason: RejectionReason; message: string } | null;
}

export interface RoutingPlan {
  items: RoutedItem[];
  lanes: LaneReceipt[];
}

/** Where prices come from: the catalog now, or the prices a quote locked. */
export interface PriceBook {
  lane(lane: CatalogLane, model: CatalogModel): TokenPrices;
  list(model: CatalogModel): TokenPrices;
}

function privacyAllows(manifest: CheckedManifest, lane: CatalogLane): boolean {
  if (manifest.privacyTier === 'zero_retention') return lane.zero_data_retention;
  if (manifest.privacyTier === 'self_hosted') return lane.self_hosted;
  return true;
}

function turnaroundLimitSeconds(manifest: CheckedManifest): number {
  const window = SLA_WINDOW_SECONDS[manifest.slaTier];
  return manifest.routingMode === 'sla_aware' ? window * SLA_AWARE_SHARE : window;
}

/** Why `lane` cannot take `item` at all, or null when it can. */
function laneRejects(manifest: CheckedManifest, lane: CatalogLane, item: CheckedItem, bytes: number): { reason: RejectionReason; message: string } | null {
  if (!item.models.some((model) => lane.models.includes(model.id))) {
    return { reason: 'model_not_acceptable', message: `runs none of ${item.models.map((m) => m.id).join(', ')}` };
  }
  if (!privacyAllows(manifest, lane)) {
    return { reason: 'privacy', message: `not eligible for the ${manifest.privacyTier} privacy tier` };
  }
  if (manifest.regions !== null && !manifest.regions.includes(lane.region)) {
    return { reason: 'region', message: `runs in ${lane.region}, outside ${manifest.regions.join(', ')}` };
  }
  const limit = turnaroundLimitSeconds(manifest);
  if (lane.expected_turnaround_seconds > limit) {
    return {
      reason: 'sla',
      message: `expected turnaround ${lane.expected_turnaround_seconds} s exceeds the ${limit} s the ${manifest.slaTier} tier allows in ${manifest.routingMode} mode`,
    };
  }
  if (bytes > lane.max_bytes_per_job) return { reason: 'capacity', message: `an item of ${bytes} bytes exceeds the lane's ${lane.max_bytes_per_job} bytes per job` };
  return null;
}

function better(manifest: CheckedManifest, a: LaneChoice, b: LaneChoice, preference: Map<string, number>): boolean {
  const byTurnaround = a.lane.expected_turnaround_seconds - b.lane.expected_turnaround_seconds;
  const byCost = a.expectedCostMicros - b.expectedCostMicros;
  const order = manifest.routingMode === 'fastest' ? [byTurnaround, byCost] : [byCost, byTurnaround];
  for (const difference of order) if (difference !== 0) return difference < 0;
  const byPreference = (preference.get(a.model.id) ?? 0) - (preference.get(b.model.id) ?? 0);
  if (byPreference !== 0) return byPreference < 0;
  return a.lane.id < b.lane.id;
}

function choicesFor(item: CheckedItem, lane: CatalogLane, inputTokens: number, prices: PriceBook): LaneChoice[] {
  const limit = requestedMaxOutput(item.input);
  return item.models
    .filter((model) => lane.models.includes(model.id))
    .map((model) => {
      const embeddings = item.operation === 'embeddings';
      const expectedOutputTokens = embeddings ? 0 : limit === null ? model.expected_output_tokens : Math.min(limit, model.expected_output_tokens);
      const maxOutputTokens = embeddings ? 0 : (limit ?? model.default_max_output_tokens);
      const lanePrice = prices.lane(lane, model);
      return {
        lane,
        model,
        prices: lanePrice,
        expectedOutputTokens,
        maxOutputTokens,
        expectedCostMicros: tokenCost(lanePrice, inputTokens, expectedOutputTokens),
        maxCostMicros: tokenCost(lanePrice, inputTokens, maxOutputTokens),
      };
    });
}

/**
 * Routes every item of a checked manifest over the enabled lanes. Items no lane can take are
 * returned as problems (one per item, naming why each lane refused it).
 */
export function planRoutes(manifest: CheckedManifest, lanes: readonly CatalogLane[], prices: PriceBook): { plan: RoutingPlan } | { problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const routed: RoutedItem[] = [];
  const firstRejection = new Map<string, { reason: RejectionReason; message: string }>();
  const eligibleSomewhere = new Set<string>();
  for (const item of manifest.items) {
    const inputTokens = countInputTokens(item.operation, item.input);
    const bytes = Buffer.byteLength(JSON.stringify(item.input));
    const preference = new Map(item.models.map((model, rank) => [model.id, rank]));
    let best: LaneChoice | null = null;
    const refusals: string[] = [];
    for (const lane of lanes) {
      const rejection = laneRejects(manifest, lane, item, bytes);
      if (rejection) {
        if (!firstRejection.has(lane.id) || firstRejection.get(lane.id)?.reason === 'model_not_acceptable') firstRejection.set(lane.id, rejection);
        refusals.push(`${lane.id}: ${rejection.message}`);
        continue;
      }
      eligibleSomewhere.add(lane.id);
      for (const choice of choicesFor(item, lane, inputTokens, prices)) {
        if (best === null || better(manifest, choice, best, preference)) best = choice;
      }
    }
    if (best === null) {
      const why = refusals.length > 0 ? refusals.join('; ') : 'no lane is enabled on this instance';
      problems.push({ path: `items[${item.index}].model`, message: `no lane can run this item: ${why}` });
      continue;
    }
    const preferred = item.models[0];
    const baselineMicros = preferred ? tokenCost(prices.list(preferred), inputTokens, best.expectedOutputTokens) : 0;
    routed.push({ item, inputTokens, bytes, choice: best, baselineMicros });
  }
  if (problems.length > 0) return { problems };
  return { plan: { items: routed, lanes: receipts(manifest, lanes, routed, firstRejection, eligibleSomewhere) } };
}

function receipts(
  manifest: CheckedManifest,
  lanes: readonly CatalogLane[],
  routed: RoutedItem[],
  firstRejection: Map<string, { reason: RejectionReason; message: string }>,
  eligibleSomewhere: Set<string>,
): LaneReceipt[] {
  const totals = new Map<string, { items: number; models: Set<string>; expected: number; max: number }>();
  for (const { choice } of routed) {
    const total = totals.get(choice.lane.id) ?? { items: 0, models: new Set<string>(), expected: 0, max: 0 };
    total.items++;
    total.models.add(choice.model.id);
    total.expected += choice.expectedCostMicros;
    total.max += choice.maxCostMicros;
    totals.set(choice.lane.id, total);
  }
  return lanes.map((lane) => {
    const total = totals.get(lane.id);
    if (total) {
      return { lane, selected: true, items: total.items, models: [...total.models], expectedCostMicros: total.expected, maxCostMicros: total.max, rejection: null };
    }
    const rejection = eligibleSomewhere.has(lane.id)
      ? manifest.routingMode === 'fastest'
        ? { reason: 'speed' as const, message: 'eligible, but a faster lane was chosen for every item' }
        : { reason: 'price' as const, message: 'eligible, but a cheaper lane was chosen for every item' }
      : (firstRejection.get(lane.id) ?? { reason: 'model_not_acceptable' as const, message: 'runs none of the requested models' });
    return { lane, selected: false, items: 0, models: [], expectedCostMicros: 0, maxCostMicros: 0, rejection };
  });
}
