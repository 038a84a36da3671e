/**
 * Quotes: what a manifest would cost, on which lanes, and why the others were not chosen. A quote
 * costs nothing and reserves nothing; it locks its prices for ten minutes under a `qlock_` id that
 * a submit of the same manifest may name.
 */
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import { formatUsd, MAX_AMOUNT_MICROS } from '../money.ts';
import { findQuote, insertQuote } from '../db/queries/quotes.ts';
import type { Catalog, CatalogLane, CatalogModel } from './catalog.ts';
import { canonicalHash } from './canonical-json.ts';
import type { DomainContext, Principal } from './context.ts';
import { ApiError } from './errors.ts';
import { checkManifest, SLA_WINDOW_SECONDS, type CheckedManifest, type Manifest } from './manifest.ts';
import { lanePrices, listPrices, platformFee, type TokenPrices } from './pricing.ts';
import { laneView, type LaneHealthSource } from './lane-health.ts';
import { planRoutes, type ItemMeasures, type PriceBook, type RoutingPlan } from './routing.ts';
import type { ItemMeasurer, MeasuredItems } from './measure-items.ts';

export const QUOTE_LIFETIME_MS = 10 * 60 * 1000;

/** What routing needs besides the database: the catalog and the lanes enabled on this instance. */
export interface RoutingContext extends DomainContext {
  catalog: Catalog;
  lanes: readonly CatalogLane[];
  /** Measures manifest items (tokens, canonical JSON, digests): the server's tokenizer pool, or this thread. */
  measurer: ItemMeasurer;
  /** What the lanes have really done lately. */
  health: LaneHealthSource;
}

export const catalogPrices: PriceBook = { lane: lanePrices, list: listPrices };

/** The prices a quote locked, as stored: `[input, output]` micro-USD per million tokens. */
interface LockedPrices {
  lanes: Record<string, [number, number]>;
  list: Record<string, [number, number]>;
}

const pair = (prices: TokenPrices): [number, number] => [prices.inputMicrosPerMillion, prices.outputMicrosPerMillion];
const unpair = ([input, output]: [number, number]): TokenPrices => ({ inputMicrosPerMillion: input, outputMicrosPerMillion: output });

function lockPrices(manifest: CheckedManifest, lanes: readonly CatalogLane[]): LockedPrices {
  const models = new Map<string, CatalogModel>();
  for (const item of manifest.items) for (const model of item.models) models.set(model.id, model);
  const locked: LockedPrices = { lanes: {}, list: {} };
  for (const model of models.values()) {
    locked.list[model.id] = pair(listPrices(model));
    for (const lane of lanes) if (lane.models.includes(model.id)) locked.lanes[`${lane.id}|${model.id}`] = pair(lanePrices(lane, model));
  }
  return locked;
}

/** Prices from a quote, falling back to the catalog for a lane enabled since. */
function lockedPriceBook(locked: LockedPrices): PriceBook {
  return {
    lane: (lane, model) => {
      const found = locked.lanes[`${lane.id}|${model.id}`];
      return found ? unpair(found) : lanePrices(lane, model);
    },
    list: (model) => {
      const found = locked.list[model.id];
      return found ? unpair(found) : listPrices(model);
    },
  };
}

/** The manifest fields that decide routing and price: what a quote and a submit must agree on. */
export function manifestHash(manifest: Manifest, measured: MeasuredItems): string {
  return canonicalHash({
    sla_tier: manifest.sla_tier ?? 'standard',
    routing_mode: manifest.routing_mode ?? 'sla_aware',
    privacy_tier: manifest.privacy_tier ?? 'standard',
    allowed_regions: manifest.allowed_regions ?? ['global'],
    items: measured.digest,
  });
}

/** What routing needs of the measures. */
export function measuresOf(measured: MeasuredItems): ItemMeasures {
  return { inputTokens: measured.tokens, inputBytes: measured.bytes };
}

/** Checks everything about a manifest that does not depend on lanes, or throws one 400 listing every problem. */
export function checkOrThrow(ctx: RoutingContext, manifest: Manifest): CheckedManifest {
  const checked = checkManifest(manifest, ctx.catalog);
  if ('problems' in checked) throw new ApiError('invalid_request', 'The manifest is not valid: see details for every problem.', { details: checked.problems });
  return checked.manifest;
}

/** Routes a checked manifest over the lanes as their health shows them now, or throws one 400 naming every item no lane can run. */
export async function routeOrThrow(ctx: RoutingContext, checked: CheckedManifest, measures: ItemMeasures, prices: PriceBook): Promise<RoutingPlan> {
  const view = laneView(ctx.lanes, await ctx.health.current());
  const routed = planRoutes(checked, measures, view.lanes, prices, view.failing);
  if ('problems' in routed) throw new ApiError('invalid_request', 'Some items cannot be routed: see details.', { details: routed.problems });
  if (planTotals(routed.plan, ctx.catalog.platform_fee_bps).maxMicros > MAX_AMOUNT_MICROS) {
    throw new ApiError('invalid_request', 'The batch could cost more than one billion dollars: split it, or lower the output limits.', {
      details: [{ path: 'items', message: 'the maximum cost exceeds 1,000,000,000 USD' }],
    });
  }
  return routed.plan;
}

export interface PlanTotals {
  subtotalMicros: number;
  feeMicros: number;
  totalMicros: number;
  maxMicros: number;
  baselineMicros: number;
}

/** The money of a plan: expected subtotal, fee and total, the reservable maximum, the baseline. */
export function planTotals(plan: RoutingPlan, feeBps: number): PlanTotals {
  let subtotal = 0;
  let maxSubtotal = 0;
  let baseline = 0;
  for (const routed of plan.items) {
    subtotal += routed.choice.expectedCostMicros;
    maxSubtotal += routed.choice.maxCostMicros;
    baseline += routed.baselineMicros;
  }
  const fee = platformFee(subtotal, feeBps);
  return { subtotalMicros: subtotal, feeMicros: fee, totalMicros: subtotal + fee, maxMicros: maxSubtotal + platformFee(maxSubtotal, feeBps), baselineMicros: baseline };
}

/** The quote body (also a batch's estimate): prices, savings, models, and a receipt per lane. */
export function presentPlan(checked: CheckedManifest, plan: RoutingPlan, feeBps: number, slaDeadline: Date) {
  const totals = planTotals(plan, feeBps);
  const savings = totals.baselineMicros - totals.totalMicros;
  const models = new Map<string, number>();
  let inputTokens = 0;
  let expectedOutput = 0;
  let maxOutput = 0;
  for (const routed of plan.items) {
    models.set(routed.choice.model.id, (models.get(routed.choice.model.id) ?? 0) + 1);
    inputTokens += routed.inputTokens;
    expectedOutput += routed.choice.expectedOutputTokens;
    maxOutput += routed.choice.maxOutputTokens;
  }
  return {
    sla_tier: checked.slaTier,
    routing_mode: checked.routingMode,
    privacy_tier: checked.privacyTier,
    allowed_regions: checked.regions ?? ['global'],
    sla_deadline: isoTimestamp(slaDeadline),
    item_count: plan.items.length,
    pricing_estimate: {
      currency: 'usd' as const,
      provider_subtotal: formatUsd(totals.subtotalMicros),
      platform_fee: formatUsd(totals.feeMicros),
      total: formatUsd(totals.totalMicros),
      max: formatUsd(totals.maxMicros),
    },
    baseline: { total: formatUsd(totals.baselineMicros), basis: "each item's preferred model at its provider's sync list price" },
    savings: {
      amount: formatUsd(savings),
      percent: totals.baselineMicros === 0 ? 0 : Math.round((savings / totals.baselineMicros) * 1000) / 10,
    },
    tokens: { input: inputTokens, expected_output: expectedOutput, max_output: maxOutput },
    models: [...models].map(([model, items]) => ({ model, items })),
    quote_lanes: plan.lanes.map((receipt) => ({
      lane_id: receipt.lane.id,
      provider: receipt.lane.provider,
      mode: receipt.lane.mode,
      region: receipt.lane.region,
      selected: receipt.selected,
      items: receipt.items,
      models: receipt.models,
      estimated_cost: formatUsd(receipt.expectedCostMicros),
      expected_turnaround_seconds: receipt.lane.expected_turnaround_seconds,
      rejection: receipt.rejection,
    })),
  };
}

export type PlanPresentation = ReturnType<typeof presentPlan>;

/** The SLA deadline of a manifest submitted at `now`. */
export function slaDeadline(checked: CheckedManifest, now: Date): Date {
  return new Date(now.getTime() + SLA_WINDOW_SECONDS[checked.slaTier] * 1000);
}

/** Quotes a manifest and stores the quote, with its prices, for ten minutes. */
export async function createQuote(ctx: RoutingContext, principal: Principal, manifest: Manifest) {
  const measuring = ctx.measurer.measure(manifest.items, false);
  const checked = checkOrThrow(ctx, manifest);
  const measured = await measuring;
  const plan = await routeOrThrow(ctx, checked, measuresOf(measured), catalogPrices);
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + QUOTE_LIFETIME_MS);
  const body = { quote_id: newId('qlock'), expires_at: isoTimestamp(expiresAt), ...presentPlan(checked, plan, ctx.catalog.platform_fee_bps, slaDeadline(checked, now)) };
  await insertQuote(ctx.db, {
    id: body.quote_id,
    org_id: principal.orgId,
    manifest_sha256: manifestHash(manifest, measured),
    prices: JSON.stringify(lockPrices(checked, ctx.lanes)),
    body: JSON.stringify(body),
    created_at: now,
    expires_at: expiresAt,
  });
  return body;
}

/** The prices a submit runs at: those of the named quote (checked against the manifest), else the catalog's. */
export async function pricesForSubmit(ctx: RoutingContext, principal: Principal, quoteId: string | undefined, sha256: () => string): Promise<PriceBook> {
  if (quoteId === undefined) return catalogPrices;
  const quote = await findQuote(ctx.db, principal.orgId, quoteId);
  if (!quote) throw new ApiError('quote_not_found', `No quote ${quoteId} exists in your org.`);
  if (quote.expires_at.getTime() <= ctx.clock.now().getTime()) {
    throw new ApiError('quote_expired', `Quote ${quoteId} expired at ${isoTimestamp(quote.expires_at)}: quote again, or submit without quote_id at current prices.`);
  }
  if (quote.manifest_sha256 !== sha256()) {
    throw new ApiError('quote_mismatch', `Quote ${quoteId} was made for a different manifest: quote this one, or submit without quote_id.`);
  }
  return lockedPriceBook(quote.prices as LockedPrices);
}
