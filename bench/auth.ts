/**
 * `npm run bench -- auth`: requests/s of an authenticated `GET /v1/auth/account` against
 * `GET /healthz` (no key, no database) on the same server in the same run, on the embedded PGlite
 * database and, when it answers at 127.0.0.1:5432, on PostgreSQL. Machines differ, so the figure
 * that counts is the ratio account/healthz; the goal is at least 0.5.
 *
 * BENCH_DURATION_SECONDS (default 10) sets each measured run; BENCH_WARMUP_SECONDS (default 2,
 * 0 for none) the warm-up of each route before measuring. Figures go to stdout, progress to
 * stderr; the last line of stdout is one JSON object with every figure.
 */
import { measure, secondsFromEnv, type LoadTarget, type Measurement } from './lib/load.ts';
import { POSTGRES_SERVER, postgresUnavailableReason, withScratchDatabase } from './lib/postgres.ts';
import { withServerProcess } from './lib/server-process.ts';

const CONNECTIONS = 50;
const GOAL_RATIO = 0.5;

interface Timing {
  warmupSeconds: number;
  durationSeconds: number;
}

interface ShapeMeasurements {
  healthz: Measurement;
  account: Measurement;
}

interface ShapeFigures {
  healthz_rps: number;
  account_rps: number;
  /** Null when a run had failed requests: its speed means nothing. */
  ratio: number | null;
  healthz_p50_ms: number;
  healthz_p99_ms: number;
  account_p50_ms: number;
  account_p99_ms: number;
  failed_requests: number;
}

function progress(message: string): void {
  console.error(`[bench auth] ${message}`);
}

async function expectStatus(response: Response, status: number, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what} answered ${response.status} (expected ${status}): ${text}`);
  return JSON.parse(text);
}

/** Registers an org and returns its owner key, checked once on the route under test. */
async function ownerKey(url: string): Promise<string> {
  const registered = await fetch(`${url}/v1/auth/agent-register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const { api_key: key } = (await expectStatus(registered, 201, 'POST /v1/auth/agent-register')) as { api_key: string };
  await expectStatus(await fetch(`${url}/v1/auth/account`, { headers: { authorization: `Bearer ${key}` } }), 200, 'GET /v1/auth/account');
  return key;
}

async function measureServer(url: string, timing: Timing): Promise<ShapeMeasurements> {
  const key = await ownerKey(url);
  const healthz: LoadTarget = { url: `${url}/healthz` };
  const account: LoadTarget = { url: `${url}/v1/auth/account`, headers: { authorization: `Bearer ${key}` } };
  if (timing.warmupSeconds > 0) {
    progress(`warming up both routes for ${timing.warmupSeconds} s each`);
    await measure(healthz, CONNECTIONS, timing.warmupSeconds);
    await measure(account, CONNECTIONS, timing.warmupSeconds);
  }
  progress(`measuring GET /healthz for ${timing.durationSeconds} s`);
  const healthzResult = await measure(healthz, CONNECTIONS, timing.durationSeconds);
  progress(`measuring GET /v1/auth/account for ${timing.durationSeconds} s`);
  const accountResult = await measure(account, CONNECTIONS, timing.durationSeconds);
  return { healthz: healthzResult, account: accountResult };
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function figuresOf({ healthz, account }: ShapeMeasurements): ShapeFigures {
  const failed = healthz.failures + account.failures;
  return {
    healthz_rps: round(healthz.requestsPerSecond, 1),
    account_rps: round(account.requestsPerSecond, 1),
    ratio: failed > 0 || healthz.requestsPerSecond === 0 ? null : round(account.requestsPerSecond / healthz.requestsPerSecond, 3),
    healthz_p50_ms: healthz.p50Ms,
    healthz_p99_ms: healthz.p99Ms,
    account_p50_ms: account.p50Ms,
    account_p99_ms: account.p99Ms,
    failed_requests: failed,
  };
}

function printShape(title: string, { healthz, account }: ShapeMeasurements, figures: ShapeFigures): void {
  const routes = [['GET /healthz', healthz], ['GET /v1/auth/account', account]] as const;
  console.log(title);
  for (const [route, m] of routes) {
    console.log(`  ${route.padEnd(22)} ${m.requestsPerSecond.toFixed(1).padStart(9)} req/s   p50 ${m.p50Ms} ms   p99 ${m.p99Ms} ms`);
  }
  for (const [route, m] of routes) {
    if (m.failures > 0) console.log(`  FAILED ${route}: ${m.failureSummary}: not a valid measurement`);
  }
  if (figures.ratio === null) {
    console.log('  ratio account/healthz: none (failed requests)');
  } else {
    console.log(`  ratio account/healthz: ${figures.ratio} (goal ≥ ${GOAL_RATIO}: ${figures.ratio >= GOAL_RATIO ? 'met' : 'NOT met'})`);
  }
}

async function benchmarkShape(title: string, env: Record<string, string>, timing: Timing): Promise<ShapeFigures> {
  progress(`${title}: starting the server`);
  const measurements = await withServerProcess(env, (server) => measureServer(server.url, timing));
  const figures = figuresOf(measurements);
  printShape(title, measurements, figures);
  return figures;
}

/** The lower ratio of the shapes measured, or null when any shape had failed requests. */
function overallRatio(shapes: ShapeFigures[]): number | null {
  const ratios = shapes.map((shape) => shape.ratio);
  return ratios.every((ratio) => ratio !== null) ? Math.min(...ratios) : null;
}

export async function run(): Promise<void> {
  const timing: Timing = {
    durationSeconds: secondsFromEnv('BENCH_DURATION_SECONDS', 10, 1),
    warmupSeconds: secondsFromEnv('BENCH_WARMUP_SECONDS', 2, 0),
  };
  const report: Record<string, ShapeFigures | number | null> = {};
  const shapes: ShapeFigures[] = [];

  const pglite = await benchmarkShape('PGlite', {}, timing);
  report['pglite'] = pglite;
  shapes.push(pglite);

  const unavailable = await postgresUnavailableReason();
  if (unavailable === null) {
    const postgres = await withScratchDatabase((url) => benchmarkShape('PostgreSQL', { DATABASE_URL: url }, timing));
    report['postgres'] = postgres;
    shapes.push(postgres);
  } else {
    console.log(`PostgreSQL: not reachable at ${POSTGRES_SERVER} (${unavailable}); PGlite only`);
  }

  report['ratio'] = overallRatio(shapes);
  if (shapes.some((shape) => shape.failed_requests > 0)) process.exitCode = 1;
  console.log(JSON.stringify(report));
}
