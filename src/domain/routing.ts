/**
 * Routing: for each item, the lanes that may run it (model, privacy, region, SLA, capacity), the
 * one chosen by the batch's routing mode, and for every lane a receipt saying whether it was
 * selected or why not.
 */
import type { CatalogLane, CatalogModel } from './catalog.ts';
import type { ErrorDetail } from './errors.ts';
import { SLA_WINDOW_SECONDS, type CheckedItem, type CheckedManifest } from './manifest.ts';
import { tokenCost, type TokenPrices } from './pricing.ts';
import { requestedMaxOutput } from './tokens.ts';

export type RejectionReason = 'model_not_acceptable' | 'privacy' | 'region' | 'health' | 'sla' | 'capacity' | 'price' | 'speed';

/** `sla_aware` keeps this share of the SLA window in reserve for a rescue. */
const SLA_AWARE_SHARE = 0.5;
/**
 * `sla_aware` spreads risk across providers: of the items that another provider could run for at
 * most SPREAD_TOLERANCE more, no provider takes more than SPREAD_MAX_SHARE, so one provider's
 * outage or slow day touches at most that share (the batch costs at most about 3% more).
 */
const SPREAD_TOLERANCE = 0.1;
const SPREAD_MAX_SHARE = 2 / 3;

export interface LaneChoice {
  lane: CatalogLane;
  model: CatalogModel;
  prices: TokenPrices;
  expectedOutputTokens: number;
  maxOutputTokens: number;
  expectedCostMicros: number;
  maxCostMicros: number;
  /** The model's place in the item's list (0: the preferred model). */
  preference: number;
}

export interface RoutedItem {
  item: CheckedItem;
  inputTokens: number;
  /** UTF-8 bytes of the item's input as canonical JSON: what provider byte limits count. */
  bytes: number;
  choice: LaneChoice;
  /** Why this lane: the routing mode's pick, or a move to another provider to spread risk. */
  reason: string;
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
  rejection: Rejection | null;
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

/** What is measured of each item outside routing (on the tokenizer pool), in item order. */
export interface ItemMeasures {
  inputTokens: ArrayLike<number>;
  /** UTF-8 bytes of each item's input as canonical JSON. */
  inputBytes: ArrayLike<number>;
}

interface Rejection {
  reason: RejectionReason;
  message: string;
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

/** Why `lane` cannot take any item of this manifest (privacy, region, health, SLA), or null. */
function manifestRejects(manifest: CheckedManifest, lane: CatalogLane, failing: ReadonlyMap<string, string>): Rejection | null {
  if (!privacyAllows(manifest, lane)) {
    return { reason: 'privacy', message: `not eligible for the ${manifest.privacyTier} privacy tier` };
  }
  if (manifest.regions !== null && !manifest.regions.includes(lane.region)) {
    return { reason: 'region', message: `runs in ${lane.region}, outside ${manifest.regions.join(', ')}` };
  }
  const failure = failing.get(lane.id);
  if (failure !== undefined) return { reason: 'health', message: `failing: ${failure}` };
  const limit = turnaroundLimitSeconds(manifest);
  if (lane.expected_turnaround_seconds > limit) {
    return {
      reason: 'sla',
      message: `expected turnaround ${lane.expected_turnaround_seconds} s exceeds the ${limit} s the ${manifest.slaTier} tier allows in ${manifest.routingMode} mode`,
    };
  }
  return null;
}

/** Why `lane` (running `runs`) cannot take this item (models, size), or null. */
function itemRejects(lane: CatalogLane, runs: ReadonlySet<string>, item: CheckedItem, bytes: number): Rejection | null {
  let runsOne = false;
  for (const model of item.models) if (runs.has(model.id)) runsOne = true;
  if (!runsOne) return { reason: 'model_not_acceptable', message: `runs none of ${item.models.map((m) => m.id).join(', ')}` };
  if (bytes > lane.max_bytes_per_job) return { reason: 'capacity', message: `an item of ${bytes} bytes exceeds the lane's ${lane.max_bytes_per_job} bytes per job` };
  return null;
}

/**
 * Whether running on `lane` for `cost` (the model at `preference`) beats running on `currentLane`
 * for `currentCost` (at `currentPreference`) in the routing mode.
 */
function beats(fastest: boolean, lane: CatalogLane, cost: number, preference: number, currentLane: CatalogLane, currentCost: number, currentPreference: number): boolean {
  const byTurnaround = lane.expected_turnaround_seconds - currentLane.expected_turnaround_seconds;
  const byCost = cost - currentCost;
  const first = fastest ? byTurnaround : byCost;
  if (first !== 0) return first < 0;
  const second = fastest ? byCost : byTurnaround;
  if (second !== 0) return second < 0;
  if (preference !== currentPreference) return preference < currentPreference;
  return lane.id < currentLane.id;
}

/** A price book that looks each price up once per plan rather than once per item. */
function cached(prices: PriceBook): PriceBook {
  const lanes = new Map<CatalogLane, Map<CatalogModel, TokenPrices>>();
  const lists = new Map<CatalogModel, TokenPrices>();
  return {
    lane(lane, model) {
      let byModel = lanes.get(lane);
      if (!byModel) lanes.set(lane, (byModel = new Map()));
      let found = byModel.get(model);
      if (!found) byModel.set(model, (found = prices.lane(lane, model)));
      return found;
    },
    list(model) {
      let found = lists.get(model);
      if (!found) lists.set(model, (found = prices.list(model)));
      return found;
    },
  };
}

/** The output an item is expected to produce on `model`. */
function expectedOutput(item: CheckedItem, model: CatalogModel, limit: number | null): number {
  if (item.operation === 'embeddings') return 0;
  return limit === null ? model.expected_output_tokens : Math.min(limit, model.expected_output_tokens);
}

/** The most output an item may produce on `model`: what the reservation covers. */
function maxOutput(item: CheckedItem, model: CatalogModel, limit: number | null): number {
  if (item.operation === 'embeddings') return 0;
  return limit ?? model.default_max_output_tokens;
}

/** A lane and model an item may run on, with the price there. */
interface Option {
  lane: CatalogLane;
  model: CatalogModel;
  /** The model's place in the item's list. */
  preference: number;
  prices: TokenPrices;
}

/** An item's candidates: the best choice on each provider that may run it. */
interface Candidates {
  best: LaneChoice;
  /** The best choice of every other provider, for spreading (sla_aware only). */
  others: LaneChoice[];
}

/**
 * Routes every item of a checked manifest over the enabled lanes (as lane health sees them:
 * observed turnarounds, `failing` lanes off). Items no lane can take are returned as problems
 * (one per item, naming why each lane refused it).
 */
export function planRoutes(
  manifest: CheckedManifest,
  measures: ItemMeasures,
  lanes: readonly CatalogLane[],
  prices: PriceBook,
  failing: ReadonlyMap<string, string> = new Map(),
): { plan: RoutingPlan } | { problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  // Spreading (sla_aware across providers) looks at every item's best choice of each provider.
  const candidates: Candidates[] = [];
  const firstRejection = new Map<string, Rejection>();
  const eligibleSomewhere = new Set<string>();
  const refusedByManifest = lanes.map((lane) => manifestRejects(manifest, lane, failing));
  const laneRuns = lanes.map((lane) => new Set(lane.models));
  const book = cached(prices);
  const fastest = manifest.routingMode === 'fastest';
  const spreading = manifest.routingMode === 'sla_aware' && new Set(lanes.map((lane) => lane.provider)).size > 1;
  // Which lanes may take an item depends on its models and, past the smallest job, its size:
  // worked out once per list of models for the items that fit every lane (items naming the same
  // models share their list: see checkManifest).
  const smallestJob = Math.min(...lanes.map((lane) => lane.max_bytes_per_job));
  const optionsByModels = new Map<readonly CatalogModel[], Option[]>();
  const optionsFor = (item: CheckedItem, bytes: number): Option[] => {
    const key = bytes <= smallestJob ? item.models : null;
    const known = key === null ? undefined : optionsByModels.get(key);
    if (known) return known;
    const options: Option[] = [];
    lanes.forEach((lane, l) => {
      const runs = laneRuns[l] as ReadonlySet<string>;
      const rejection = refusedByManifest[l] ?? itemRejects(lane, runs, item, bytes);
      if (rejection) {
        const first = firstRejection.get(lane.id);
        if (!first || first.reason === 'model_not_acceptable') firstRejection.set(lane.id, rejection);
        return;
      }
      eligibleSomewhere.add(lane.id);
      item.models.forEach((model, preference) => {
        if (runs.has(model.id)) options.push({ lane, model, preference, prices: book.lane(lane, model) });
      });
    });
    if (key !== null) optionsByModels.set(key, options);
    return options;
  };
  // Only a choice that wins is built in full: an item's options are compared by their figures.
  const choiceOf = (option: Option, item: CheckedItem, inputTokens: number, limit: number | null, expected: number, cost: number): LaneChoice => {
    const most = maxOutput(item, option.model, limit);
    return {
      lane: option.lane,
      model: option.model,
      prices: option.prices,
      expectedOutputTokens: expected,
      maxOutputTokens: most,
      expectedCostMicros: cost,
      maxCostMicros: tokenCost(option.prices, inputTokens, most),
      preference: option.preference,
    };
  };
  const reason = fastest ? 'the fastest eligible lane' : 'the cheapest eligible lane';
  const routed: RoutedItem[] = [];
  for (let i = 0; i < manifest.items.length; i++) {
    const item = manifest.items[i] as CheckedItem;
    const inputTokens = measures.inputTokens[i] ?? 0;
    const bytes = measures.inputBytes[i] ?? 0;
    const limit = requestedMaxOutput(item.input);
    const options = optionsFor(item, bytes);
    let best: Option | null = null;
    let bestCost = 0;
    let bestExpected = 0;
    for (const option of options) {
      const expected = expectedOutput(item, option.model, limit);
      const cost = tokenCost(option.prices, inputTokens, expected);
      if (best === null || beats(fastest, option.lane, cost, option.preference, best.lane, bestCost, best.preference)) {
        best = option;
        bestCost = cost;
        bestExpected = expected;
      }
    }
    if (best === null) {
      problems.push({ path: `items[${item.index}].model`, message: `no lane can run this item: ${refusals(lanes, laneRuns, refusedByManifest, item, bytes)}` });
      continue;
    }
    const chosen = choiceOf(best, item, inputTokens, limit, bestExpected, bestCost);
    if (spreading) {
      // The best choice of every other provider, for spreading.
      const bestByProvider = new Map<string, LaneChoice>();
      for (const option of options) {
        if (option.lane.provider === best.lane.provider) continue;
        const expected = expectedOutput(item, option.model, limit);
        const cost = tokenCost(option.prices, inputTokens, expected);
        const current = bestByProvider.get(option.lane.provider);
        if (current === undefined || beats(false, option.lane, cost, option.preference, current.lane, current.expectedCostMicros, current.preference)) {
          bestByProvider.set(option.lane.provider, choiceOf(option, item, inputTokens, limit, expected, cost));
        }
      }
      candidates.push({ best: chosen, others: [...bestByProvider.values()] });
    }
    const preferred = item.models[0];
    routed.push({
      item,
      inputTokens,
      bytes,
      choice: chosen,
      reason,
      baselineMicros: preferred ? tokenCost(book.list(preferred), inputTokens, chosen.expectedOutputTokens) : 0,
    });
  }
  if (problems.length > 0) return { problems };
  if (spreading) {
    spreadAcrossProviders(candidates).forEach((pick, i) => {
      const item = routed[i];
      if (!item || pick.spread === null) return;
      const preferred = item.item.models[0];
      routed[i] = {
        ...item,
        choice: pick.choice,
        reason: pick.spread,
        baselineMicros: preferred ? tokenCost(book.list(preferred), item.inputTokens, pick.choice.expectedOutputTokens) : 0,
      };
    });
  }
  return { plan: { items: routed, lanes: receipts(manifest, lanes, routed, firstRejection, eligibleSomewhere) } };
}

/** Why each lane refused an item no lane can run, for its 400. */
function refusals(lanes: readonly CatalogLane[], laneRuns: readonly ReadonlySet<string>[], refusedByManifest: (Rejection | null)[], item: CheckedItem, bytes: number): string {
  if (lanes.length === 0) return 'no lane is enabled on this instance';
  return lanes.map((lane, l) => `${lane.id}: ${(refusedByManifest[l] ?? itemRejects(lane, laneRuns[l] ?? new Set(), item, bytes))?.message ?? 'eligible'}`).join('; ');
}

/**
 * Moves items to another provider, in item order, once their cheapest provider holds
 * SPREAD_MAX_SHARE of the items that could go elsewhere for at most SPREAD_TOLERANCE more.
 */
function spreadAcrossProviders(candidates: readonly Candidates[]): { choice: LaneChoice; spread: string | null }[] {
  const alternativeOf = candidates.map(({ best, others }) => {
    const limit = best.expectedCostMicros * (1 + SPREAD_TOLERANCE);
    return others.filter((other) => other.expectedCostMicros <= limit).sort((a, b) => a.expectedCostMicros - b.expectedCostMicros);
  });
  const spreadable = alternativeOf.filter((alternatives) => alternatives.length > 0).length;
  const cap = Math.ceil(spreadable * SPREAD_MAX_SHARE);
  const taken = new Map<string, number>();
  const take = (provider: string) => taken.set(provider, (taken.get(provider) ?? 0) + 1);
  return candidates.map(({ best }, i) => {
    const alternatives = alternativeOf[i] ?? [];
    if (alternatives.length === 0) return { choice: best, spread: null };
    const provider = best.lane.provider;
    const moveTo = (taken.get(provider) ?? 0) >= cap ? alternatives.find((other) => (taken.get(other.lane.provider) ?? 0) < cap) : undefined;
    if (!moveTo) {
      take(provider);
      return { choice: best, spread: null };
    }
    take(moveTo.lane.provider);
    return {
      choice: moveTo,
      spread: `spread across providers: ${provider} already runs ${cap} of the ${spreadable} items another provider could run for at most ${SPREAD_TOLERANCE * 100}% more`,
    };
  });
}

function receipts(
  manifest: CheckedManifest,
  lanes: readonly CatalogLane[],
  routed: RoutedItem[],
  firstRejection: Map<string, Rejection>,
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
