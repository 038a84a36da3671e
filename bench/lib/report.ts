/**
 * What every benchmark prints: progress on stderr, figures on stdout, goals as "met" / "NOT met"
 * (a missed goal is reported, never a failed run), and a few small measuring helpers.
 */
import { performance } from 'node:perf_hooks';

export const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** A progress printer for one benchmark: `[bench <name>] …` on stderr, so stdout stays the report. */
export function progressOf(name: string): (message: string) => void {
  return (message) => console.error(`[bench ${name}] ${message}`);
}

/** "met" or "NOT met" for a figure against an upper bound. */
export function atMost(value: number, goal: number): string {
  return value <= goal ? 'met' : 'NOT met';
}

/** "met" or "NOT met" for a figure against a lower bound. */
export function atLeast(value: number, goal: number): string {
  return value >= goal ? 'met' : 'NOT met';
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

/** Runs `fn` and returns its result with the wall time it took, in milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - start };
}

/** A whole number from the environment variable `name`, at least `min`; `fallback` when unset. */
export function countFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min) throw new Error(`${name} must be a whole number, at least ${min}`);
  return value;
}

/** Milliseconds with the samples they are the median of, e.g. "812 ms (median of 790, 812, 901)". */
export function describeMs(samples: readonly number[]): string {
  const middle = `${Math.round(median(samples))} ms`;
  return samples.length === 1 ? middle : `${middle} (median of ${samples.map((ms) => Math.round(ms)).join(', ')})`;
}
