/**
 * Recommendations of the native optimization report: changes a customer can make to their
 * manifests, each with its exact dollar effect on the items it concerns, re-priced through the
 * catalog and the routing code as they are now.
 *
 * - `priority_to_standard`: succeeded items of priority batches that finished within the standard
 *   window of their submission, routed as standard / sla_aware instead.
 * - `fastest_to_sla_aware`: succeeded items of flex or standard batches routed `fastest` that ran
 *   on a sync lane (not rescues), routed sla_aware instead, when that picks a batch lane.
 * - `cheaper_equivalent`: succeeded items whose models have catalog equivalents they did not allow,
 *   run on the equivalent whose cheapest eligible lane costs least for their tokens.
 *
 * The first two never concern the same item. An item in either may also be in the third: its
 * equivalent is then priced after the first change (standard / sla_aware), and the third's effect
 * counts only what the equivalent saves beyond it, so the effects of all recommendations add up.
 * Effects include the platform fee: an item's cost is its charge (lane cost and fee share), an
 * alternative's its re-priced cost plus the fee at its batch's rate.
 */
import { formatUsd } from '../../money.ts';
import { repricedSums, type AnalysisGroupRow, type RepricingSpec } from '../../db/queries/optimization.ts';
import type { Catalog, CatalogModel, Operation, Region } from '../catalog.ts';
import { OPERATIONS, REGIONS } from '../catalog.ts';
import { PRIVACY_TIERS, ROUTING_MODES, SLA_TIERS, SLA_WINDOW_SECONDS, type PrivacyTier, type RoutingMode, type SlaTier } from '../manifest.ts';
import { platformFee } from '../pricing.ts';
import type { LaneChoice } from '../routing.ts';
import { laneById, modelsFor, unallowedEquivalents, type Rerouter, type RouteSettings } from './repricing.ts';

export const RECOMMENDATION_IDS = ['priority_to_standard', 'fastest_to_sla_aware', 'cheaper_equivalent'] as const;
export type RecommendationId = (typeof RECOMMENDATION_IDS)[number];
type Move = Exclude<RecommendationId, 'cheaper_equivalent'>;

const MAX_EXAMPLES = 5;

/** What the re-pricing sums run over: the report's org and range. */
export interface RepricingScope {
  sums(specs: readonly RepricingSpec[]): Promise<number[]>;
}

export function repricingScope(db: Parameters<typeof repricedSums>[0], orgId: string, from: Date, to: Date): RepricingScope {
  return { sums: (specs) => repricedSums(db, orgId, from, to, SLA_WINDOW_SECONDS.standard, specs) };
}

/** A succeeded group that routing can consider again. */
interface Candidate {
  row: AnalysisGroupRow;
  /** What its items were charged: lane cost and fee share. */
  cost: number;
  move: { rule: Move; choice: LaneChoice; spec: number } | null;
  equivalents: { model: CatalogModel; choice: LaneChoice; spec: number; afterMove: boolean }[];
}

/** One change for one group, priced. */
interface Effect {
  rule: RecommendationId;
  row: AnalysisGroupRow;
  choice: LaneChoice;
  cost: number;
  alternative: number;
  /** The item was also moved by another rule, and this effect is measured after that move. */
  afterMove: Move | null;
}

const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);
const isOneOf = <T extends string>(values: readonly T[], value: string): value is T => (values as readonly string[]).includes(value);

/** The settings a group's batches were routed with, or null for values this version does not know. */
function settingsOf(row: AnalysisGroupRow): RouteSettings | null {
  const { sla_tier: tier, routing_mode: mode, privacy_tier: privacy, allowed_regions: regions } = row;
  if (!isOneOf<SlaTier>(SLA_TIERS, tier) || !isOneOf<RoutingMode>(ROUTING_MODES, mode) || !isOneOf<PrivacyTier>(PRIVACY_TIERS, privacy)) return null;
  if (regions.length === 1 && regions[0] === 'global') return { slaTier: tier, routingMode: mode, privacyTier: privacy, regions: null };
  if (!regions.every((region) => isOneOf<Region>(REGIONS, region))) return null;
  return { slaTier: tier, routingMode: mode, privacyTier: privacy, regions: regions as Region[] };
}

/** Which move (if any) a group is a candidate for, and the settings it would run under. */
function moveOf(catalog: Catalog, row: AnalysisGroupRow, own: RouteSettings): { rule: Move; settings: RouteSettings } | null {
  if (own.slaTier === 'priority') return row.within_window ? { rule: 'priority_to_standard', settings: { ...own, slaTier: 'standard', routingMode: 'sla_aware' } } : null;
  if (own.routingMode === 'fastest' && !row.rescued && laneById(catalog, row.lane_id)?.mode === 'sync') return { rule: 'fastest_to_sla_aware', settings: { ...own, routingMode: 'sla_aware' } };
  return null;
}

/** Routes every succeeded group again as each rule would, collecting the prices to sum. */
function candidatesOf(catalog: Catalog, rerouter: Rerouter, rows: readonly AnalysisGroupRow[], specs: RepricingSpec[]): Candidate[] {
  const candidates: Candidate[] = [];
  const specFor = (row: AnalysisGroupRow, choice: LaneChoice) =>
    specs.push({ groupId: row.group_id, inputMicrosPerMillion: choice.prices.inputMicrosPerMillion, outputMicrosPerMillion: choice.prices.outputMicrosPerMillion }) - 1;
  for (const row of rows) {
    const own = settingsOf(row);
    if (row.status !== 'succeeded' || own === null || !isOneOf<Operation>(OPERATIONS, row.operation)) continue;
    const operation = row.operation;
    // Routing ranks lanes by an item's expected cost: a group is routed as one item of its average input.
    const inputTokens = Math.round(row.input_tokens / row.items);
    const candidate: Candidate = { row, cost: row.provider_cost_micros + row.platform_fee_micros, move: null, equivalents: [] };
    const move = moveOf(catalog, row, own);
    if (move) {
      const choice = rerouter.route(move.settings, { operation, models: modelsFor(catalog, row.model_options, operation), inputTokens });
      // Routed where they ran already, the items have nothing to gain (but a micro-dollar of fee rounding).
      const elsewhere = 'lane' in choice && (choice.lane.id !== row.lane_id || choice.model.id !== row.assigned_model);
      if (elsewhere && (move.rule === 'priority_to_standard' || choice.lane.mode === 'batch')) candidate.move = { rule: move.rule, choice, spec: specFor(row, choice) };
    }
    for (const model of unallowedEquivalents(catalog, row.model_options, operation)) {
      for (const afterMove of candidate.move ? [false, true] : [false]) {
        const settings = afterMove && move ? move.settings : own;
        const choice = rerouter.route(settings, { operation, models: [model], inputTokens });
        if ('lane' in choice) candidate.equivalents.push({ model, choice, spec: specFor(row, choice), afterMove });
      }
    }
    if (candidate.move || candidate.equivalents.length > 0) candidates.push(candidate);
  }
  return candidates;
}

/** Prices every candidate: the move if it saves money, then the best equivalent beyond it. */
function effectsOf(candidates: readonly Candidate[], sums: readonly number[]): Effect[] {
  const effects: Effect[] = [];
  const withFee = (spec: number, feeBps: number) => {
    const subtotal = sums[spec] ?? 0;
    return subtotal + platformFee(subtotal, feeBps);
  };
  for (const { row, cost, move, equivalents } of candidates) {
    let base = cost;
    let moved: Move | null = null;
    if (move) {
      const alternative = withFee(move.spec, row.fee_bps);
      if (alternative < cost) {
        effects.push({ rule: move.rule, row, choice: move.choice, cost, alternative, afterMove: null });
        base = alternative;
        moved = move.rule;
      }
    }
    let best: Effect | null = null;
    for (const equivalent of equivalents) {
      if (equivalent.afterMove !== (moved !== null)) continue;
      const alternative = withFee(equivalent.spec, row.fee_bps);
      if (alternative < base && (best === null || alternative < best.alternative)) best = { rule: 'cheaper_equivalent', row, choice: equivalent.choice, cost: base, alternative, afterMove: moved };
    }
    if (best) effects.push(best);
  }
  return effects;
}

/** Up to three distinct values, then "…". */
function listed(values: Iterable<string>): string {
  const distinct = [...new Set(values)];
  return distinct.length <= 3 ? distinct.join(', ') : `${distinct.slice(0, 3).join(', ')}, …`;
}

function explanation(rule: RecommendationId, effects: readonly Effect[], count: number, saved: string): string {
  const lanes = listed(effects.map((effect) => effect.row.lane_id));
  const alternatives = listed(effects.map((effect) => `${effect.choice.lane.id} (${effect.choice.model.id})`));
  if (rule === 'priority_to_standard') {
    return (
      `${count} items were submitted with sla_tier "priority" (1 hour) and finished within the ${SLA_WINDOW_SECONDS.standard / 3600} hours a "standard" batch allows. ` +
      `Submitted as "standard" with routing_mode "sla_aware", routing would run them on ${alternatives} instead of ${lanes}: ${saved} USD less, platform fee included. ` +
      'Keep priority for results needed within the hour.'
    );
  }
  if (rule === 'fastest_to_sla_aware') {
    return (
      `${count} items of ${listed(effects.map((effect) => effect.row.sla_tier))} batches with routing_mode "fastest" ran on sync lanes (${lanes}), although their deadline left time for a batch lane. ` +
      `With routing_mode "sla_aware" (the default), routing would run them on ${alternatives}, whose expected turnaround keeps half the window in reserve: ${saved} USD less, platform fee included.`
    );
  }
  const after = effects.filter((effect) => effect.afterMove !== null);
  const overlap =
    after.length === 0
      ? ''
      : ` ${after.reduce((sum, effect) => sum + effect.row.items, 0)} of these items are also in ${listed(after.map((effect) => effect.afterMove ?? ''))}: for them the equivalent is priced after that change, and this effect counts only what it saves beyond it, so the effects of all recommendations add up.`;
  return (
    `${count} items allowed only ${listed(effects.flatMap((effect) => effect.row.model_options))} although the catalog lists ${listed(effects.map((effect) => effect.choice.model.id))} as cheaper equivalents that can stand in for them. ` +
    `Adding the equivalent to model_options would let routing run them on ${alternatives}: ${saved} USD less, platform fee included. Check the equivalent's answers on a sample first.${overlap}`
  );
}

const TITLES: Record<RecommendationId, string> = {
  priority_to_standard: 'Submit work that can wait a day as standard, not priority',
  fastest_to_sla_aware: 'Let batches that have time run sla_aware instead of fastest',
  cheaper_equivalent: 'Allow the cheaper equivalent models the catalog lists',
};

/** One recommendation as the API shows it: effect, items, examples, the changes in detail, and why. */
function present(rule: RecommendationId, effects: readonly Effect[]) {
  const sorted = [...effects].sort((a, b) => b.cost - b.alternative - (a.cost - a.alternative) || (a.row.group_id < b.row.group_id ? -1 : 1));
  const cost = sorted.reduce((sum, effect) => sum + effect.cost, 0);
  const alternative = sorted.reduce((sum, effect) => sum + effect.alternative, 0);
  const count = sorted.reduce((sum, effect) => sum + effect.row.items, 0);
  const changes = new Map<string, { model: string; lane: string; alternative_model: string; alternative_lane: string; items: number; cost: number; alternative: number }>();
  for (const effect of sorted) {
    const key = [effect.row.assigned_model, effect.row.lane_id, effect.choice.model.id, effect.choice.lane.id].join('\n');
    const change = changes.get(key) ?? { model: effect.row.assigned_model, lane: effect.row.lane_id, alternative_model: effect.choice.model.id, alternative_lane: effect.choice.lane.id, items: 0, cost: 0, alternative: 0 };
    change.items += effect.row.items;
    change.cost += effect.cost;
    change.alternative += effect.alternative;
    changes.set(key, change);
  }
  return {
    id: rule,
    title: TITLES[rule],
    effect: { amount: formatUsd(cost - alternative), percent: percentOf(cost - alternative, cost) },
    cost: formatUsd(cost),
    alternative_cost: formatUsd(alternative),
    items: { count, examples: sorted.flatMap((effect) => effect.row.examples).slice(0, MAX_EXAMPLES) },
    changes: [...changes.values()].map((change) => ({
      model: change.model,
      lane: change.lane,
      alternative_model: change.alternative_model,
      alternative_lane: change.alternative_lane,
      items: change.items,
      cost: formatUsd(change.cost),
      alternative_cost: formatUsd(change.alternative),
      effect: formatUsd(change.cost - change.alternative),
    })),
    measured_after: RECOMMENDATION_IDS.filter((id) => effects.some((effect) => effect.afterMove === id)).map((id) => ({
      recommendation: id,
      items: effects.filter((effect) => effect.afterMove === id).reduce((sum, effect) => sum + effect.row.items, 0),
    })),
    explanation: explanation(rule, sorted, count, formatUsd(cost - alternative)),
    effectMicros: cost - alternative,
  };
}

export type Recommendation = Omit<ReturnType<typeof present>, 'effectMicros'>;

/** The recommendations for these groups, largest effect first, and their summed effect in micro-USD. */
export async function recommend(catalog: Catalog, rerouter: Rerouter, scope: RepricingScope, rows: readonly AnalysisGroupRow[]): Promise<{ recommendations: Recommendation[]; totalEffectMicros: number }> {
  const specs: RepricingSpec[] = [];
  const candidates = candidatesOf(catalog, rerouter, rows, specs);
  const effects = effectsOf(candidates, await scope.sums(specs));
  const presented = RECOMMENDATION_IDS.map((rule) => effects.filter((effect) => effect.rule === rule))
    .filter((ofRule) => ofRule.length > 0)
    .map((ofRule) => present(ofRule[0]?.rule ?? 'cheaper_equivalent', ofRule))
    .sort((a, b) => b.effectMicros - a.effectMicros);
  return {
    recommendations: presented.map(({ effectMicros: _effect, ...recommendation }) => recommendation),
    totalEffectMicros: presented.reduce((sum, recommendation) => sum + recommendation.effectMicros, 0),
  };
}
