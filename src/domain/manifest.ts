/**
 * The manifest (seed 002): what a customer sends to quote or submit a batch, and the checks a
 * JSON schema cannot express (known models, unique ids, inputs that fit the operation). Every
 * problem is reported with its path, so one 400 lists them all.
 */
import type { Catalog, CatalogModel, Operation, Region } from './catalog.ts';
import type { ErrorDetail } from './errors.ts';
import { MAX_OUTPUT_LIMIT, OUTPUT_LIMIT_FIELDS } from './tokens.ts';

export const SLA_TIERS = ['flex', 'standard', 'priority'] as const;
export type SlaTier = (typeof SLA_TIERS)[number];
export const ROUTING_MODES = ['cheapest', 'sla_aware', 'fastest'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];
export const PRIVACY_TIERS = ['standard', 'zero_retention', 'self_hosted'] as const;
export type PrivacyTier = (typeof PRIVACY_TIERS)[number];

/** How long each SLA tier allows, from submission to `sla_deadline`. */
export const SLA_WINDOW_SECONDS: Record<SlaTier, number> = { flex: 48 * 3600, standard: 24 * 3600, priority: 3600 };

export const MAX_INLINE_ITEMS = 100_000;

export interface ManifestItem {
  customer_item_id: string;
  operation: Operation;
  model: string;
  model_options?: string[];
  input: Record<string, unknown>;
}

export interface Manifest {
  sla_tier?: SlaTier;
  routing_mode?: RoutingMode;
  privacy_tier?: PrivacyTier;
  allowed_regions?: string[];
  items: ManifestItem[];
}

/** A manifest with its defaults applied and its models resolved: what routing works on. */
export interface CheckedManifest {
  slaTier: SlaTier;
  routingMode: RoutingMode;
  privacyTier: PrivacyTier;
  /** null means any region ("global"). */
  regions: Region[] | null;
  items: CheckedItem[];
}

export interface CheckedItem {
  index: number;
  customerItemId: string;
  operation: Operation;
  /** The preferred model, first, then the other acceptable ones in the order given. */
  models: CatalogModel[];
  input: Record<string, unknown>;
}

const REGION_NAMES: readonly string[] = ['us', 'eu', 'apac'];

function checkRegions(allowed: string[] | undefined, problems: ErrorDetail[]): Region[] | null {
  if (allowed === undefined || (allowed.length === 1 && allowed[0] === 'global')) return null;
  if (allowed.length === 0) {
    problems.push({ path: 'allowed_regions', message: 'must name at least one region, or be ["global"]' });
    return null;
  }
  const regions: Region[] = [];
  allowed.forEach((region, i) => {
    if (region === 'global') problems.push({ path: `allowed_regions[${i}]`, message: '"global" stands alone: it already allows every region' });
    else if (!REGION_NAMES.includes(region)) problems.push({ path: `allowed_regions[${i}]`, message: `unknown region ${region}: use us, eu, apac or global` });
    else regions.push(region as Region);
  });
  return regions;
}

function hasMessages(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** The body keys each operation needs, checked loosely: the provider validates the rest. */
function checkInput(item: ManifestItem, index: number, problems: ErrorDetail[]): void {
  const input = item.input;
  if ('model' in input) problems.push({ path: `items[${index}].input.model`, message: 'set the model with model and model_options, not inside input' });
  for (const name of OUTPUT_LIMIT_FIELDS) {
    const limit = input[name];
    if (limit !== undefined && !(typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= MAX_OUTPUT_LIMIT)) {
      problems.push({ path: `items[${index}].input.${name}`, message: `must be a whole number from 1 to ${MAX_OUTPUT_LIMIT}` });
    }
  }
  if (item.operation === 'embeddings') {
    const text = input['input'];
    const ok = typeof text === 'string' ? text.length > 0 : Array.isArray(text) && text.length > 0 && text.every((t) => typeof t === 'string');
    if (!ok) problems.push({ path: `items[${index}].input.input`, message: 'embeddings need input: a non-empty string or array of strings' });
    return;
  }
  if (item.operation === 'chat.completions') {
    if (!hasMessages(input['messages'])) problems.push({ path: `items[${index}].input.messages`, message: 'chat.completions needs a non-empty messages array' });
    return;
  }
  const text = input['input'];
  const ok = (typeof text === 'string' && text.length > 0) || hasMessages(text) || hasMessages(input['messages']);
  if (!ok) problems.push({ path: `items[${index}].input.input`, message: 'responses need input: a string or a non-empty array of messages (messages is accepted too)' });
}

/** The catalog models an item names (preferred first, repeats skipped), with a problem for each it cannot use. */
function resolveModels(item: ManifestItem, index: number, modelsById: ReadonlyMap<string, CatalogModel>, problems: ErrorDetail[]): CatalogModel[] {
  const models: CatalogModel[] = [];
  const options = item.model_options ?? [];
  for (let i = -1; i < options.length; i++) {
    const name = i === -1 ? item.model : (options[i] as string);
    if (i >= 0 && (name === item.model || options.indexOf(name) < i)) continue;
    const model = modelsById.get(name);
    const where = i === -1 ? `items[${index}].model` : `items[${index}].model_options[${i}]`;
    if (!model) problems.push({ path: where, message: `unknown model ${name}: see GET /v1/catalog/models` });
    else if (!model.operations.includes(item.operation)) problems.push({ path: where, message: `${name} does not support ${item.operation}` });
    else models.push(model);
  }
  return models;
}

/**
 * Applies defaults and checks everything about a manifest that does not depend on lanes.
 * Returns the checked manifest, or every problem found.
 */
export function checkManifest(manifest: Manifest, catalog: Catalog): { manifest: CheckedManifest } | { problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const regions = checkRegions(manifest.allowed_regions, problems);
  const modelsById = new Map(catalog.models.map((model) => [model.id, model]));
  const seen = new Map<string, number>();
  // Items that name the same models for the same operation share one resolved list: most
  // manifests name a handful, and routing works out the lanes once per list.
  const lists = new Map<Operation, Map<string, CatalogModel[]>>();
  const items = new Array<CheckedItem>(manifest.items.length);
  for (let index = 0; index < manifest.items.length; index++) {
    const item = manifest.items[index] as ManifestItem;
    // Paths are only written for problems: most manifests have none, and some have 100,000 items.
    const earlier = seen.get(item.customer_item_id);
    if (earlier !== undefined) {
      problems.push({ path: `items[${index}].customer_item_id`, message: `duplicates items[${earlier}].customer_item_id (${item.customer_item_id})` });
    } else {
      seen.set(item.customer_item_id, index);
    }
    let ofOperation = lists.get(item.operation);
    if (ofOperation === undefined) lists.set(item.operation, (ofOperation = new Map()));
    // Names hold no control characters (the schema's pattern), so a newline separates them.
    const key = item.model_options === undefined ? item.model : `${item.model}\n${item.model_options.join('\n')}`;
    let models = ofOperation.get(key);
    if (models === undefined) {
      const before = problems.length;
      models = resolveModels(item, index, modelsById, problems);
      // A list with problems is resolved again for every item, so that each gets its own.
      if (problems.length === before) ofOperation.set(key, models);
    }
    checkInput(item, index, problems);
    items[index] = { index, customerItemId: item.customer_item_id, operation: item.operation, models, input: item.input };
  }
  if (problems.length > 0) return { problems };
  return {
    manifest: {
      slaTier: manifest.sla_tier ?? 'standard',
      routingMode: manifest.routing_mode ?? 'sla_aware',
      privacyTier: manifest.privacy_tier ?? 'standard',
      regions,
      items,
    },
  };
}
