/**
 * Token counting spread over worker threads. A large manifest's texts are cut into slices of a
 * few milliseconds' work each; the pool's threads take slices one at a time, and so does the
 * calling thread whenever it has nothing else to do (between events, so a big quote never blocks
 * other requests for more than one slice). A 50,000-item quote is counted in a fraction of the time
 * one thread would take, while the request thread checks and hashes the manifest meanwhile.
 * Small jobs are counted in the calling thread: handing them over would cost more than it saves.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { countTextTokens, type TokenCounter } from '../domain/tokens.ts';

/** Below this many characters in all, texts are counted in the calling thread at once (about a millisecond of work). */
const INLINE_CHARACTERS = 32 * 1024;
/** Characters per slice: a few milliseconds of counting. */
const SLICE_CHARACTERS = 64 * 1024;

export interface TokenizerPool extends TokenCounter {
  readonly threads: number;
  close(): Promise<void>;
}

interface Slice {
  /** Index of the slice's first text. */
  start: number;
  texts: string[];
}

/** Cuts `texts` into runs of consecutive texts of about SLICE_CHARACTERS each. */
function slices(texts: readonly string[]): Slice[] {
  const result: Slice[] = [];
  let current: Slice = { start: 0, texts: [] };
  let length = 0;
  texts.forEach((text, index) => {
    current.texts.push(text);
    length += text.length;
    if (length >= SLICE_CHARACTERS) {
      result.push(current);
      current = { start: index + 1, texts: [] };
      length = 0;
    }
  });
  if (current.texts.length > 0) result.push(current);
  return result;
}

/**
 * Threads are started by the first large job and stop after this long without one: each holds its
 * own copy of the tokenizer's tables (about 85 MB), which an idle server should not keep.
 */
const IDLE_THREAD_MS = 5 * 60_000;

/** A pool of up to `threads` tokenizer threads, until `close`. */
export function startTokenizerPool(threads: number): TokenizerPool {
  const piscina = new Piscina<string[], Uint32Array>({
    filename: new URL('./worker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_THREAD_MS,
  });
  return {
    threads,
    async countTexts(texts) {
      let characters = 0;
      for (const text of texts) characters += text.length;
      if (characters < INLINE_CHARACTERS) return texts.map(countTextTokens);
      const queue = slices(texts);
      const counts = new Uint32Array(texts.length);
      let next = 0;
      const take = () => queue[next++];
      const inPool = async () => {
        for (let slice = take(); slice !== undefined; slice = take()) counts.set(await piscina.run(slice.texts), slice.start);
      };
      const inThisThread = async () => {
        for (;;) {
          await nextTurn();
          const slice = take();
          if (slice === undefined) return;
          slice.texts.forEach((text, i) => {
            counts[slice.start + i] = countTextTokens(text);
          });
        }
      };
      await Promise.all([...Array.from({ length: threads }, inPool), inThisThread()]);
      return counts;
    },
    close: () => piscina.destroy(),
  };
}
