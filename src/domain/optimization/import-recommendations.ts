/**
 * Recommendations for an imported OpenAI workload: the models it ran that the catalog lists
 * cheaper equivalents for, with what BatchRouter would charge on the cheapest equivalent's lane
 * (routed with the report's settings) against what it would charge for the models as they ran.
 */
import { formatUsd } from '../../money.ts';
import type { Catalog, CatalogModel, Operation } from '../catalog.ts';
import { platformFee, tokenCost } from '../pricing.ts';
import type { LaneChoice } from '../routing.ts';
import { unallowedEquivalents, type Rerouter, type RouteSettings } from './repricing.ts';

const MAX_EXAMPLES = 5;

/** An imported line priced on BatchRouter: its model, tokens, lane and charge. */
export interface PricedItem {
  line: { custom_id: string; batch_id: string };
  model: CatalogModel;
  operation: Operation;
  choice: LaneChoice;
  inputTokens: number;
  outputTokens: number;
  laneCost: number;
  feeShare: number;
}

interface Change {
  items: PricedItem[];
  choice: LaneChoice;
  cost: number;
  alternative: number;
}

const percentOf = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** For one model's items: the equivalent whose lane costs least for their tokens, if it saves anything. */
function bestEquivalent(catalog: Catalog, rerouter: Rerouter, settings: RouteSettings, items: PricedItem[]): Change | null {
  const first = items[0];
  if (!first) return null;
  const cost = items.reduce((sum, item) => sum + item.laneCost + item.feeShare, 0);
  const inputTokens = Math.round(items.reduce((sum, item) => sum + item.inputTokens, 0) / items.length);
  let best: Change | null = null;
  for (const model of unallowedEquivalents(catalog, [first.model.id], first.operation)) {
    const choice = rerouter.route(settings, { operation: first.operation, models: [model], inputTokens });
    if (!('lane' in choice)) continue;
    const subtotal = items.reduce((sum, item) => sum + tokenCost(choice.prices, item.inputTokens, item.outputTokens), 0);
    const alternative = subtotal + platformFee(subtotal, catalog.platform_fee_bps);
    if (alternative < cost && (best === null || alternative < best.alternative)) best = { items, choice, cost, alternative };
  }
  return best;
}

/** The changes by (model, lane) → (model, lane), largest effect first: one model's operations priced apart, shown together. */
function merged(changes: readonly Change[]) {
  const byRoute = new Map<string, { model: string; lane: string; alternative_model: string; alternative_lane: string; items: number; cost: number; alternative: number }>();
  for (const change of changes) {
    const first = change.items[0];
    const route = { model: first?.model.id ?? '', lane: first?.choice.lane.id ?? '', alternative_model: change.choice.model.id, alternative_lane: change.choice.lane.id };
    const key = Object.values(route).join('\n');
    const entry = byRoute.get(key) ?? { ...route, items: 0, cost: 0, alternative: 0 };
    entry.items += change.items.length;
    entry.cost += change.cost;
    entry.alternative += change.alternative;
    byRoute.set(key, entry);
  }
  return [...byRoute.values()]
    .sort((a, b) => b.cost - b.alternative - (a.cost - a.alternative))
    .map(({ cost, alternative, ...route }) => ({ ...route, cost: formatUsd(cost), alternative_cost: formatUsd(alternative), effect: formatUsd(cost - alternative) }));
}

/** The import's recommendations (at most `cheaper_equivalent` today) and their summed effect in micro-USD. */
export function presentImportRecommendations(catalog: Catalog, rerouter: Rerouter, settings: RouteSettings, priced: readonly PricedItem[]) {
  const byModel = new Map<string, PricedItem[]>();
  for (const item of priced) {
    const key = `${item.model.id}\n${item.operation}`;
    const group = byModel.get(key);
    if (group) group.push(item);
    else byModel.set(key, [item]);
  }
  const changes = [...byModel.values()]
    .map((items) => bestEquivalent(catalog, rerouter, settings, items))
    .filter((change): change is Change => change !== null)
    .sort((a, b) => b.cost - b.alternative - (a.cost - a.alternative));
  if (changes.length === 0) return { recommendations: [], totalEffectMicros: 0 };
  const cost = changes.reduce((sum, change) => sum + change.cost, 0);
  const alternative = changes.reduce((sum, change) => sum + change.alternative, 0);
  const count = changes.reduce((sum, change) => sum + change.items.length, 0);
  const models = [...new Set(changes.map((change) => change.items[0]?.model.id ?? ''))].join(', ');
  const alternatives = [...new Set(changes.map((change) => `${change.choice.lane.id} (${change.choice.model.id})`))].join(', ');
  const recommendation = {
    id: 'cheaper_equivalent' as const,
    title: 'Allow the cheaper equivalent models the catalog lists',
    effect: { amount: formatUsd(cost - alternative), percent: percentOf(cost - alternative, cost) },
    cost: formatUsd(cost),
    alternative_cost: formatUsd(alternative),
    items: {
      count,
      examples: changes.flatMap((change) => change.items.map((item) => ({ custom_id: item.line.custom_id, batch_id: item.line.batch_id === '' ? null : item.line.batch_id }))).slice(0, MAX_EXAMPLES),
    },
    changes: merged(changes),
    measured_after: [],
    explanation:
      `${count} items ran on ${models}; the catalog lists cheaper equivalents that can stand in for them. ` +
      `Submitted to BatchRouter with the equivalent in model_options, routing would run them on ${alternatives}: ${formatUsd(cost)} → ${formatUsd(alternative)} USD, ` +
      `${formatUsd(cost - alternative)} USD less than BatchRouter's price for the models they ran on, platform fee included. Check the equivalent's answers on a sample first.`,
  };
  return { recommendations: [recommendation], totalEffectMicros: cost - alternative };
}
