/** The catalog file: the shipped defaults load, a broken file names every problem, prices are exact. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Catalog } from '../../src/domain/catalog.ts';
import { discountedMicros, enabledLanes, lanePrice, listModels } from '../../src/domain/catalog-lanes.ts';
import { CatalogError, loadCatalog } from '../../src/domain/catalog-loader.ts';

const SHIPPED = loadConfig({}).catalogFile;
let directory: string;
let shipped: Catalog;
let shippedDocument: Record<string, unknown>;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'br-catalog-'));
  shipped = await loadCatalog(SHIPPED);
  shippedDocument = JSON.parse(await readFile(SHIPPED, 'utf8')) as Record<string, unknown>;
});
afterAll(async () => rm(directory, { recursive: true, force: true }));

async function writeCatalog(name: string, content: unknown): Promise<string> {
  const file = path.join(directory, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function problemsOf(file: string): Promise<string[]> {
  const error: unknown = await loadCatalog(file).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof CatalogError)) throw new Error(`expected a CatalogError, got ${String(error)}`);
  expect(error.message).toContain(file);
  for (const problem of error.problems) expect(error.message).toContain(problem);
  return error.problems;
}

const model = (id: string, provider: string, extra: Record<string, unknown> = {}) => ({
  id,
  provider,
  display_name: id,
  operations: ['responses'],
  input_per_million: '1.00',
  output_per_million: '2.00',
  expected_output_tokens: 100,
  default_max_output_tokens: 500,
  equivalents: [],
  ...extra,
});

const lane = (id: string, provider: string, models: string[], extra: Record<string, unknown> = {}) => ({
  id,
  provider,
  mode: 'batch',
  region: 'us',
  models,
  discount_bps: 5000,
  zero_data_retention: false,
  self_hosted: false,
  expected_turnaround_seconds: 3600,
  max_items_per_job: 1000,
  max_bytes_per_job: 1_000_000,
  ...extra,
});

describe('the shipped catalog', () => {
  it('is found from the code, whatever the working directory', () => {
    expect(SHIPPED).toBe(path.resolve(import.meta.dirname, '../../catalog/catalog.json'));
  });

  it('loads with the sandbox, OpenAI and Anthropic, and the seed models', () => {
    expect(shipped.providers.map((p) => [p.id, p.kind])).toEqual([
      ['sandbox', 'sandbox'],
      ['openai', 'openai'],
      ['anthropic', 'anthropic'],
    ]);
    expect(shipped.models.map((m) => m.id)).toEqual(
      expect.arrayContaining(['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano', 'text-embedding-3-small', 'claude-sonnet-4-5', 'claude-haiku-4-5']),
    );
    expect(shipped.platform_fee_bps).toBe(500);
  });

  it('holds prices as exact micro-USD per million tokens', () => {
    const byId = new Map(shipped.models.map((m) => [m.id, m]));
    expect(byId.get('gpt-5.4')).toMatchObject({ input_micros_per_million: 1_250_000, output_micros_per_million: 10_000_000, equivalents: ['gpt-5.4-mini'] });
    expect(byId.get('gpt-5.4-mini')).toMatchObject({ input_micros_per_million: 250_000, output_micros_per_million: 2_000_000 });
    expect(byId.get('gpt-5.4-nano')).toMatchObject({ input_micros_per_million: 50_000, output_micros_per_million: 400_000 });
    expect(byId.get('text-embedding-3-small')).toMatchObject({
      operations: ['embeddings'],
      input_micros_per_million: 20_000,
      output_micros_per_million: 0,
      expected_output_tokens: 0,
      default_max_output_tokens: 0,
    });
    expect(byId.get('claude-sonnet-4-5')).toMatchObject({ input_micros_per_million: 3_000_000, output_micros_per_million: 15_000_000, equivalents: ['claude-haiku-4-5'] });
  });

  it('runs every model on every sandbox lane, and only its own models on a real provider lane', () => {
    const everyModel = shipped.models.map((m) => m.id);
    const sandboxLanes = shipped.lanes.filter((l) => l.provider === 'sandbox');
    expect(sandboxLanes.map((l) => l.id)).toEqual(['sandbox-batch-us', 'sandbox-batch-eu', 'sandbox-sync-us', 'sandbox-sync-apac', 'sandbox-self-hosted-eu']);
    for (const sandboxLane of sandboxLanes) expect(sandboxLane.models).toEqual(everyModel);
    const providerOf = new Map(shipped.models.map((m) => [m.id, m.provider]));
    for (const realLane of shipped.lanes.filter((l) => l.provider !== 'sandbox')) {
      expect(realLane.models.length).toBeGreaterThan(0);
      for (const id of realLane.models) expect(providerOf.get(id)).toBe(realLane.provider);
    }
    expect(shipped.lanes.find((l) => l.id === 'sandbox-self-hosted-eu')).toMatchObject({ mode: 'sync', region: 'eu', self_hosted: true, zero_data_retention: true, discount_bps: 2000 });
    expect(shipped.lanes.find((l) => l.id === 'anthropic-batch-us')).toMatchObject({ discount_bps: 5000, max_items_per_job: 100_000, max_bytes_per_job: 268_435_456 });
  });
});

describe('a broken catalog', () => {
  it('lists every problem, shape and references together, each with its JSON path, in file order', async () => {
    const file = await writeCatalog('broken.json', {
      platform_fee_bps: 500,
      providers: [
        { id: 'sandbox', name: 'Sandbox', kind: 'sandbox' },
        { id: 'openai', name: 'OpenAI', kind: 'openai' },
        { id: 'anthropic', name: 'Anthropic', kind: 'anthropic' },
        { id: 'openai', name: 'Again', kind: 'azure' },
      ],
      models: [
        model('gpt-5.4', 'openai', { equivalents: ['gpt-5.4', 'gpt-4o'] }),
        model('claude-haiku-4-5', 'anthropic', { input_per_million: '$1', operations: ['responses', 'images'] }),
        model('mistral-large', 'mistral', { expected_output_tokens: 900, colour: 'blue', output_per_million: '100000' }),
      ],
      lanes: [
        lane('sandbox-batch-us', 'sandbox', ['*']),
        lane('openai-batch-us', 'openai', ['gpt-5.4', 'claude-haiku-4-5'], { discount_bps: 12000 }),
        lane('x-batch-us', 'openai', ['gpt-9', '*'], { region: 'mars' }),
        lane('sandbox-batch-us', 'nowhere', ['gpt-5.4']),
      ],
    });
    expect(await problemsOf(file)).toEqual([
      'providers[3].kind: must be one of sandbox, openai, anthropic, openai_compatible',
      'providers[3].id: openai is already the id of providers[1]',
      'models[0].equivalents[0]: a model cannot stand in for itself',
      'models[0].equivalents[1]: unknown model gpt-4o',
      'models[1].operations[1]: must be one of responses, chat.completions, embeddings',
      'models[1].input_per_million: must be US dollars per million tokens as a decimal string, such as "1.25", below 100000 with at most 6 decimals',
      'models[2].colour: is not a known field',
      'models[2].output_per_million: must be US dollars per million tokens as a decimal string, such as "1.25", below 100000 with at most 6 decimals',
      'models[2].provider: unknown provider mistral',
      'models[2].expected_output_tokens: must not exceed default_max_output_tokens (500)',
      'lanes[1].discount_bps: must be <= 10000',
      "lanes[1].models[1]: claude-haiku-4-5 is a model of anthropic; lanes of openai run only openai's models",
      'lanes[2].region: must be one of us, eu, apac',
      'lanes[2].models: "*" must be the only entry',
      'lanes[2].models[0]: unknown model gpt-9',
      'lanes[3].id: sandbox-batch-us is already the id of lanes[0]',
      'lanes[3].provider: unknown provider nowhere',
    ]);
  });

  it('names missing fields, unknown fields and wrong types', async () => {
    const file = await writeCatalog('shape.json', {
      platform_fee_bps: -1,
      providers: [{ id: 'Sandbox!', name: '' }],
      models: [],
      lanes: 'none',
      comment: 'hello',
    });
    expect((await problemsOf(file)).toSorted()).toEqual(
      [
        'comment: is not a known field',
        'platform_fee_bps: must be >= 0',
        'providers[0].id: must be a provider id: lower-case letters, digits, ".", "_" or "-", at most 64 characters',
        'providers[0].name: must NOT have fewer than 1 characters',
        'providers[0].kind: is required',
        'models: must NOT have fewer than 1 items',
        'lanes: must be array',
      ].toSorted(),
    );
  });

  it('refuses a real provider lane of "*" when the provider has no models', async () => {
    const file = await writeCatalog('no-models.json', {
      platform_fee_bps: 0,
      providers: [
        { id: 'openai', name: 'OpenAI', kind: 'openai' },
        { id: 'groq', name: 'Groq', kind: 'openai_compatible' },
      ],
      models: [model('gpt-5.4', 'openai')],
      lanes: [lane('groq-sync-us', 'groq', ['*'], { mode: 'sync' })],
    });
    expect(await problemsOf(file)).toEqual(['lanes[0].models[0]: provider groq has no models in the catalog']);
  });

  it('says when the file is missing or is not JSON', async () => {
    expect(await problemsOf(path.join(directory, 'absent.json'))).toEqual([expect.stringMatching(/^cannot be read: ENOENT/)]);
    expect(await problemsOf(await writeCatalog('not-json.json', '{"providers": [,]}'))).toEqual([expect.stringMatching(/^is not valid JSON: /)]);
  });

  it('accepts an operator edit that keeps the file consistent', async () => {
    const edited = structuredClone(shippedDocument) as { models: { id: string; input_per_million: string }[] };
    const gpt = edited.models.find((m) => m.id === 'gpt-5.4');
    if (gpt === undefined) throw new Error('the shipped catalog lost gpt-5.4');
    gpt.input_per_million = '1.123457';
    const catalog = await loadCatalog(await writeCatalog('edited.json', edited));
    expect(catalog.models.find((m) => m.id === 'gpt-5.4')?.input_micros_per_million).toBe(1_123_457);
  });
});

describe('prices on lanes', () => {
  it('takes the discount off with integer arithmetic, rounding half up', () => {
    expect(discountedMicros(1_250_000, 5000)).toBe(625_000);
    expect(discountedMicros(1, 5000)).toBe(1); // 0.5 rounds up
    expect(discountedMicros(3, 5000)).toBe(2); // 1.5 rounds up
    expect(discountedMicros(1, 6000)).toBe(0); // 0.4 rounds down
    expect(discountedMicros(12_345, 2000)).toBe(9_876);
    expect(discountedMicros(999_999_999_999, 3333)).toBe(666_699_999_999); // 666,699,999,999.3333
    expect(discountedMicros(777, 0)).toBe(777);
    expect(discountedMicros(777, 10_000)).toBe(0);
  });

  it("prices each model on each lane from the model's list price and the lane's discount", () => {
    const gpt = shipped.models.find((m) => m.id === 'gpt-5.4');
    const batch = shipped.lanes.find((l) => l.id === 'sandbox-batch-us');
    const selfHosted = shipped.lanes.find((l) => l.id === 'sandbox-self-hosted-eu');
    if (!gpt || !batch || !selfHosted) throw new Error('the shipped catalog changed');
    expect(lanePrice(gpt, batch)).toEqual({ input_micros_per_million: 625_000, output_micros_per_million: 5_000_000 });
    expect(lanePrice(gpt, selfHosted)).toEqual({ input_micros_per_million: 1_000_000, output_micros_per_million: 8_000_000 });
  });
});

describe('enabled lanes', () => {
  it('are the sandbox lanes while the sandbox is on, and a real provider only once configured', () => {
    const none = new Set<string>();
    expect(enabledLanes(shipped, { sandbox: true, configuredProviders: none }).map((l) => l.provider)).toEqual(Array(5).fill('sandbox'));
    expect(enabledLanes(shipped, { sandbox: false, configuredProviders: none })).toEqual([]);
    expect(enabledLanes(shipped, { sandbox: false, configuredProviders: new Set(['openai']) }).map((l) => l.id)).toEqual(['openai-batch-us', 'openai-sync-us']);
  });

  it('list each model with the enabled lanes that run it', () => {
    const lanes = enabledLanes(shipped, { sandbox: false, configuredProviders: new Set(['anthropic']) });
    const listing = listModels(shipped, lanes, { provider: 'anthropic' });
    expect(listing.map((entry) => [entry.model.id, entry.lanes.map((l) => l.lane.id)])).toEqual([
      ['claude-sonnet-4-5', ['anthropic-batch-us', 'anthropic-sync-us']],
      ['claude-haiku-4-5', ['anthropic-batch-us', 'anthropic-sync-us']],
    ]);
  });
});
