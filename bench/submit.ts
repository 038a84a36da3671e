/**
 * `npm run bench -- submit`: a 50,000-item manifest (OpenAI's per-file maximum, about 10 MB of
 * JSON) submitted through `POST /v1/batches` to a server in its own process, against writing the
 * very same rows into the same database without the server. Goal: submit ≤ 3× the raw insert.
 * Also the server's peak RSS during the submit.
 *
 * Apples to apples: the baseline writes the rows the submit stored (read back from the server's
 * database), into a scratch table shaped like `batch_items` (columns, checks, defaults, indexes,
 * foreign keys: LIKE … INCLUDING ALL plus the same foreign keys) in the same database, in one
 * transaction, 2,000 rows per parameterised INSERT (as the server does) through the same driver,
 * from this process. Repetition i of the baseline writes the rows of submit i, so both see the
 * table grow alike. On PostgreSQL, COPY of the same rows (through psql) is reported too.
 *
 * On PGlite only one process can open the database, so the baseline runs after the server has
 * stopped, on the server's own data directory, opened here with the same PGlite version: the same
 * embedded database, not a copy. The embedded server runs with `--role all`, so its worker picks
 * each batch up after the submit has answered: the benchmark waits until the batch is with the
 * sandbox (whose batch jobs take an hour here, so nothing else happens) before the next submit.
 * On PostgreSQL the server runs with `--role api`: nothing processes the batches.
 *
 * BENCH_SUBMIT_ITEMS (default 50000) sets the manifest size; BENCH_REPEATS (default 3) how many
 * times each side is measured (the figure is the median). Figures go to stdout, progress to
 * stderr; the last line of stdout is one JSON object with every figure.
 */
import { benchManifest, registerOrg, submitBatch, waitForBatch } from './lib/batches.ts';
import { withServerDatabase } from './lib/database.ts';
import { mib, sampleRss, type RssSummary } from './lib/memory.ts';
import { copyWithPsql, createScratchItemsTable, insertRaw, storedItems } from './lib/raw-items.ts';
import { atMost, countFromEnv, describeMs, median, progressOf, round } from './lib/report.ts';
import { withServerProcess, type ServerProcess } from './lib/server-process.ts';
import { forEachShape, type DatabaseShape } from './lib/shapes.ts';

const GOAL_RATIO = 3;
const WARMUP_ITEMS = 1_000;
/** Long enough for the embedded worker to hand the batch to the sandbox and then sit idle. */
const QUIET_TIMEOUT_MS = 300_000;
const SERVER_ENV = {
  // 50,000 items may cost up to about $100 at list price: the reservation must pass.
  BATCHROUTER_STARTER_CREDITS_USD: '100000',
  // Sandbox batch jobs take an hour: once a batch is with the sandbox, the worker is idle.
  BATCHROUTER_SANDBOX_BATCH_SECONDS: '3600',
};
const SCRATCH_INSERT_TABLE = 'bench_raw_items';
const SCRATCH_COPY_TABLE = 'bench_copy_items';

const progress = progressOf('submit');

interface ServerSide {
  warmupBatchId: string;
  batchIds: string[];
  submitMs: number[];
  memory: RssSummary[];
}

interface Baseline {
  insertMs: number[];
  /** Null on PGlite, or when psql is missing. */
  copyMs: number[] | null;
}

interface ShapeFigures {
  server_role: string;
  submit_ms: number;
  submit_ms_samples: number[];
  items_per_second: number;
  raw_insert_ms: number;
  raw_insert_ms_samples: number[];
  raw_copy_ms: number | null;
  /** submit / raw multi-row INSERT: the goal's figure. */
  ratio: number;
  ratio_vs_copy: number | null;
  /** The first submit's: later ones start from what earlier batches left behind. */
  server_rss_before_mib: number;
  server_rss_peak_mib: number;
  server_rss_growth_mib: number;
  /** Each submit's RSS before it and its peak, MiB. */
  server_rss_samples: { before_mib: number; peak_mib: number }[];
}

async function submitAll(server: ServerProcess, shape: DatabaseShape, body: string, repeats: number, embeddedWorker: boolean): Promise<ServerSide> {
  const key = await registerOrg(server.url);
  const settle = async (batchId: string) => {
    // The embedded worker shards the batch and hands it to the sandbox: let it finish first.
    if (embeddedWorker) await waitForBatch(server.url, key, batchId, ['processing'], QUIET_TIMEOUT_MS);
  };
  progress(`${shape.title}: warming up with a ${WARMUP_ITEMS}-item submit`);
  const warmup = benchManifest(WARMUP_ITEMS, { sla_tier: 'standard', routing_mode: 'cheapest' });
  const warmupBatchId = (await submitBatch(server.url, key, JSON.stringify(warmup), 'bench-submit-warmup')).id;
  await settle(warmupBatchId);

  const side: ServerSide = { warmupBatchId, batchIds: [], submitMs: [], memory: [] };
  for (let i = 0; i < repeats; i++) {
    progress(`${shape.title}: submit ${i + 1} of ${repeats}`);
    const sampler = sampleRss(server.pid);
    const submitted = await submitBatch(server.url, key, body, `bench-submit-${i}`);
    side.memory.push(sampler.stop());
    side.submitMs.push(submitted.ms);
    side.batchIds.push(submitted.id);
    await settle(submitted.id);
  }
  return side;
}

async function measureBaseline(shape: DatabaseShape, server: ServerProcess, side: ServerSide): Promise<Baseline> {
  return withServerDatabase(shape, server, async (database) => {
    await createScratchItemsTable(database, SCRATCH_INSERT_TABLE);
    const copying = shape.databaseUrl !== null;
    if (copying) await createScratchItemsTable(database, SCRATCH_COPY_TABLE);
    // Warmed up like the server: the warm-up batch's rows go in first, untimed.
    progress(`${shape.title}: warming up with the warm-up batch's rows`);
    const warmupRows = await storedItems(database, side.warmupBatchId);
    await insertRaw(database, SCRATCH_INSERT_TABLE, warmupRows);
    if (shape.databaseUrl !== null && copying) await copyWithPsql(shape.databaseUrl, database.schema, SCRATCH_COPY_TABLE, warmupRows);
    const baseline: Baseline = { insertMs: [], copyMs: copying ? [] : null };
    for (const [i, batchId] of side.batchIds.entries()) {
      const rows = await storedItems(database, batchId);
      progress(`${shape.title}: raw INSERT of the ${rows.length} rows of submit ${i + 1}`);
      baseline.insertMs.push(await insertRaw(database, SCRATCH_INSERT_TABLE, rows));
      if (shape.databaseUrl !== null && baseline.copyMs !== null) {
        progress(`${shape.title}: COPY of the same rows`);
        const copied = await copyWithPsql(shape.databaseUrl, database.schema, SCRATCH_COPY_TABLE, rows);
        if (copied === null) baseline.copyMs = null;
        else baseline.copyMs.push(copied);
      }
    }
    return baseline;
  });
}

function figuresOf(role: string, items: number, side: ServerSide, baseline: Baseline): ShapeFigures {
  const submit = median(side.submitMs);
  const insert = median(baseline.insertMs);
  const copy = baseline.copyMs === null ? null : median(baseline.copyMs);
  const before = side.memory[0]?.beforeBytes ?? 0;
  const peak = side.memory[0]?.peakBytes ?? 0;
  return {
    server_role: role,
    submit_ms: round(submit, 1),
    submit_ms_samples: side.submitMs.map((ms) => round(ms, 1)),
    items_per_second: round(items / (submit / 1000), 0),
    raw_insert_ms: round(insert, 1),
    raw_insert_ms_samples: baseline.insertMs.map((ms) => round(ms, 1)),
    raw_copy_ms: copy === null ? null : round(copy, 1),
    ratio: round(submit / insert, 2),
    ratio_vs_copy: copy === null ? null : round(submit / copy, 2),
    server_rss_before_mib: mib(before),
    server_rss_peak_mib: mib(peak),
    server_rss_growth_mib: mib(peak - before),
    server_rss_samples: side.memory.map((m) => ({ before_mib: mib(m.beforeBytes), peak_mib: mib(m.peakBytes) })),
  };
}

function printShape(title: string, items: number, side: ServerSide, baseline: Baseline, figures: ShapeFigures): void {
  console.log(`${title} (server --role ${figures.server_role}; ${items} items)`);
  console.log(`  POST /v1/batches (HTTP, server process)   ${describeMs(side.submitMs)}   ${figures.items_per_second} items/s`);
  console.log(`  raw multi-row INSERT of the same rows      ${describeMs(baseline.insertMs)}`);
  if (baseline.copyMs !== null) console.log(`  raw COPY (psql) of the same rows           ${describeMs(baseline.copyMs)}`);
  console.log(`  ratio submit/INSERT: ${figures.ratio} (goal ≤ ${GOAL_RATIO}: ${atMost(figures.ratio, GOAL_RATIO)})${figures.ratio_vs_copy === null ? '' : `; submit/COPY: ${figures.ratio_vs_copy}`}`);
  console.log(`  server RSS, first submit: ${figures.server_rss_before_mib} MiB before, peak ${figures.server_rss_peak_mib} MiB (+${figures.server_rss_growth_mib} MiB)`);
  const each = figures.server_rss_samples.map((m, i) => `#${i + 1} ${m.before_mib} → ${m.peak_mib}`).join(', ');
  console.log(`  server RSS per submit (MiB, before → peak): ${each}`);
}

export async function run(): Promise<void> {
  const items = countFromEnv('BENCH_SUBMIT_ITEMS', 50_000, 1);
  const repeats = countFromEnv('BENCH_REPEATS', 3, 1);
  const body = JSON.stringify(benchManifest(items, { sla_tier: 'standard', routing_mode: 'cheapest' }));
  const bodyMb = Buffer.byteLength(body) / 1e6;
  console.log(`manifest: ${items} items, ${bodyMb.toFixed(1)} MB of JSON; ${repeats} submits per database`);

  const shapes = await forEachShape(async (shape) => {
    const embeddedWorker = shape.databaseUrl === null;
    const role = embeddedWorker ? 'all' : 'api';
    progress(`${shape.title}: starting the server (--role ${role})`);
    const measured = await withServerProcess(
      { ...SERVER_ENV, ...shape.serverEnv },
      async (server) => {
        const side = await submitAll(server, shape, body, repeats, embeddedWorker);
        await server.stop();
        return { side, baseline: await measureBaseline(shape, server, side) };
      },
      { serveArgs: ['--role', role] },
    );
    const figures = figuresOf(role, items, measured.side, measured.baseline);
    printShape(shape.title, items, measured.side, measured.baseline, figures);
    return figures;
  });

  const ratios = Object.values(shapes).map((figures) => figures.ratio);
  const ratio = Math.max(...ratios);
  console.log(`worst ratio submit/INSERT: ${ratio} (goal ≤ ${GOAL_RATIO}: ${atMost(ratio, GOAL_RATIO)})`);
  console.log(JSON.stringify({ items, body_mb: round(bodyMb, 2), repeats, goal_ratio: GOAL_RATIO, ...shapes, ratio, goal_met: ratio <= GOAL_RATIO }));
}
