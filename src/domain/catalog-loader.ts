/**
 * Reads the catalog file the operator edits (catalog/catalog.json by default) into the Catalog of
 * catalog.ts: prices from decimal dollars to integer micro-USD, `"models": ["*"]` expanded. A bad
 * file throws a CatalogError naming every problem (shape and references together) with its JSON
 * path, so the operator fixes it in one pass instead of one restart per typo.
 * @example const catalog = await loadCatalog('catalog/catalog.json');
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { Type, type Static } from 'typebox';
import { parseUsd } from '../money.ts';
import { OPERATIONS, REGIONS, type Catalog, type CatalogLane, type CatalogModel, type LaneLimits, type LaneMode, type ProviderKind } from './catalog.ts';
import { isRecord } from './records.ts';

const PROVIDER_KINDS = ['sandbox', 'openai', 'anthropic', 'openai_compatible'] as const satisfies readonly ProviderKind[];
const LANE_MODES = ['batch', 'sync'] as const satisfies readonly LaneMode[];

/** In a lane's `models`, every model its provider can run (for a sandbox lane: every model). */
const EVERY_MODEL = '*';

// Each pattern carries a description: a failed match is reported as "must be <description>".
const Id = (what: string) =>
  Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', description: `a ${what} id: lower-case letters, digits, ".", "_" or "-", at most 64 characters` });
const MODEL_ID = '[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}';
const ModelId = Type.String({ pattern: `^${MODEL_ID}$`, description: 'a model id as its provider spells it: letters, digits, ".", "_", ":", "/" or "-"' });
const LaneModel = Type.String({ pattern: `^(\\*|${MODEL_ID})$`, description: 'a model id, or "*" for every model the lane\'s provider can run' });
// At most $99,999.999999 per million tokens: parseUsd reads every such amount, and a price times
// a discount in basis points stays below 2^53, so price arithmetic is exact.
const Price = Type.String({ pattern: '^\\d{1,5}(\\.\\d{1,6})?$', description: 'US dollars per million tokens as a decimal string, such as "1.25", below 100000 with at most 6 decimals' });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const BasisPoints = Type.Integer({ minimum: 0, maximum: 10_000 });
const Tokens = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const Positive = Type.Integer({ minimum: 1 });
const strict = { additionalProperties: false } as const;

const BaseUrl = Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048, description: 'an http:// or https:// URL' });
const ProviderEntry = Type.Object({ id: Id('provider'), name: Name, kind: Type.Enum(PROVIDER_KINDS), base_url: Type.Optional(BaseUrl) }, strict);

const LaneLimitsEntry = Type.Object(
  {
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    requests_per_minute: Type.Optional(Positive),
    tokens_per_minute: Type.Optional(Positive),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600 })),
  },
  strict,
);

/** What a lane may do when its catalog entry says nothing: modest, and well within any provider's default tier. */
export const DEFAULT_LANE_LIMITS: LaneLimits = { concurrency: 16, requests_per_minute: null, tokens_per_minute: null, timeout_seconds: 600 };

const ModelEntry = Type.Object(
  {
    id: ModelId,
    provider: Id('provider'),
    display_name: Name,
    operations: Type.Array(Type.Enum(OPERATIONS), { minItems: 1, uniqueItems: true }),
    input_per_million: Price,
    output_per_million: Price,
    expected_output_tokens: Tokens,
    default_max_output_tokens: Tokens,
    equivalents: Type.Array(ModelId, { uniqueItems: true }),
  },
  strict,
);

const LaneEntry = Type.Object(
  {
    id: Id('lane'),
    provider: Id('provider'),
    mode: Type.Enum(LANE_MODES),
    region: Type.Enum(REGIONS),
    models: Type.Array(LaneModel, { minItems: 1, uniqueItems: true }),
    discount_bps: BasisPoints,
    zero_data_retention: Type.Boolean(),
    self_hosted: Type.Boolean(),
    expected_turnaround_seconds: Positive,
    max_items_per_job: Positive,
    max_bytes_per_job: Positive,
    limits: Type.Optional(LaneLimitsEntry),
  },
  strict,
);

/** The file as the operator writes it. */
const CatalogFile = Type.Object(
  {
    notes: Type.Optional(Type.String()),
    platform_fee_bps: BasisPoints,
    providers: Type.Array(ProviderEntry, { minItems: 1 }),
    models: Type.Array(ModelEntry, { minItems: 1 }),
    lanes: Type.Array(LaneEntry),
  },
  strict,
);
type CatalogFile = Static<typeof CatalogFile>;

const validateFile = new Ajv({ allErrors: true, verbose: true, strict: false }).compile<CatalogFile>(CatalogFile);

/** Thrown when the catalog file cannot be used; `problems` holds one line per problem. */
export class CatalogError extends Error {
  override name = 'CatalogError';
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    super(`the catalog ${file} cannot be used:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** `/lanes/2/models/0` → `lanes[2].models[0]`. */
function pathOf(instancePath: string): string {
  let out = '';
  for (const segment of instancePath.split('/').slice(1)) {
    const name = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(name) ? `[${name}]` : out === '' ? name : `.${name}`;
  }
  return out;
}

function describeShapeProblem(error: ErrorObject): string {
  const at = pathOf(error.instancePath);
  const child = (name: unknown) => (at === '' ? String(name) : `${at}.${String(name)}`);
  const where = at === '' ? 'catalog' : at;
  switch (error.keyword) {
    case 'required':
      return `${child(error.params['missingProperty'])}: is required`;
    case 'additionalProperties':
      return `${child(error.params['additionalProperty'])}: is not a known field`;
    case 'enum':
      return `${where}: must be one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`;
    case 'pattern': {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return `${where}: must be ${description ?? `text matching ${String(error.params['pattern'])}`}`;
    }
    default:
      return `${where}: ${error.message ?? 'is not valid'}`;
  }
}

type Entry = { path: string; fields: Record<string, unknown> };


// The reference checks read the document before knowing its shape is right, so that a file with
// both kinds of problem lists them all at once: every access below tolerates any shape.
function entriesOf(document: unknown, list: 'providers' | 'models' | 'lanes'): Entry[] {
  const value = isRecord(document) ? document[list] : undefined;
  if (!Array.isArray(value)) return [];
  return value.flatMap((fields: unknown, index) => (isRecord(fields) ? [{ path: `${list}[${index}]`, fields }] : []));
}

function textOf(entry: Entry, field: string): string | undefined {
  const value = entry.fields[field];
  return typeof value === 'string' ? value : undefined;
}

function textsOf(entry: Entry, field: string): [number, string][] {
  const value = entry.fields[field];
  return Array.isArray(value) ? value.flatMap((item: unknown, index): [number, string][] => (typeof item === 'string' ? [[index, item]] : [])) : [];
}

function duplicateIdProblems(entries: Entry[]): string[] {
  const firstPath = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const id = textOf(entry, 'id');
    if (id === undefined) continue;
    const first = firstPath.get(id);
    if (first === undefined) firstPath.set(id, entry.path);
    else problems.push(`${entry.path}.id: ${id} is already the id of ${first}`);
  }
  return problems;
}

/** Each entry's `field`, by id; of entries sharing an id (already a problem), the first. */
function fieldById(entries: Entry[], field: string): Map<string, string | undefined> {
  const byId = new Map<string, string | undefined>();
  for (const entry of entries) {
    const id = textOf(entry, 'id');
    if (id !== undefined && !byId.has(id)) byId.set(id, textOf(entry, field));
  }
  return byId;
}

interface References {
  kindOfProvider: Map<string, string | undefined>;
  providerOfModel: Map<string, string | undefined>;
}

function modelProblems(model: Entry, { kindOfProvider, providerOfModel }: References): string[] {
  const problems: string[] = [];
  const id = textOf(model, 'id');
  const provider = textOf(model, 'provider');
  if (provider !== undefined && !kindOfProvider.has(provider)) problems.push(`${model.path}.provider: unknown provider ${provider}`);
  for (const [index, equivalent] of textsOf(model, 'equivalents')) {
    if (equivalent === id) problems.push(`${model.path}.equivalents[${index}]: a model cannot stand in for itself`);
    else if (!providerOfModel.has(equivalent)) problems.push(`${model.path}.equivalents[${index}]: unknown model ${equivalent}`);
  }
  const expected = model.fields['expected_output_tokens'];
  const maximum = model.fields['default_max_output_tokens'];
  if (typeof expected === 'number' && typeof maximum === 'number' && expected > maximum) {
    problems.push(`${model.path}.expected_output_tokens: must not exceed default_max_output_tokens (${maximum})`);
  }
  return problems;
}

function laneProblems(lane: Entry, { kindOfProvider, providerOfModel }: References): string[] {
  const problems: string[] = [];
  const listed = textsOf(lane, 'models');
  if (listed.length > 1 && listed.some(([, model]) => model === EVERY_MODEL)) {
    problems.push(`${lane.path}.models: "${EVERY_MODEL}" must be the only entry`);
  }
  for (const [index, model] of listed) {
    if (model !== EVERY_MODEL && !providerOfModel.has(model)) problems.push(`${lane.path}.models[${index}]: unknown model ${model}`);
  }
  const provider = textOf(lane, 'provider');
  if (provider === undefined) return problems;
  if (!kindOfProvider.has(provider)) return [...problems, `${lane.path}.provider: unknown provider ${provider}`];
  // A sandbox simulates any provider's models; a real provider's lane runs only its own.
  if (kindOfProvider.get(provider) === 'sandbox') return problems;
  for (const [index, model] of listed) {
    const owner = providerOfModel.get(model);
    if (model === EVERY_MODEL && ![...providerOfModel.values()].includes(provider)) {
      problems.push(`${lane.path}.models[${index}]: provider ${provider} has no models in the catalog`);
    } else if (owner !== undefined && owner !== provider) {
      problems.push(`${lane.path}.models[${index}]: ${model} is a model of ${owner}; lanes of ${provider} run only ${provider}'s models`);
    }
  }
  return problems;
}

function referenceProblems(document: unknown): string[] {
  const providers = entriesOf(document, 'providers');
  const models = entriesOf(document, 'models');
  const lanes = entriesOf(document, 'lanes');
  const references: References = { kindOfProvider: fieldById(providers, 'kind'), providerOfModel: fieldById(models, 'provider') };
  return [
    ...duplicateIdProblems(providers),
    ...duplicateIdProblems(models),
    ...duplicateIdProblems(lanes),
    ...models.flatMap((model) => modelProblems(model, references)),
    ...lanes.flatMap((lane) => laneProblems(lane, references)),
  ];
}

const SECTION_ORDER = ['providers', 'models', 'lanes'];

/** Problems in the order of the file: top-level fields, then each provider, model and lane by index. */
function inDocumentOrder(problems: string[]): string[] {
  const position = (problem: string): [number, number] => {
    const match = /^(\w+)(?:\[(\d+)\])?/.exec(problem);
    return [SECTION_ORDER.indexOf(match?.[1] ?? '') + 1, Number(match?.[2] ?? -1)];
  };
  return problems.toSorted((a, b) => {
    const [sectionA, indexA] = position(a);
    const [sectionB, indexB] = position(b);
    return sectionA - sectionB || indexA - indexB;
  });
}

/** The price pattern of the schema admits only amounts parseUsd reads. */
function micros(price: string): number {
  const value = parseUsd(price);
  if (value === null) throw new Error(`price ${price} passed the catalog schema but not parseUsd`);
  return value;
}

function toCatalog(file: CatalogFile): Catalog {
  const kindOfProvider = new Map(file.providers.map((provider) => [provider.id, provider.kind]));
  const models: CatalogModel[] = file.models.map((model) => ({
    id: model.id,
    provider: model.provider,
    display_name: model.display_name,
    operations: model.operations,
    input_micros_per_million: micros(model.input_per_million),
    output_micros_per_million: micros(model.output_per_million),
    expected_output_tokens: model.expected_output_tokens,
    default_max_output_tokens: model.default_max_output_tokens,
    equivalents: model.equivalents,
  }));
  const lanes: CatalogLane[] = file.lanes.map((lane) => {
    const runsAnyModel = kindOfProvider.get(lane.provider) === 'sandbox';
    const expanded = models.filter((model) => runsAnyModel || model.provider === lane.provider).map((model) => model.id);
    return {
      ...lane,
      models: lane.models[0] === EVERY_MODEL ? expanded : lane.models,
      limits: {
        concurrency: lane.limits?.concurrency ?? DEFAULT_LANE_LIMITS.concurrency,
        requests_per_minute: lane.limits?.requests_per_minute ?? null,
        tokens_per_minute: lane.limits?.tokens_per_minute ?? null,
        timeout_seconds: lane.limits?.timeout_seconds ?? DEFAULT_LANE_LIMITS.timeout_seconds,
      },
    };
  });
  const providers = file.providers.map((provider) => ({ ...provider, base_url: provider.base_url ?? null }));
  return { platform_fee_bps: file.platform_fee_bps, providers, models, lanes };
}

/** Checks a parsed catalog document; `file` only names it in the error. Throws CatalogError listing every problem. */
function parseCatalog(document: unknown, file: string): Catalog {
  const shapeValid = validateFile(document);
  const problems = [...(shapeValid ? [] : (validateFile.errors ?? []).map(describeShapeProblem)), ...referenceProblems(document)];
  if (!shapeValid || problems.length > 0) throw new CatalogError(file, inDocumentOrder([...new Set(problems)]));
  return toCatalog(document);
}

/** Reads and checks the catalog file. Throws CatalogError when it is missing, not JSON, or invalid. */
export async function loadCatalog(filePath: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    throw new CatalogError(filePath, [`cannot be read: ${(error as Error).message}`]);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(filePath, [`is not valid JSON: ${(error as Error).message}`]);
  }
  return parseCatalog(document, filePath);
}
