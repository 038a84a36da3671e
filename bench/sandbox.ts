/**
 * `npm run bench -- sandbox`: 100,000 items through the sandbox with no simulated latency, from
 * submit to `completed`, on a server in its own process (`--role all`: API and worker): items per
 * second, and the share of the time spent outside the lane (the router's own work).
 *
 * Both kinds of lane are measured, each with its own batch of the same kind of items:
 * - batch lane: sla_tier standard, routing_mode cheapest → a sandbox batch lane (50 % off), two
 *   provider jobs of 50,000 (the lane's limit per job); BENCH_SANDBOX_ITEMS items (100,000);
 * - sync lane: sla_tier standard, routing_mode fastest, allowed_regions apac → the sandbox sync
 *   lane there, one call per item (the region pins it: once the batch lanes have finished a few
 *   jobs at zero turnaround, lane health would rightly find them faster); BENCH_SANDBOX_SYNC_ITEMS items, 20,000 by
 *   default: the sync path's time grows faster than its item count (at 100,000 items the
 *   embedded server had not finished after 36 minutes), so the full size is opt-in.
 * The lane actually used is read back from the batch's billing receipt. Status polls go to the
 * cheap results endpoint every 250 ms; the slowest answer is reported, as a sign of how well the
 * API is served while the worker runs.
 *
 * Total time: from sending the submit to the batch's `finished_at` (the server's clock, the same
 * machine's). Time inside the lane: the same requests run through the same lanes directly in this
 * process, after the server has stopped, on a fresh database of the same kind (see
 * lib/lane-alone.ts); share outside the lane = 1 − lane time / total.
 *
 * The last line of stdout is one JSON object with every figure.
 */
import { loadConfig } from '../src/config.ts';
import type { Manifest } from '../src/domain/manifest.ts';
import { benchManifest, getJson, registerOrg, submitBatch, waitForCompletion, type BenchManifest, type PollStats } from './lib/batches.ts';
import { withFreshDatabase } from './lib/database.ts';
import { timeLanesAlone, type LaneAlone } from './lib/lane-alone.ts';
import { mib, sampleRss } from './lib/memory.ts';
import { countFromEnv, progressOf, round } from './lib/report.ts';
import { withServerProcess, type ServerProcess } from './lib/server-process.ts';
import { forEachShape, type DatabaseShape } from './lib/shapes.ts';

const WARMUP_ITEMS = 1_000;
const COMPLETION_TIMEOUT_MS = 60 * 60_000;
const SANDBOX_ENV = {
  BATCHROUTER_SANDBOX_LATENCY_MS: '0',
  BATCHROUTER_SANDBOX_LATENCY_P99_MS: '0',
  BATCHROUTER_SANDBOX_BATCH_SECONDS: '0',
};
const SERVER_ENV = { ...SANDBOX_ENV, BATCHROUTER_STARTER_CREDITS_USD: '100000' };

const LANE_KINDS = {
  batch: { sla_tier: 'standard', routing_mode: 'cheapest' },
  sync: { sla_tier: 'standard', routing_mode: 'fastest', allowed_regions: ['apac'] },
} satisfies Record<string, Pick<BenchManifest, 'sla_tier' | 'routing_mode' | 'allowed_regions'>>;
type LaneKind = keyof typeof LANE_KINDS;

const progress = progressOf('sandbox');

interface Run {
  lanes: string[];
  submitMs: number;
  totalMs: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  polls: PollStats;
}

interface RunFigures {
  lanes_used: string[];
  total_ms: number;
  submit_ms: number;
  processing_ms: number;
  items_per_second: number;
  lane_alone_ms: number;
  /** 1 − lane_alone_ms / total_ms. */
  share_outside_lane: number;
  server_rss_before_mib: number;
  server_rss_peak_mib: number;
  /** The longest a status poll (`GET …/results?limit=1`, every 250 ms) waited for its answer while the batch ran. */
  slowest_status_poll_ms: number;
}

function lanesUsed(batch: Record<string, unknown>): string[] {
  const receipt = batch['billing_receipt'] as { lanes_used?: { lane_id: string }[] } | undefined;
  return (receipt?.lanes_used ?? []).map((lane) => lane.lane_id);
}

/** Submits `body` and waits for completion; the total runs from sending the submit to `finished_at`. */
async function runBatch(server: ServerProcess, key: string, body: string, items: number, idempotencyKey: string): Promise<Run> {
  const sampler = sampleRss(server.pid, 100);
  const sentAt = Date.now();
  const submitted = await submitBatch(server.url, key, body, idempotencyKey);
  const polls: PollStats = { polls: 0, slowestPollMs: 0 };
  await waitForCompletion(server.url, key, submitted.id, items, COMPLETION_TIMEOUT_MS, polls);
  const memory = sampler.stop();
  const batch = await getJson(`${server.url}/v1/batches/${submitted.id}?include_billing_receipt=true`, key);
  const finishedAt = Date.parse(String(batch['finished_at']));
  return { lanes: lanesUsed(batch), submitMs: submitted.ms, totalMs: finishedAt - sentAt, rssBeforeBytes: memory.beforeBytes, rssPeakBytes: memory.peakBytes, polls };
}

async function measureServer(shape: DatabaseShape, bodies: Record<LaneKind, string>, items: Record<LaneKind, number>): Promise<Record<LaneKind, Run>> {
  progress(`${shape.title}: starting the server (--role all)`);
  return withServerProcess(
    { ...SERVER_ENV, ...shape.serverEnv },
    async (server) => {
      const key = await registerOrg(server.url);
      const runs: Partial<Record<LaneKind, Run>> = {};
      for (const kind of Object.keys(LANE_KINDS) as LaneKind[]) {
        progress(`${shape.title}, ${kind} lane: warming up with ${WARMUP_ITEMS} items`);
        await runBatch(server, key, JSON.stringify(benchManifest(WARMUP_ITEMS, LANE_KINDS[kind])), WARMUP_ITEMS, `bench-sandbox-${kind}-warmup`);
        progress(`${shape.title}, ${kind} lane: ${items[kind]} items, submit to completed`);
        runs[kind] = await runBatch(server, key, bodies[kind], items[kind], `bench-sandbox-${kind}`);
      }
      return runs as Record<LaneKind, Run>;
    },
    { serveArgs: ['--role', 'all'] },
  );
}

async function measureLanesAlone(shape: DatabaseShape, manifests: Record<LaneKind, BenchManifest>): Promise<Record<LaneKind, LaneAlone>> {
  const config = loadConfig(SANDBOX_ENV);
  return withFreshDatabase(shape, async (database) => {
    const alone: Partial<Record<LaneKind, LaneAlone>> = {};
    for (const kind of Object.keys(LANE_KINDS) as LaneKind[]) {
      progress(`${shape.title}, ${kind} lane: the lane alone (warm-up, then ${manifests[kind].items.length} items)`);
      await timeLanesAlone(database, config, benchManifest(WARMUP_ITEMS, LANE_KINDS[kind]) as Manifest);
      alone[kind] = await timeLanesAlone(database, config, manifests[kind] as Manifest);
    }
    return alone as Record<LaneKind, LaneAlone>;
  });
}

function figuresOf(items: number, run: Run, alone: LaneAlone): RunFigures {
  return {
    lanes_used: run.lanes,
    total_ms: round(run.totalMs, 0),
    submit_ms: round(run.submitMs, 0),
    processing_ms: round(run.totalMs - run.submitMs, 0),
    items_per_second: round(items / (run.totalMs / 1000), 0),
    lane_alone_ms: round(alone.ms, 0),
    share_outside_lane: round(1 - alone.ms / run.totalMs, 3),
    server_rss_before_mib: mib(run.rssBeforeBytes),
    server_rss_peak_mib: mib(run.rssPeakBytes),
    slowest_status_poll_ms: round(run.polls.slowestPollMs, 0),
  };
}

function printRun(kind: LaneKind, items: number, f: RunFigures): void {
  console.log(`  ${kind} lane (${f.lanes_used.join(', ')}), ${items} items: ${(f.total_ms / 1000).toFixed(1)} s submit → completed = ${f.items_per_second} items/s`);
  console.log(`    submit answered in ${(f.submit_ms / 1000).toFixed(1)} s, processing took ${(f.processing_ms / 1000).toFixed(1)} s`);
  console.log(`    the lane alone: ${(f.lane_alone_ms / 1000).toFixed(2)} s → ${(f.share_outside_lane * 100).toFixed(1)} % of the time is outside the lane`);
  console.log(`    server RSS: ${f.server_rss_before_mib} MiB before, peak ${f.server_rss_peak_mib} MiB; slowest status poll answered in ${(f.slowest_status_poll_ms / 1000).toFixed(1)} s`);
}

export async function run(): Promise<void> {
  const items = { batch: countFromEnv('BENCH_SANDBOX_ITEMS', 100_000, 1), sync: countFromEnv('BENCH_SANDBOX_SYNC_ITEMS', 20_000, 1) };
  const manifests = { batch: benchManifest(items.batch, LANE_KINDS.batch), sync: benchManifest(items.sync, LANE_KINDS.sync) };
  const bodies = { batch: JSON.stringify(manifests.batch), sync: JSON.stringify(manifests.sync) };
  for (const kind of Object.keys(LANE_KINDS) as LaneKind[]) {
    console.log(`${kind} lane: ${items[kind]} items, ${(Buffer.byteLength(bodies[kind]) / 1e6).toFixed(1)} MB of JSON; sandbox latency 0, batch turnaround 0`);
  }

  const shapes = await forEachShape(async (shape) => {
    const runs = await measureServer(shape, bodies, items);
    const alone = await measureLanesAlone(shape, manifests);
    console.log(`${shape.title} (server --role all)`);
    const figures: Partial<Record<LaneKind, RunFigures>> = {};
    for (const kind of Object.keys(LANE_KINDS) as LaneKind[]) {
      figures[kind] = figuresOf(items[kind], runs[kind], alone[kind]);
      printRun(kind, items[kind], figures[kind]);
    }
    return figures;
  });
  console.log(JSON.stringify({ items: { batch: items.batch, sync: items.sync }, ...shapes }));
}
