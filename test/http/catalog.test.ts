/** The public catalog: models with their prices and enabled lanes, and providers, without a key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, registerOrg, startTestServer, type ApiResponse, type TestServer } from '../helpers/server.ts';

interface ModelLane {
  id: string;
  provider: string;
  mode: string;
  region: string;
  zero_data_retention: boolean;
  self_hosted: boolean;
  input_per_million: string;
  output_per_million: string;
  expected_turnaround_seconds: number;
}

interface Model {
  id: string;
  provider: string;
  display_name: string;
  operations: string[];
  pricing: { currency: string; input_per_million: string; output_per_million: string };
  lanes: ModelLane[];
}

interface Provider {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  lanes: string[];
}

const SANDBOX_LANES = ['sandbox-batch-us', 'sandbox-batch-eu', 'sandbox-sync-us', 'sandbox-sync-apac', 'sandbox-self-hosted-eu'];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.stop());

const models = (query = '') => server.request<{ data: Model[] }>('GET', `/v1/catalog/models${query}`);
const ids = (response: ApiResponse<{ data: Model[] }>) => response.body.data.map((model) => model.id);
const details = (response: ApiResponse) => (response.body as { error: { details?: unknown[] } }).error.details;

describe('GET /v1/catalog/models', () => {
  it('answers without a key, and ignores a key that is sent', async () => {
    const anonymous = await models();
    expect(anonymous.status).toBe(200);
    expect(ids(anonymous)).toEqual(['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano', 'text-embedding-3-small', 'claude-sonnet-4-5', 'claude-haiku-4-5']);
    const { key } = await registerOrg(server);
    expect((await server.request('GET', '/v1/catalog/models', { key })).body).toEqual(anonymous.body);
    expect((await server.request('GET', '/v1/catalog/models', { key: 'br_live_not-a-key' })).status).toBe(200);
  });

  it('shows list prices and per-lane discounted prices as exact decimal strings', async () => {
    const gpt = (await models()).body.data.find((model) => model.id === 'gpt-5.4');
    expect(gpt).toMatchObject({
      provider: 'openai',
      display_name: 'GPT-5.4',
      operations: ['responses', 'chat.completions'],
      pricing: { currency: 'usd', input_per_million: '1.25', output_per_million: '10.00' },
    });
    expect(gpt?.lanes.find((lane) => lane.id === 'sandbox-batch-us')).toEqual({
      id: 'sandbox-batch-us',
      provider: 'sandbox',
      mode: 'batch',
      region: 'us',
      zero_data_retention: false,
      self_hosted: false,
      input_per_million: '0.625',
      output_per_million: '5.00',
      expected_turnaround_seconds: 3600,
    });
    expect(gpt?.lanes.find((lane) => lane.id === 'sandbox-self-hosted-eu')).toMatchObject({ self_hosted: true, zero_data_retention: true, input_per_million: '1.00', output_per_million: '8.00' });
    const embedding = (await models('?operation=embeddings')).body.data[0];
    expect(embedding?.pricing).toEqual({ currency: 'usd', input_per_million: '0.02', output_per_million: '0.00' });
    expect(embedding?.lanes.find((lane) => lane.id === 'sandbox-batch-eu')?.input_per_million).toBe('0.01');
  });

  it('lists the enabled sandbox lanes for every model, and no lane of an unconfigured provider', async () => {
    for (const model of (await models()).body.data) expect(model.lanes.map((lane) => lane.id)).toEqual(SANDBOX_LANES);
  });

  it('filters by operation and by provider, alone or together', async () => {
    expect(ids(await models('?operation=embeddings'))).toEqual(['text-embedding-3-small']);
    expect(ids(await models('?provider=anthropic'))).toEqual(['claude-sonnet-4-5', 'claude-haiku-4-5']);
    expect(ids(await models('?provider=openai&operation=chat.completions'))).toEqual(['gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano']);
    expect(ids(await models('?provider=anthropic&operation=embeddings'))).toEqual([]);
    // The sandbox simulates other providers' models and owns none.
    expect(ids(await models('?provider=sandbox'))).toEqual([]);
  });

  it('refuses an unknown operation, provider or parameter with 400 and every problem in details', async () => {
    const response = await models('?operation=images&provider=mistral&sort=price');
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('invalid_request');
    expect(details(response)).toEqual(
      expect.arrayContaining([
        { path: 'query.operation', message: expect.any(String) },
        { path: 'query.provider', message: expect.any(String) },
        { path: 'query.sort', message: 'is not a known field' },
      ]),
    );
    expect(details(response)).toHaveLength(3);
  });
});

describe('GET /v1/catalog/providers', () => {
  it('answers without a key: the sandbox enabled with its lanes, unconfigured providers disabled', async () => {
    const response = await server.request<{ data: Provider[] }>('GET', '/v1/catalog/providers');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual([
      { id: 'sandbox', name: 'BatchRouter sandbox (simulated)', kind: 'sandbox', enabled: true, lanes: SANDBOX_LANES },
      { id: 'openai', name: 'OpenAI', kind: 'openai', enabled: false, lanes: [] },
      { id: 'anthropic', name: 'Anthropic', kind: 'anthropic', enabled: false, lanes: [] },
    ]);
  });
});

describe('the API reference', () => {
  it('documents both endpoints as public, with the filters and their allowed values', async () => {
    const response = await server.request<{ paths: Record<string, { get?: { security?: unknown; parameters?: { name: string; schema: { enum?: string[] } }[] } }> }>('GET', '/openapi.json');
    const list = response.body.paths['/v1/catalog/models']?.get;
    expect(list?.security).toBeUndefined();
    expect(list?.parameters?.map((p) => [p.name, p.schema.enum])).toEqual([
      ['operation', ['responses', 'chat.completions', 'embeddings']],
      ['provider', ['sandbox', 'openai', 'anthropic']],
    ]);
    expect(response.body.paths['/v1/catalog/providers']?.get?.security).toBeUndefined();
  });
});

describe('with the sandbox turned off (BATCHROUTER_SANDBOX=false)', () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await startTestServer({ sandbox: false });
  });
  afterAll(async () => production?.stop());

  it('still lists every model and its list price, with no enabled lane', async () => {
    const response = await production.request<{ data: Model[] }>('GET', '/v1/catalog/models');
    expect(response.body.data).toHaveLength(6);
    for (const model of response.body.data) expect(model.lanes).toEqual([]);
    expect(response.body.data[0]?.pricing.input_per_million).toBe('1.25');
  });

  it('shows every provider disabled', async () => {
    const response = await production.request<{ data: Provider[] }>('GET', '/v1/catalog/providers');
    expect(response.body.data.map((provider) => [provider.id, provider.enabled, provider.lanes])).toEqual([
      ['sandbox', false, []],
      ['openai', false, []],
      ['anthropic', false, []],
    ]);
  });
});
