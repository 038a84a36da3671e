/**
 * Counting the tokens of manifest items on worker threads. A large manifest is cut into one run of
 * items per thread; each run's texts (plain strings, which are cheap to hand over, not the items)
 * go to a thread as soon as they are collected, and a text many items share (a system prompt,
 * instructions) is counted once. The request thread writes the items' JSON and digest meanwhile
 * (src/domain/measure-items.ts), then goes on to check the manifest. Small manifests are measured
 * in the calling thread: handing them over would cost more than it saves.
 */
import { Piscina } from 'piscina';
import { itemTexts, measureItems, measureShape, measuringOnce, type ItemMeasurer } from '../domain/measure-items.ts';
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

/**
 * A manifest's distinct texts, collected a run of items at a time, and for each item the tokens
 * its format adds and which of the texts are its own.
 */
export class ManifestTexts {
  readonly texts: string[] = [];
  readonly overhead: Uint32Array;
  /** Item i's texts are `texts[slots[k]]` for k from `firstSlot[i]` up to `firstSlot[i + 1]`. */
  readonly firstSlot: Uint32Array;
  slots: Uint32Array;
  private used = 0;
  private readonly slotOf = new Map<string, number>();

  constructor(items: number) {
    this.overhead = new Uint32Array(items);
    this.firstSlot = new Uint32Array(items + 1);
    this.slots = new Uint32Array(items * 2);
  }

  /** Collects the texts of items `from` up to `to`; returns those not seen before. */
  collect(items: readonly unknown[], from: number, to: number): string[] {
    const firstNew = this.texts.length;
    for (let i = from; i < to; i++) {
      const counted = itemTexts(items[i]);
      this.overhead[i] = counted.overhead;
      this.firstSlot[i] = this.used;
      for (const text of counted.texts) {
        let slot = this.slotOf.get(text);
        if (slot === undefined) {
          slot = this.texts.push(text) - 1;
          this.slotOf.set(text, slot);
        }
        if (this.used === this.slots.length) {
          const grown = new Uint32Array(this.slots.length * 2);
          grown.set(this.slots);
          this.slots = grown;
        }
        this.slots[this.used++] = slot;
      }
    }
    this.firstSlot[to] = this.used;
    return this.texts.slice(firstNew);
  }

  /** Each item's tokens, from the counts of `texts` in order. */
  tokens(counts: Uint32Array, into: Uint32Array): void {
    for (let i = 0; i < into.length; i++) {
      let tokens = this.overhead[i] as number;
      for (let k = this.firstSlot[i] as number; k < (this.firstSlot[i + 1] as number); k++) tokens += counts[this.slots[k] as number] as number;
      into[i] = tokens;
    }
  }
}

/** A pool of up to `threads` tokenizer threads, until `close`. */
export function startTokenizerPool(threads: number): TokenizerPool {
  const piscina = new Piscina<SliceTask, Uint32Array>({
    filename: new URL('./worker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_THREAD_MS,
  });
  const measurer = measuringOnce(async (items, keepJson) => {
    if (items.length <= INLINE_ITEMS) return measureItems(items, keepJson);
    const texts = new ManifestTexts(items.length);
    const counting: Promise<Uint32Array>[] = [];
    const perThread = Math.ceil(items.length / threads);
    for (let from = 0; from < items.length; from += perThread) {
      counting.push(piscina.run({ texts: texts.collect(items, from, Math.min(items.length, from + perThread)) }));
    }
    const measured = measureShape(items, keepJson);
    const counts = new Uint32Array(texts.texts.length);
    let at = 0;
    for (const part of await Promise.all(counting)) {
      counts.set(part, at);
      at += part.length;
    }
    texts.tokens(counts, measured.tokens);
    return measured;
  });
  return { threads, measure: measurer.measure, close: () => piscina.destroy() };
}
