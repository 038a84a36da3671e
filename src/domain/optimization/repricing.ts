/**
 * Re-pricing through the catalog and the routing code itself: where routing would run items now
 * (the lanes as their health shows them, at catalog prices) under other settings, with other
 * models, or as one imported workload. Nothing here chooses a lane: `planRoutes` does.
 * @example const rerouter = await makeRerouter(ctx); rerouter.route(settings, 'responses', [model], 1200)
 */
import type { Catalog, CatalogLane, CatalogModel, Operation, Region } from '../catalog.ts';
import { laneView } from '../lane-health.ts';
import type { CheckedItem, CheckedManifest, PrivacyTier, RoutingMode, SlaTier } from '../manifest.ts';
import { catalogPrices, type RoutingContext } from '../quotes.ts';
import { planRoutes, type LaneChoice } from '../routing.ts';

/** The manifest settings that decide routing. */
export interface RouteSettings {
  slaTier: SlaTier;
  routingMode: RoutingMode;
  privacyTier: PrivacyTier;
  /** null: any region ("global"). */
  regions: Region[] | null;
}

/** One item to route: its operation, the models it allows (preferred first) and its input tokens. */
export interface ItemToRoute {
  operation: Operation;
  models: CatalogModel[];
  inputTokens: number;
}

export interface Rerouter {
  /** Where routing would run one such item now, or why no lane could. */
  route(settings: RouteSettings, item: ItemToRoute): LaneChoice | { refused: string };
  /** Where routing would run these items submitted together as one batch (spreading included); every item must be routable alone. */
  routeTogether(settings: RouteSettings, items: readonly ItemToRoute[]): LaneChoice[];
}

/** The inputs are not stored or sent anywhere: routing only measures their size, and a probe's is that of `{}`. */
const PROBE_INPUT_BYTES = 2;

function manifestOf(settings: RouteSettings, items: readonly ItemToRoute[]): CheckedManifest {
  return {
    ...settings,
    items: items.map((item, index): CheckedItem => ({ index, customerItemId: `item-${index}`, operation: item.operation, models: item.models, input: {} })),
  };
}

/** A rerouter over the instance's lanes as their health shows them now. */
export async function makeRerouter(ctx: Pick<RoutingContext, 'lanes' | 'health'>): Promise<Rerouter> {
  const view = laneView(ctx.lanes, await ctx.health.current());
  const plan = (settings: RouteSettings, items: readonly ItemToRoute[]) =>
    planRoutes(manifestOf(settings, items), { inputTokens: items.map((item) => item.inputTokens), inputBytes: items.map(() => PROBE_INPUT_BYTES) }, view.lanes, catalogPrices, view.failing);
  return {
    route(settings, item) {
      const planned = plan(settings, [item]);
      if ('problems' in planned) return { refused: planned.problems[0]?.message ?? 'no lane can run this item' };
      const routed = planned.plan.items[0];
      return routed ? routed.choice : { refused: 'no lane can run this item' };
    },
    routeTogether(settings, items) {
      if (items.length === 0) return [];
      const planned = plan(settings, items);
      if ('problems' in planned) throw new Error(`items routable alone were refused together: ${planned.problems[0]?.message ?? ''}`);
      return planned.plan.items.map((routed) => routed.choice);
    },
  };
}

/** The catalog models of `ids` that exist and support `operation`, in order, without repeats. */
export function modelsFor(catalog: Catalog, ids: readonly string[], operation: Operation): CatalogModel[] {
  const models: CatalogModel[] = [];
  for (const id of ids) {
    const model = catalog.models.find((candidate) => candidate.id === id);
    if (model && model.operations.includes(operation) && !models.includes(model)) models.push(model);
  }
  return models;
}

/**
 * The catalog's equivalents of the allowed models (the cheaper models that can stand in for each,
 * as the catalog lists them, not their own equivalents in turn) that the item did not allow.
 */
export function unallowedEquivalents(catalog: Catalog, allowed: readonly string[], operation: Operation): CatalogModel[] {
  const candidates: string[] = [];
  for (const id of allowed) for (const equivalent of catalog.models.find((model) => model.id === id)?.equivalents ?? []) candidates.push(equivalent);
  return modelsFor(catalog, candidates.filter((id) => !allowed.includes(id)), operation);
}

/** The catalog lane with this id, if it is still in the catalog. */
export function laneById(catalog: Catalog, laneId: string): CatalogLane | undefined {
  return catalog.lanes.find((lane) => lane.id === laneId);
}
