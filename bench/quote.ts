/**
 * `npm run bench -- quote`: a quote of 50,000 items through `POST /v1/batches/quote` (server in
 * its own process) against tokenizing the same inputs alone (`countInputTokens` over the same
 * items, in this process): the floor any quote has to pay. Goal: quote ≤ 1.5× tokenizing.
 *
 * The goal's `ratio` is the honest end-to-end one: the HTTP quote, from sending the ~12 MB body to
 * having read the answer, over tokenizing alone. Because HTTP and JSON cost something a domain
 * change cannot remove, the same manifest is also quoted in this process by the domain itself:
 * `checkAndRoute` alone (checks, tokens, routing: no database) and `createQuote` (that, plus the
 * manifest hash and storing the quote), on a freshly migrated database of the same kind (a
 * temporary PGlite; a schema of its own in the PostgreSQL scratch database), reported as
 * `domain_ratio` and `route_ratio`. Every side is warmed up first and measured BENCH_REPEATS
 * times (default 3; the figure is the median). BENCH_QUOTE_ITEMS (default 50000) sets the size.
 *
 * The embedded server runs `--role all` (a quote queues nothing, so its worker stays idle); the
 * PostgreSQL one `--role api`. The last line of stdout is one JSON object with every figure.
 */
import type { Manifest } from '../src/domain/manifest.ts';
import { catalogPrices, checkAndRoute, createQuote } from '../src/domain/quotes.ts';
import { countInputTokens } from '../src/domain/tokens.ts';
import { benchManifest, postJsonTimed, registerOrg, type BenchManifest } from './lib/batches.ts';
import { registerPrincipal, routingContextOf, withFreshDatabase } from './lib/database.ts';
import { mib, sampleRss } from './lib/memory.ts';
import { atMost, countFromEnv, describeMs, median, progressOf, round, timed } from './lib/report.ts';
import { withServerProcess } from './lib/server-process.ts';
import { forEachShape, type DatabaseShape } from './lib/shapes.ts';

const GOAL_RATIO = 1.5;
const WARMUP_ITEMS = 1_000;
const ROUTING = { sla_tier: 'standard', routing_mode: 'cheapest' } as const;

const progress = progressOf('quote');

interface Samples {
  httpMs: number[];
  tokenizeMs: number[];
  checkAndRouteMs: number[];
  createQuoteMs: number[];
  jsonParseMs: number[];
  rssBeforeBytes: number;
  rssPeakBytes: number;
}

interface ShapeFigures {
  server_role: string;
  http_quote_ms: number;
  http_quote_ms_samples: number[];
  tokenize_ms: number;
  tokenize_ms_samples: number[];
  domain_create_quote_ms: number;
  domain_check_and_route_ms: number;
  json_parse_ms: number;
  /** HTTP quote / tokenizing alone: the goal's figure. */
  ratio: number;
  /** createQuote in process / tokenizing alone. */
  domain_ratio: number;
  /** checkAndRoute in process / tokenizing alone. */
  route_ratio: number;
  server_rss_before_mib: number;
  server_rss_peak_mib: number;
}

/** Tokenizes every item's input the way quoting does, and returns the total (so nothing is optimised away). */
function tokenizeAll(manifest: BenchManifest): number {
  let total = 0;
  for (const item of manifest.items) total += countInputTokens(item.operation, item.input);
  return total;
}

async function measureHttp(shape: DatabaseShape, body: string, warmupBody: string, repeats: number) {
  const role = shape.databaseUrl === null ? 'all' : 'api';
  progress(`${shape.title}: starting the server (--role ${role})`);
  return withServerProcess(
    shape.serverEnv,
    async (server) => {
      const key = await registerOrg(server.url);
      const quote = (text: string) => postJsonTimed(`${server.url}/v1/batches/quote`, key, text, 200);
      progress(`${shape.title}: warming up with a ${WARMUP_ITEMS}-item quote`);
      await quote(warmupBody);
      progress(`${shape.title}: ${repeats} HTTP quotes`);
      const sampler = sampleRss(server.pid);
      const httpMs: number[] = [];
      for (let i = 0; i < repeats; i++) httpMs.push((await quote(body)).ms);
      const memory = sampler.stop();
      return { role, httpMs, rssBeforeBytes: memory.beforeBytes, rssPeakBytes: memory.peakBytes };
    },
    { serveArgs: ['--role', role] },
  );
}

async function measureInProcess(shape: DatabaseShape, manifest: BenchManifest, body: string, repeats: number) {
  return withFreshDatabase(shape, async (database) => {
    const ctx = await routingContextOf(database);
    const principal = await registerPrincipal(ctx);
    const warmup = benchManifest(WARMUP_ITEMS, ROUTING) as Manifest;
    // What the server's route receives: the parsed body.
    const parsed = JSON.parse(body) as Manifest;
    progress(`${shape.title}: warming up the domain and the tokenizer`);
    checkAndRoute(ctx, warmup, catalogPrices);
    await createQuote(ctx, principal, warmup);
    tokenizeAll(benchManifest(WARMUP_ITEMS, ROUTING));
    progress(`${shape.title}: ${repeats} × tokenizing alone, checkAndRoute, createQuote, JSON.parse`);
    // Interleaved, so that noise on the machine falls on every figure alike.
    const samples = { tokenizeMs: [] as number[], checkAndRouteMs: [] as number[], createQuoteMs: [] as number[], jsonParseMs: [] as number[] };
    for (let i = 0; i < repeats; i++) {
      samples.tokenizeMs.push((await timed(() => tokenizeAll(manifest))).ms);
      samples.checkAndRouteMs.push((await timed(() => checkAndRoute(ctx, parsed, catalogPrices))).ms);
      samples.createQuoteMs.push((await timed(() => createQuote(ctx, principal, parsed))).ms);
      samples.jsonParseMs.push((await timed(() => JSON.parse(body) as unknown)).ms);
    }
    return samples;
  });
}

function figuresOf(role: string, s: Samples): ShapeFigures {
  const tokenize = median(s.tokenizeMs);
  const http = median(s.httpMs);
  return {
    server_role: role,
    http_quote_ms: round(http, 1),
    http_quote_ms_samples: s.httpMs.map((ms) => round(ms, 1)),
    tokenize_ms: round(tokenize, 1),
    tokenize_ms_samples: s.tokenizeMs.map((ms) => round(ms, 1)),
    domain_create_quote_ms: round(median(s.createQuoteMs), 1),
    domain_check_and_route_ms: round(median(s.checkAndRouteMs), 1),
    json_parse_ms: round(median(s.jsonParseMs), 1),
    ratio: round(http / tokenize, 2),
    domain_ratio: round(median(s.createQuoteMs) / tokenize, 2),
    route_ratio: round(median(s.checkAndRouteMs) / tokenize, 2),
    server_rss_before_mib: mib(s.rssBeforeBytes),
    server_rss_peak_mib: mib(s.rssPeakBytes),
  };
}

function printShape(title: string, items: number, s: Samples, f: ShapeFigures): void {
  console.log(`${title} (server --role ${f.server_role}; ${items} items)`);
  console.log(`  POST /v1/batches/quote (HTTP, server process)   ${describeMs(s.httpMs)}`);
  console.log(`  createQuote in process (domain + database)      ${describeMs(s.createQuoteMs)}`);
  console.log(`  checkAndRoute in process (no database)          ${describeMs(s.checkAndRouteMs)}`);
  console.log(`  tokenizing alone (countInputTokens)             ${describeMs(s.tokenizeMs)}`);
  console.log(`  JSON.parse of the body alone (context)          ${describeMs(s.jsonParseMs)}`);
  console.log(`  ratio HTTP quote/tokenizing: ${f.ratio} (goal ≤ ${GOAL_RATIO}: ${atMost(f.ratio, GOAL_RATIO)}); in process: createQuote ${f.domain_ratio}, checkAndRoute ${f.route_ratio}`);
  console.log(`  server RSS during the quotes: ${f.server_rss_before_mib} MiB before, peak ${f.server_rss_peak_mib} MiB`);
}

export async function run(): Promise<void> {
  const items = countFromEnv('BENCH_QUOTE_ITEMS', 50_000, 1);
  const repeats = countFromEnv('BENCH_REPEATS', 3, 1);
  const manifest = benchManifest(items, ROUTING);
  const body = JSON.stringify(manifest);
  const warmupBody = JSON.stringify(benchManifest(WARMUP_ITEMS, ROUTING));
  console.log(`manifest: ${items} items, ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB of JSON, ${tokenizeAll(manifest)} input tokens; ${repeats} runs of each side`);

  const shapes = await forEachShape(async (shape) => {
    const http = await measureHttp(shape, body, warmupBody, repeats);
    const inProcess = await measureInProcess(shape, manifest, body, repeats);
    const samples: Samples = { ...http, ...inProcess };
    const figures = figuresOf(http.role, samples);
    printShape(shape.title, items, samples, figures);
    return figures;
  });

  const ratio = Math.max(...Object.values(shapes).map((figures) => figures.ratio));
  const domainRatio = Math.max(...Object.values(shapes).map((figures) => figures.domain_ratio));
  console.log(`worst ratio HTTP quote/tokenizing: ${ratio} (goal ≤ ${GOAL_RATIO}: ${atMost(ratio, GOAL_RATIO)}); in process (createQuote): ${domainRatio}`);
  console.log(
    JSON.stringify({ items, repeats, goal_ratio: GOAL_RATIO, ratio_uses: 'http_quote_ms / tokenize_ms', ...shapes, ratio, domain_ratio: domainRatio, goal_met: ratio <= GOAL_RATIO }),
  );
}
