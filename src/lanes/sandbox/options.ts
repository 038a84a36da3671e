/** How a sandbox lane behaves, and what it needs to run. */
import { countTextTokens as countDomainTokens } from '../../domain/tokens.ts';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.ts';
import type { DB } from '../../db/schema.ts';

export interface SandboxOptions {
  /** Every draw (failures, latency, finish order) derives from it: same seed, same run. */
  seed: string;
  /**
   * Sync call latency, log-normal with this median and 99th percentile, drawn per request.
   * `{ medianMs: 0, p99Ms: 0 }` answers at once, without a timer.
   */
  latencyMs: { medianMs: number; p99Ms: number };
  /** Time from submit until a batch job completes; 0 completes it at once. */
  batchTurnaroundMs: number;
  /** Share of requests (0..1) failing with a retryable `server_error` or `rate_limited`. */
  transientFailureRate: number;
  /** Share of requests (0..1) failing with a non-retryable `invalid_request`. */
  permanentFailureRate: number;
}

/** Counts the tokens of a text. */
export type TokenCounter = (text: string) => number;

export interface SandboxDependencies {
  /** Where batch jobs live, so any worker process can poll a job another one submitted. */
  db: Kysely<DB>;
  /** Decides when a batch job is ready. */
  clock: Clock;
  /** Defaults to o200k_base, the encoding of current OpenAI models. */
  tokenCounter?: TokenCounter;
}

/** Counts like quotes do (linear time, special markers as plain text), so estimates and usage agree. */
export const countTextTokens: TokenCounter = countDomainTokens;

function isRate(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1;
}

/** Throws a RangeError naming every bad option, so a misconfigured lane fails at start-up. */
export function checkSandboxOptions(options: SandboxOptions): void {
  const problems: string[] = [];
  const { medianMs, p99Ms } = options.latencyMs;
  if (!Number.isFinite(medianMs) || medianMs < 0) problems.push('latencyMs.medianMs must be a number ≥ 0');
  if (!Number.isFinite(p99Ms) || p99Ms < medianMs) problems.push('latencyMs.p99Ms must be a number ≥ latencyMs.medianMs');
  if (medianMs === 0 && p99Ms !== 0) problems.push('latencyMs.p99Ms must be 0 when latencyMs.medianMs is 0 (a log-normal has no zero median)');
  if (!Number.isFinite(options.batchTurnaroundMs) || options.batchTurnaroundMs < 0) problems.push('batchTurnaroundMs must be a number ≥ 0');
  if (!isRate(options.transientFailureRate)) problems.push('transientFailureRate must be between 0 and 1');
  if (!isRate(options.permanentFailureRate)) problems.push('permanentFailureRate must be between 0 and 1');
  if (options.transientFailureRate + options.permanentFailureRate > 1) problems.push('transientFailureRate + permanentFailureRate must not exceed 1');
  if (problems.length > 0) throw new RangeError(`invalid sandbox options: ${problems.join('; ')}`);
}
