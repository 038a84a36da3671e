/**
 * `npm run bench -- sync-lane`: a sync lane against the OpenAI-compatible emulator answering every
 * call after a fixed 50 ms: items per second through the router (a batch of BENCH_SYNC_ITEMS
 * items, default 3000, from sending the submit to the batch's `finished_at`, the server in its own
 * process on an `openai_compatible` lane with concurrency 32) against the official `openai`
 * client calling the same emulator directly with the same bodies, 32 at a time, in the same run.
 * Goal: the router at ≥ 0.9 of the direct figure, on PGlite and on PostgreSQL. Both sides are
 * warmed up first (200 items each); then each runs BENCH_REPEATS times (default 3), interleaved,
 * on the same server; the figures are the medians.
 * The emulator runs in this process; the last line of stdout is one JSON object with every figure.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startOpenAIEmulator, type OpenAIEmulator } from '../test/emulators/openai/index.ts';
import { getJson, registerOrg, submitBatch, waitForCompletion } from './lib/batches.ts';
import { atLeast, countFromEnv, median, progressOf, round, timed } from './lib/report.ts';
import { withServerProcess } from './lib/server-process.ts';
import { forEachShape } from './lib/shapes.ts';

const GOAL_RATIO = 0.9;
const LATENCY_MS = 50;
const CONCURRENCY = 32;
const MODEL = 'llama-3.1-8b';
const COMPLETION_TIMEOUT_MS = 30 * 60_000;

const progress = progressOf('sync-lane');

const CATALOG = {
  platform_fee_bps: 500,
  providers: [{ id: 'local', name: 'Local OpenAI-compatible server', kind: 'openai_compatible' }],
  models: [
    {
      id: MODEL,
      provider: 'local',
      display_name: 'Llama 3.1 8B',
      operations: ['responses', 'chat.completions'],
      input_per_million: '0.10',
      output_per_million: '0.10',
      expected_output_tokens: 50,
      default_max_output_tokens: 256,
      equivalents: [],
    },
  ],
  lanes: [
    {
      id: 'local-sync',
      provider: 'local',
      mode: 'sync',
      region: 'us',
      models: ['*'],
      discount_bps: 0,
      zero_data_retention: true,
      self_hosted: true,
      expected_turnaround_seconds: 60,
      max_items_per_job: 50_000,
      max_bytes_per_job: 209_715_200,
      limits: { concurrency: CONCURRENCY },
    },
  ],
};

function bodies(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({ input: `Ticket ${i}: the customer asks where parcel #${100_000 + i} is. Answer in one line.`, max_output_tokens: 64 }));
}

/** The same requests through the official client, CONCURRENCY at a time: items per second. */
async function direct(emulator: OpenAIEmulator, inputs: Record<string, unknown>[]): Promise<number> {
  const client = new OpenAI({ apiKey: emulator.apiKey, baseURL: emulator.baseURL, maxRetries: 0 });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < inputs.length; i = next++) await client.post('/responses', { body: { ...inputs[i], model: MODEL } });
  };
  const run = await timed(() => Promise.all(Array.from({ length: CONCURRENCY }, worker)));
  return inputs.length / (run.ms / 1000);
}

/** The same requests as one batch through a router in its own process: items per second, submit to finished_at. */
async function throughRouter(url: string, key: string, inputs: Record<string, unknown>[], attempt: number): Promise<number> {
  const manifest = { routing_mode: 'fastest', items: inputs.map((input, i) => ({ customer_item_id: `item-${i}`, operation: 'responses', model: MODEL, input })) };
  const sentAt = Date.now();
  const submitted = await submitBatch(url, key, JSON.stringify(manifest), `sync-lane-${attempt}-${sentAt}`);
  await waitForCompletion(url, key, submitted.id, inputs.length, COMPLETION_TIMEOUT_MS);
  const batch = await getJson(`${url}/v1/batches/${submitted.id}`, key);
  return inputs.length / ((Date.parse(String(batch['finished_at'])) - sentAt) / 1000);
}

function routerEnv(emulator: OpenAIEmulator, env: Record<string, string>, catalogFile: string): Record<string, string> {
  return {
    ...env,
    BATCHROUTER_SANDBOX: 'false',
    BATCHROUTER_CATALOG_FILE: catalogFile,
    BATCHROUTER_STARTER_CREDITS_USD: '100000',
    LOCAL_BASE_URL: emulator.baseURL,
    LOCAL_API_KEY: emulator.apiKey,
  };
}

export async function run(): Promise<void> {
  const items = countFromEnv('BENCH_SYNC_ITEMS', 3_000, 100);
  const repeats = countFromEnv('BENCH_REPEATS', 3, 1);
  const directory = await mkdtemp(path.join(tmpdir(), 'br-bench-sync-'));
  const catalogFile = path.join(directory, 'catalog.json');
  await writeFile(catalogFile, JSON.stringify(CATALOG));
  const emulator = await startOpenAIEmulator({ latencyMs: LATENCY_MS });
  const inputs = bodies(items);
  try {
    console.log(`${items} responses items; the emulator answers after ${LATENCY_MS} ms; ${CONCURRENCY} calls at a time on both sides`);
    progress('warming up the direct client');
    await direct(emulator, inputs.slice(0, 200));
    const shapes = await forEachShape(async (shape) =>
      withServerProcess(routerEnv(emulator, shape.serverEnv, catalogFile), async (server) => {
        const key = await registerOrg(server.url);
        // The router is warmed up as the direct client is: one small batch first (its tokenizer
        // threads start, its code is compiled), so that the runs compare two warm clients.
        progress(`${shape.title}: warming up the router with a batch of 200 items`);
        await throughRouter(server.url, key, inputs.slice(0, 200), 0);
        const routerSamples: number[] = [];
        const directSamples: number[] = [];
        for (let attempt = 1; attempt <= repeats; attempt++) {
          progress(`${shape.title}: run ${attempt} of ${repeats}, direct client then the router`);
          directSamples.push(await direct(emulator, inputs));
          routerSamples.push(await throughRouter(server.url, key, inputs, attempt));
        }
        const routerPerSecond = median(routerSamples);
        const directPerSecond = median(directSamples);
        const ratio = routerPerSecond / directPerSecond;
        console.log(
          `${shape.title}: router ${round(routerPerSecond, 1)} items/s (${routerSamples.map((n) => round(n, 1)).join(', ')}), direct ${round(directPerSecond, 1)} items/s (${directSamples.map((n) => round(n, 1)).join(', ')}), ratio ${round(ratio, 3)} (goal ≥ ${GOAL_RATIO}: ${atLeast(ratio, GOAL_RATIO)})`,
        );
        return {
          router_items_per_second: round(routerPerSecond, 1),
          router_samples: routerSamples.map((n) => round(n, 1)),
          direct_items_per_second: round(directPerSecond, 1),
          direct_samples: directSamples.map((n) => round(n, 1)),
          ratio: round(ratio, 3),
        };
      }),
    );
    const ratio = Math.min(...Object.values(shapes).map((figures) => figures.ratio));
    console.log(`worst ratio router/direct: ${ratio} (goal ≥ ${GOAL_RATIO}: ${atLeast(ratio, GOAL_RATIO)})`);
    console.log(JSON.stringify({ items, repeats, latency_ms: LATENCY_MS, concurrency: CONCURRENCY, goal_ratio: GOAL_RATIO, ...shapes, ratio, goal_met: ratio >= GOAL_RATIO }));
  } finally {
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  }
}
