/** A provider that does not answer in time: each try is cut at the lane's timeout, tried again, then failed as retryable. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { Catalog } from '../../src/domain/catalog.ts';
import { makeRuntimeLanes } from '../../src/lanes/registry.ts';
import type { SyncLane } from '../../src/lanes/types.ts';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/index.ts';
import { catalogLane } from '../helpers/catalog.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

const CATALOG: Catalog = {
  platform_fee_bps: 0,
  providers: [{ id: 'openai', name: 'OpenAI', kind: 'openai', base_url: null }],
  models: [{ id: 'gpt-5.4-mini', provider: 'openai', display_name: 'mini', operations: ['responses'], input_micros_per_million: 1, output_micros_per_million: 1, expected_output_tokens: 1, default_max_output_tokens: 16, equivalents: [] }],
  lanes: [
    catalogLane({
      id: 'slow-sync',
      provider: 'openai',
      mode: 'sync',
      models: ['gpt-5.4-mini'],
      discount_bps: 0,
      expected_turnaround_seconds: 60,
      limits: { concurrency: 4, requests_per_minute: null, tokens_per_minute: null, timeout_seconds: 1 },
    }),
  ],
};

let openai: OpenAIEmulator;
let testDatabase: TestDatabase;
let lane: SyncLane;

beforeAll(async () => {
  openai = await startOpenAIEmulator({ latencyMs: 1_500 });
  testDatabase = await openTestDatabase();
  const lanes = makeRuntimeLanes(CATALOG, CATALOG.lanes, loadConfig({ OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.baseURL }), { db: testDatabase.database.db, clock: systemClock });
  lane = lanes.get('slow-sync') as SyncLane;
});
afterAll(async () => {
  await openai?.close();
  await testDatabase?.close();
});

describe('a provider slower than the lane\'s timeout', () => {
  it('is cut off at the timeout on every try, and the item fails as a retryable timeout', async () => {
    const result = await lane.call({ customId: '0-1', operation: 'responses', model: 'gpt-5.4-mini', body: { model: 'gpt-5.4-mini', input: 'Hello' }, estimatedTokens: 10 });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'timeout', retryable: true } });
    // Four tries, each abandoned at the lane's one-second timeout (the emulator takes 1.5 s).
    expect(openai.requests.filter((r) => r.path === '/v1/responses')).toHaveLength(4);
  }, 30_000);
});
