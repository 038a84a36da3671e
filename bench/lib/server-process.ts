/**
 * A BatchRouter server in a child process (`node bin/batchrouter.mjs serve`), so that the load
 * generator does not share the server's event loop. Each server gets a free port and a fresh data
 * directory, and is stopped and cleaned up whatever happens. Its pid is exposed for memory
 * sampling, and it can be stopped early, so that a benchmark can open its embedded database
 * (one process at a time) before the data directory is removed.
 *
 * BENCH_SERVER_NODE_ARGS adds node flags to the server process only, split on spaces, e.g.
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` to profile it (NODE_OPTIONS
 * refuses --cpu-prof, and would profile the benchmark process too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(REPO_ROOT, 'bin', 'batchrouter.mjs');
const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Settings every benchmark server runs with; `withServerProcess` callers add to them. */
const BASE_ENV = {
  BATCHROUTER_LOG_LEVEL: 'warn',
  BATCHROUTER_ADMIN_TOKEN: 'bench-admin-token-0123456789abcd',
  // Benchmarks register orgs freely; the default of 20 per hour per address would get in the way.
  BATCHROUTER_AGENT_REGISTER_PER_HOUR: '1000',
};

export interface ServerProcess {
  /** Base URL, e.g. http://127.0.0.1:43210. */
  url: string;
  /** The server's own process (node runs the CLI in-process on Node 24): its RSS is the server's. */
  pid: number;
  /** BATCHROUTER_DATA_DIR: the embedded database lives in `<dataDir>/pglite`. */
  dataDir: string;
  /** Stops the server now (a clean shutdown); calling it again, or letting the run end, is harmless. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Arguments after `serve`, e.g. `['--role', 'api']`. */
  serveArgs?: readonly string[];
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, HOST);
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free TCP port');
  return address.port;
}

/**
 * The benchmark's own environment minus what would change the server's database or settings
 * (a DATABASE_URL or BATCHROUTER_* exported in the shell), plus `env`.
 */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL' && !name.startsWith('BATCHROUTER_'));
  return { ...Object.fromEntries(inherited), ...env };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function waitUntilHealthy(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`the server exited before answering (code ${child.exitCode}, signal ${child.signalCode})`);
    if (await answers(`${url}/healthz`)) return;
    await sleep(100);
  }
  throw new Error(`the server did not answer ${url}/healthz within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/** SIGTERM (a clean shutdown), then SIGKILL if it has not exited in time. */
async function stop(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
  }
}

/** Runs `fn` against a fresh server started with `env` on top of the base settings, then stops it. */
export async function withServerProcess<T>(
  env: Record<string, string>,
  fn: (server: ServerProcess) => Promise<T>,
  options: ServerOptions = {},
): Promise<T> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'br-bench-'));
  try {
    const port = await freePort();
    const url = `http://${HOST}:${port}`;
    // The server's output goes to our stderr: its warnings stay visible and our stdout stays the report.
    const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', ...(options.serveArgs ?? [])], {
      cwd: REPO_ROOT,
      env: childEnv({ ...BASE_ENV, ...env, HOST, PORT: String(port), BATCHROUTER_DATA_DIR: dataDir }),
      stdio: ['ignore', process.stderr, process.stderr],
    });
    try {
      await waitUntilHealthy(child, url);
      if (child.pid === undefined) throw new Error('the server process has no pid');
      return await fn({ url, pid: child.pid, dataDir, stop: () => stop(child) });
    } finally {
      await stop(child);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
