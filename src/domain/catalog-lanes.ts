/**
 * Which catalog lanes this instance may use, what each charges, and the public listings of the
 * catalog built from them. Pure functions of the loaded catalog: nothing here reads a file.
 * @example const lanes = enabledLanes(catalog, { sandbox: true, configuredProviders: new Set() });
 */
import type { Catalog, CatalogLane, CatalogModel, CatalogProvider, Operation } from './catalog.ts';

const BPS = 10_000;

export interface LaneAvailability {
  /** Whether the simulated sandbox lanes are on (tests, demos). */
  sandbox: boolean;
  /** Ids of the real providers whose credentials are configured. */
  configuredProviders: ReadonlySet<string>;
}

/** The lanes work may be routed to: sandbox lanes when the sandbox is on, others when their provider is configured. */
export function enabledLanes(catalog: Catalog, availability: LaneAvailability): CatalogLane[] {
  const kindOf = new Map(catalog.providers.map((provider) => [provider.id, provider.kind]));
  return catalog.lanes.filter((lane) =>
    kindOf.get(lane.provider) === 'sandbox' ? availability.sandbox : availability.configuredProviders.has(lane.provider),
  );
}

/** `micros` less `discountBps` basis points, rounded half up to a whole micro-USD, exactly. */
export function discountedMicros(micros: number, discountBps: number): number {
  const kept = BPS - discountBps;
  // micros × kept may pass 2^53; splitting off the part below one basis-point unit keeps every
  // product exact: micros × kept / BPS = whole × kept + rest × kept / BPS.
  const whole = Math.floor(micros / BPS);
  const rest = micros % BPS;
  return whole * kept + Math.floor((rest * kept + BPS / 2) / BPS);
}

export interface LanePrice {
  input_micros_per_million: number;
  output_micros_per_million: number;
}

/** What `model` costs on `lane`, micro-USD per million tokens: its list price less the lane's discount. */
export function lanePrice(model: CatalogModel, lane: CatalogLane): LanePrice {
  return {
    input_micros_per_million: discountedMicros(model.input_micros_per_million, lane.discount_bps),
    output_micros_per_million: discountedMicros(model.output_micros_per_million, lane.discount_bps),
  };
}

export interface ModelListing {
  model: CatalogModel;
  /** The enabled lanes that run the model, in catalog order, with the model's price on each. */
  lanes: { lane: CatalogLane; price: LanePrice }[];
}

export interface ModelFilter {
  operation?: Operation;
  /** The provider the model belongs to (a sandbox simulates other providers' models and owns none). */
  provider?: string;
}

/** The catalog's models matching `filter`, each with the enabled lanes that run it. */
export function listModels(catalog: Catalog, lanes: readonly CatalogLane[], filter: ModelFilter = {}): ModelListing[] {
  return catalog.models
    .filter((model) => (filter.operation === undefined || model.operations.includes(filter.operation)) && (filter.provider === undefined || model.provider === filter.provider))
    .map((model) => ({
      model,
      lanes: lanes.filter((lane) => lane.models.includes(model.id)).map((lane) => ({ lane, price: lanePrice(model, lane) })),
    }));
}

export interface ProviderListing {
  provider: CatalogProvider;
  /** Ids of the provider's enabled lanes; a provider with none is not enabled. */
  lanes: string[];
}

/** Every provider of the catalog with its enabled lanes. */
export function listProviders(catalog: Catalog, lanes: readonly CatalogLane[]): ProviderListing[] {
  return catalog.providers.map((provider) => ({
    provider,
    lanes: lanes.filter((lane) => lane.provider === provider.id).map((lane) => lane.id),
  }));
}
