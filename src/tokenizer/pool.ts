/**
 * Measuring manifest items (src/domain/measure-items.ts) on worker threads. A large manifest is
 * cut into one slice of whole digest runs per thread, all handed over at once: a thread then works
 * through its whole share (tokens, canonical JSON, digests) while the request thread checks the
 * manifest. Small manifests are measured in the calling thread: handing them over would cost more
 * than it saves.
 */
import { Piscina } from 'piscina';
import { ITEMS_PER_DIGEST, joinMeasured, measureItems, measuringOnce, type ItemMeasurer, type MeasuredItems } from '../domain/measure-items.ts';
import type { SliceTask } from './worker.ts';

/** Up to this many items are measured in the calling thread (about a millisecond of work). */
const INLINE_ITEMS = 64;
/**
 * Threads are started by the first large job and stop after this long without one: each holds its
 * own copy of the tokenizer's tables (about 85 MB), which an idle server should not keep.
 */
const IDLE_THREAD_MS = 5 * 60_000;

export interface TokenizerPool extends ItemMeasurer {
  readonly threads: number;
  close(): Promise<void>;
}

/** Cuts `items` into up to `count` slices of whole digest runs, of about equal length. */
function slices(items: readonly unknown[], count: number): unknown[][] {
  const runs = Math.ceil(items.length / ITEMS_PER_DIGEST);
  const perSlice = Math.ceil(runs / count) * ITEMS_PER_DIGEST;
  const result: unknown[][] = [];
  for (let start = 0; start < items.length; start += perSlice) result.push(items.slice(start, start + perSlice));
  return result;
}

/** A pool of up to `threads` tokenizer threads, until `close`. */
export function startTokenizerPool(threads: number): TokenizerPool {
  const piscina = new Piscina<SliceTask, MeasuredItems>({
    filename: new URL('./worker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_THREAD_MS,
  });
  const measurer = measuringOnce(async (items, keepJson) => {
    if (items.length <= INLINE_ITEMS) return measureItems(items, keepJson);
    const parts = await Promise.all(slices(items, threads).map((slice) => piscina.run({ items: slice, keepJson })));
    return joinMeasured(parts, keepJson);
  });
  return { threads, measure: measurer.measure, close: () => piscina.destroy() };
}
