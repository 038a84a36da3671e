/**
 * `npm run bench -- download`: the JSONL results artifact of a 100,000-row batch, fetched as a
 * customer does (`GET /v1/batches/{id}/artifact-url`, then the signed URL) from a server in its
 * own process: MB/s, and the server's RSS during the download against its RSS just before. The
 * artifact is streamed a page at a time, so memory should stay flat: the same is measured for a
 * 10,000-row artifact, and the growth during the 100,000-row downloads must not be much larger
 * (within FLAT_SLACK_MIB of the 10,000-row growth, against an artifact of ~120 MB). RSS also
 * holds garbage the collector has not reclaimed yet: `BENCH_SERVER_NODE_ARGS=--trace-gc` shows
 * whether a rise is live data or slack.
 *
 * Each artifact is downloaded twice, measured: "first", right after its batch completed (what a
 * customer waiting for the batch sees; on PostgreSQL the planner may not have fresh statistics on
 * batch_items yet), and "again". A third, unmeasured download keeps the bytes in a file for the
 * baselines, for MB/s context: the very same bytes served by a plain Node HTTP server streaming
 * the file, in its own process, fetched by the same client; and read from local disk (page cache).
 *
 * Both batches run on the sandbox batch lane with no simulated latency (`--role all`); the large
 * one completes last and is downloaded first. BENCH_DOWNLOAD_ITEMS (default 100000) sets the
 * large batch; the small one is a tenth of it. The last line of stdout is one JSON object with
 * every figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchManifest, getJson, registerOrg, submitBatch, waitForCompletion } from './lib/batches.ts';
import { download, megabytesPerSecond, readLocalFile, startFileServer, type Transfer } from './lib/download.ts';
import { mib, sampleRss, type RssSummary } from './lib/memory.ts';
import { countFromEnv, progressOf, round } from './lib/report.ts';
import { withServerProcess, type ServerProcess } from './lib/server-process.ts';
import { forEachShape, type DatabaseShape } from './lib/shapes.ts';

/** How much more the large downloads may grow the server's RSS than the small ones and still be "flat". */
const FLAT_SLACK_MIB = 32;
const COMPLETION_TIMEOUT_MS = 60 * 60_000;
/** A pause before each measured download, so the RSS before it is not still settling from the last. */
const SETTLE_MS = 2_000;
const SERVER_ENV = {
  BATCHROUTER_SANDBOX_LATENCY_MS: '0',
  BATCHROUTER_SANDBOX_LATENCY_P99_MS: '0',
  BATCHROUTER_SANDBOX_BATCH_SECONDS: '0',
  BATCHROUTER_STARTER_CREDITS_USD: '100000',
};

const progress = progressOf('download');

interface MeasuredDownload {
  transfer: Transfer;
  memory: RssSummary;
}

interface Measured {
  rows: number;
  first: MeasuredDownload;
  again: MeasuredDownload;
  /** The same bytes from the plain file server, and from local disk. */
  plainServer: MeasuredDownload;
  localFile: Transfer;
}

interface SizeFigures {
  rows: number;
  megabytes: number;
  /** Right after the batch completed: the headline figure. */
  mb_per_second: number;
  ms: number;
  again_mb_per_second: number;
  server_rss_before_mib: number;
  /** The highest RSS over both measured downloads. */
  server_rss_peak_mib: number;
  /** The larger rise of the two measured downloads, peak over the RSS just before it. */
  server_rss_growth_mib: number;
  plain_server_mb_per_second: number;
  plain_server_rss_growth_mib: number;
  local_file_mb_per_second: number;
  /** artifact MB/s (first) ÷ plain file server MB/s. */
  ratio_to_plain_server: number;
}

async function artifactUrl(server: ServerProcess, key: string, batchId: string): Promise<string> {
  const link = await getJson(`${server.url}/v1/batches/${batchId}/artifact-url`, key);
  if (typeof link['url'] !== 'string') throw new Error('artifact-url returned no url');
  return link['url'];
}

async function completedBatch(server: ServerProcess, key: string, items: number): Promise<string> {
  const submitted = await submitBatch(server.url, key, JSON.stringify(benchManifest(items, { sla_tier: 'standard', routing_mode: 'cheapest' })), `bench-download-${items}`);
  await waitForCompletion(server.url, key, submitted.id, items, COMPLETION_TIMEOUT_MS);
  return submitted.id;
}

/** One download of `url` with the RSS of process `pid` sampled throughout, after a pause. */
async function measuredDownload(url: string, pid: number, rows: number): Promise<MeasuredDownload> {
  await sleep(SETTLE_MS);
  const sampler = sampleRss(pid);
  const transfer = await download(url);
  const memory = sampler.stop();
  if (transfer.lines !== rows) throw new Error(`${url} gave ${transfer.lines} lines, expected ${rows}`);
  return { transfer, memory };
}

async function measureShape(shape: DatabaseShape, sizes: readonly number[], directory: string): Promise<Measured[]> {
  progress(`${shape.title}: starting the server (--role all)`);
  const artifacts = await withServerProcess(
    { ...SERVER_ENV, ...shape.serverEnv },
    async (server) => {
      const key = await registerOrg(server.url);
      const batches: { rows: number; batchId: string }[] = [];
      for (const rows of sizes) {
        progress(`${shape.title}: running a ${rows}-item batch to completion`);
        batches.push({ rows, batchId: await completedBatch(server, key, rows) });
      }
      const measured = [];
      for (const { rows, batchId } of [...batches].reverse()) {
        progress(`${shape.title}: downloading the ${rows}-row artifact (twice measured, once to keep it)`);
        const first = await measuredDownload(await artifactUrl(server, key, batchId), server.pid, rows);
        const again = await measuredDownload(await artifactUrl(server, key, batchId), server.pid, rows);
        const file = path.join(directory, `${shape.key}-${rows}.jsonl`);
        await download(await artifactUrl(server, key, batchId), file);
        measured.push({ rows, file, first, again });
      }
      return measured.reverse();
    },
    { serveArgs: ['--role', 'all'] },
  );

  progress(`${shape.title}: the same bytes from a plain Node HTTP server, and from local disk`);
  const fileServer = await startFileServer(artifacts.map((artifact) => artifact.file));
  try {
    const results: Measured[] = [];
    for (const [index, artifact] of artifacts.entries()) {
      await download(fileServer.urlOf(index));
      const plainServer = await measuredDownload(fileServer.urlOf(index), fileServer.pid, artifact.rows);
      await readLocalFile(artifact.file);
      const localFile = await readLocalFile(artifact.file);
      results.push({ rows: artifact.rows, first: artifact.first, again: artifact.again, plainServer, localFile });
    }
    return results;
  } finally {
    await fileServer.stop();
  }
}

const growth = (m: RssSummary): number => m.peakBytes - m.beforeBytes;

function figuresOf(m: Measured): SizeFigures {
  const rate = megabytesPerSecond(m.first.transfer);
  const plainRate = megabytesPerSecond(m.plainServer.transfer);
  return {
    rows: m.rows,
    megabytes: round(m.first.transfer.bytes / 1e6, 1),
    mb_per_second: round(rate, 1),
    ms: round(m.first.transfer.ms, 0),
    again_mb_per_second: round(megabytesPerSecond(m.again.transfer), 1),
    server_rss_before_mib: mib(m.first.memory.beforeBytes),
    server_rss_peak_mib: mib(Math.max(m.first.memory.peakBytes, m.again.memory.peakBytes)),
    server_rss_growth_mib: mib(Math.max(growth(m.first.memory), growth(m.again.memory))),
    plain_server_mb_per_second: round(plainRate, 1),
    plain_server_rss_growth_mib: mib(growth(m.plainServer.memory)),
    local_file_mb_per_second: round(megabytesPerSecond(m.localFile), 1),
    ratio_to_plain_server: round(rate / plainRate, 3),
  };
}

function printSize(f: SizeFigures): void {
  console.log(`  ${f.rows} rows, ${f.megabytes} MB: ${f.mb_per_second} MB/s right after completion (${(f.ms / 1000).toFixed(2)} s), ${f.again_mb_per_second} MB/s again`);
  console.log(`    server RSS ${f.server_rss_before_mib} MiB before, peak ${f.server_rss_peak_mib} MiB (largest rise +${f.server_rss_growth_mib} MiB)`);
  console.log(`    same bytes: plain Node HTTP server ${f.plain_server_mb_per_second} MB/s (its RSS +${f.plain_server_rss_growth_mib} MiB), local file ${f.local_file_mb_per_second} MB/s; artifact/plain server ${f.ratio_to_plain_server}`);
}

export async function run(): Promise<void> {
  const large = countFromEnv('BENCH_DOWNLOAD_ITEMS', 100_000, 10);
  const sizes = [Math.floor(large / 10), large];
  const directory = await mkdtemp(path.join(tmpdir(), 'br-bench-download-'));
  try {
    const shapes = await forEachShape(async (shape) => {
      const [small, big] = (await measureShape(shape, sizes, directory)).map(figuresOf);
      if (small === undefined || big === undefined) throw new Error('both sizes must be measured');
      const flat = big.server_rss_growth_mib <= small.server_rss_growth_mib + FLAT_SLACK_MIB;
      console.log(`${shape.title} (server --role all)`);
      printSize(small);
      printSize(big);
      console.log(`  memory flat with rows: ${flat ? 'yes' : 'NO'} (+${big.server_rss_growth_mib} MiB for ${big.rows} rows vs +${small.server_rss_growth_mib} MiB for ${small.rows}; allowed slack ${FLAT_SLACK_MIB} MiB)`);
      return { small, large: big, memory_flat: flat };
    });
    console.log(JSON.stringify({ rows: sizes, flat_slack_mib: FLAT_SLACK_MIB, ...shapes }));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
