/**
 * Load generation with autocannon, in this process (the server under test runs in its own), and
 * the benchmark settings read from the environment.
 */
import autocannon from 'autocannon';

export interface LoadTarget {
  url: string;
  headers?: Record<string, string>;
}

export interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors (timeouts included) plus non-2xx answers: any makes the run invalid. */
  failures: number;
  /** What failed, e.g. "401 ×1200, 3 connection errors (0 timeouts)"; empty when nothing did. */
  failureSummary: string;
}

/** A whole number of seconds from the environment variable `name`, at least `min`; `fallback` when unset. */
export function secondsFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min) throw new Error(`${name} must be a whole number of seconds, at least ${min}`);
  return value;
}

function describeFailures(result: autocannon.Result): string {
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, stats]) => `${status} ×${stats.count ?? 0}`);
  const errors = result.errors > 0 ? [`${result.errors} connection errors (${result.timeouts} timeouts)`] : [];
  return [...statuses, ...errors].join(', ');
}

/** Drives `target` with `connections` concurrent connections for `seconds`. */
export async function measure(target: LoadTarget, connections: number, seconds: number): Promise<Measurement> {
  const result = await autocannon({ url: target.url, headers: target.headers, connections, duration: seconds });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.errors + result.non2xx,
    failureSummary: describeFailures(result),
  };
}
