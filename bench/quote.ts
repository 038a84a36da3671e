/**
 * `npm run bench -- quote`: a quote of 50,000 items through `POST /v1/batches/quote` (server in
 * its own process) against tokenizing the same inputs alone (`countInputTokens` over the same
 * items, in this process): the floor any quote has to pay. Goal: quote ≤ 1.5× tokenizing.
 *
 * The goal's `ratio` is the honest end-to-end one: the HTTP quote, from sending the ~12 MB body to
 * having read the answer, over tokenizing alone in one thread. The server measures a large
 * manifest's items (tokens, canonical JSON, digests) on its tokenizer pool
 * (BATCHROUTER_TOKENIZER_THREADS, default: the cores, at most 4), starting as soon as the body is
 * parsed, while its own thread validates, checks and routes; so that the pool's share is plain, the same
 * quote is also measured on a second server counting in its request thread
 * (BATCHROUTER_TOKENIZER_THREADS=0): `inline_ratio`. The manifest is also quoted in this process
 * by the domain itself, with a pool of the same size: routing alone (checks, tokens, routing: no
 * database) and `createQuote` (that, plus the manifest hash and storing the quote), on a freshly
 * migrated database of the same kind (a temporary PGlite; a schema of its own in the PostgreSQL
 * scratch database), reported as `route_ratio` and `domain_ratio`. Every side is warmed up first on the same manifest
 * and measured BENCH_REPEATS times (default 5: the machine is noisy; the figure is the median). BENCH_QUOTE_ITEMS
 * (default 50000) sets the size.
 *
 * The embedded server runs `--role all` (a quote queues nothing, so its worker stays idle); the
 * PostgreSQL one `--role api`. The last line of stdout is one JSON object with every figure.
 */
import { loadConfig } from '../src/config.ts';
import type { Manifest } from '../src/domain/manifest.ts';
import { createQuote } from '../src/domain/quotes.ts';
import { countInputTokens } from '../src/domain/tokens.ts';
import { startTokenizerPool } from '../src/tokenizer/pool.ts';
import { benchManifest, postJsonTimed, registerOrg, type BenchManifest } from './lib/batches.ts';
import { registerPrincipal, routeManifest, routingContextOf, withFreshDatabase } from './lib/database.ts';
import { mib, sampleRss } from './lib/memory.ts';
import { atMost, countFromEnv, describeMs, median, progressOf, round, timed } from './lib/report.ts';
import { withServerProcess } from './lib/server-process.ts';
import { forEachShape, type DatabaseShape } from './lib/shapes.ts';

const GOAL_RATIO = 1.5;
const ROUTING = { sla_tier: 'standard', routing_mode: 'cheapest' } as const;

const progress = progressOf('quote');

interface Samples {
  httpMs: number[];
  httpInlineMs: number[];
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
  /** The same quote on a server counting tokens in its request thread. */
  http_quote_inline_ms: number;
  tokenizer_threads: number;
  tokenize_ms: number;
  tokenize_ms_samples: number[];
  domain_create_quote_ms: number;
  domain_check_and_route_ms: number;
  json_parse_ms: number;
  /** HTTP quote / tokenizing alone: the goal's figure. */
  ratio: number;
  /** HTTP quote without the tokenizer pool / tokenizing alone. */
  inline_ratio: number;
  /** createQuote in process / tokenizing alone. */
  domain_ratio: number;
  /** Checking and routing in process / tokenizing alone. */
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

async function measureHttp(shape: DatabaseShape, body: string, repeats: number, threads: number | null) {
  const role = shape.databaseUrl === null ? 'all' : 'api';
  const env = threads === null ? shape.serverEnv : { ...shape.serverEnv, BATCHROUTER_TOKENIZER_THREADS: String(threads) };
  const label = threads === null ? 'default tokenizer pool' : `BATCHROUTER_TOKENIZER_THREADS=${threads}`;
  progress(`${shape.title}: starting the server (--role ${role}, ${label})`);
  return withServerProcess(
    env,
    async (server) => {
      const key = await registerOrg(server.url);
      const quote = (text: string) => postJsonTimed(`${server.url}/v1/batches/quote`, key, text, 200);
      // One quote of the same manifest first: the measured ones then run on warm code, in the
      // server's thread and in each tokenizer thread, as in a server that has been up a while.
      progress(`${shape.title}: warming up with one quote of the same manifest`);
      await quote(body);
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

async function measureInProcess(shape: DatabaseShape, manifest: BenchManifest, body: string, repeats: number, threads: number) {
  const pool = startTokenizerPool(threads);
  try {
    return await withFreshDatabase(shape, async (database) => {
      const ctx = await routingContextOf(database, pool);
      const principal = await registerPrincipal(ctx);
      // What the server's route receives: the parsed body, parsed anew for every call (a manifest's
      // items are measured once per parsed array, as one request's quote measures them once).
      const parsed = () => JSON.parse(body) as Manifest;
      progress(`${shape.title}: warming up the domain, the tokenizer and its pool on the same manifest`);
      await routeManifest(ctx, parsed());
      await createQuote(ctx, principal, parsed());
      tokenizeAll(manifest);
      progress(`${shape.title}: ${repeats} × tokenizing alone, routing, createQuote, JSON.parse`);
      // Interleaved, so that noise on the machine falls on every figure alike.
      const samples = { tokenizeMs: [] as number[], checkAndRouteMs: [] as number[], createQuoteMs: [] as number[], jsonParseMs: [] as number[] };
      for (let i = 0; i < repeats; i++) {
        samples.tokenizeMs.push((await timed(() => tokenizeAll(manifest))).ms);
        const toRoute = parsed();
        samples.checkAndRouteMs.push((await timed(() => routeManifest(ctx, toRoute))).ms);
        const toQuote = parsed();
        samples.createQuoteMs.push((await timed(() => createQuote(ctx, principal, toQuote))).ms);
        samples.jsonParseMs.push((await timed(parsed)).ms);
      }
      return samples;
    });
  } finally {
    await pool.close();
  }
}

function figuresOf(role: string, threads: number, s: Samples): ShapeFigures {
  const tokenize = median(s.tokenizeMs);
  const http = median(s.httpMs);
  return {
    server_role: role,
    http_quote_ms: round(http, 1),
    http_quote_ms_samples: s.httpMs.map((ms) => round(ms, 1)),
    http_quote_inline_ms: round(median(s.httpInlineMs), 1),
    tokenizer_threads: threads,
    tokenize_ms: round(tokenize, 1),
    tokenize_ms_samples: s.tokenizeMs.map((ms) => round(ms, 1)),
    domain_create_quote_ms: round(median(s.createQuoteMs), 1),
    domain_check_and_route_ms: round(median(s.checkAndRouteMs), 1),
    json_parse_ms: round(median(s.jsonParseMs), 1),
    ratio: round(http / tokenize, 2),
    inline_ratio: round(median(s.httpInlineMs) / tokenize, 2),
    domain_ratio: round(median(s.createQuoteMs) / tokenize, 2),
    route_ratio: round(median(s.checkAndRouteMs) / tokenize, 2),
    server_rss_before_mib: mib(s.rssBeforeBytes),
    server_rss_peak_mib: mib(s.rssPeakBytes),
  };
}

function printShape(title: string, items: number, s: Samples, f: ShapeFigures): void {
  console.log(`${title} (server --role ${f.server_role}; ${items} items)`);
  console.log(`  POST /v1/batches/quote (HTTP, ${f.tokenizer_threads} tokenizer threads) ${describeMs(s.httpMs)}`);
  console.log(`  the same, tokens counted in the request thread  ${describeMs(s.httpInlineMs)}`);
  console.log(`  createQuote in process (domain + database)      ${describeMs(s.createQuoteMs)}`);
  console.log(`  checks and routing in process (no database)     ${describeMs(s.checkAndRouteMs)}`);
  console.log(`  tokenizing alone (countInputTokens)             ${describeMs(s.tokenizeMs)}`);
  console.log(`  JSON.parse of the body alone (context)          ${describeMs(s.jsonParseMs)}`);
  console.log(
    `  ratio HTTP quote/tokenizing: ${f.ratio} (goal ≤ ${GOAL_RATIO}: ${atMost(f.ratio, GOAL_RATIO)}); without the pool ${f.inline_ratio}; in process: createQuote ${f.domain_ratio}, routing ${f.route_ratio}`,
  );
  console.log(`  server RSS during the quotes: ${f.server_rss_before_mib} MiB before, peak ${f.server_rss_peak_mib} MiB`);
}

export async function run(): Promise<void> {
  const items = countFromEnv('BENCH_QUOTE_ITEMS', 50_000, 1);
  const repeats = countFromEnv('BENCH_REPEATS', 5, 1);
  const manifest = benchManifest(items, ROUTING);
  const body = JSON.stringify(manifest);
  console.log(`manifest: ${items} items, ${(Buffer.byteLength(body) / 1e6).toFixed(1)} MB of JSON, ${tokenizeAll(manifest)} input tokens; ${repeats} runs of each side`);

  const threads = loadConfig({}).tokenizerThreads;
  const shapes = await forEachShape(async (shape) => {
    const http = await measureHttp(shape, body, repeats, null);
    const inline = await measureHttp(shape, body, repeats, 0);
    const inProcess = await measureInProcess(shape, manifest, body, repeats, threads);
    const samples: Samples = { ...http, httpInlineMs: inline.httpMs, ...inProcess };
    const figures = figuresOf(http.role, threads, samples);
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
