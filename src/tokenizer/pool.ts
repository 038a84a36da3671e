/**
 * Token counting spread over worker threads. A large manifest's texts are cut into one slice per
 * thread, of about equal length, all handed over at once: a thread then works through its whole
 * share without waiting on the calling thread, which meanwhile checks and hashes the manifest (a
 * pool that handed out small slices one by one would wait for the busy calling thread between
 * them). Small jobs are counted in the calling thread: handing them over would cost more than it
 * saves.
 */
import { Piscina } from 'piscina';
import { countTextTokens, type TokenCounter } from '../domain/tokens.ts';

/** Below this many characters in all, texts are counted in the calling thread (about a millisecond of work). */
const INLINE_CHARACTERS = 32 * 1024;
/**
 * Threads are started by the first large job and stop after this long without one: each holds its
 * own copy of the tokenizer's tables (about 85 MB), which an idle server should not keep.
 */
const IDLE_THREAD_MS = 5 * 60_000;

export interface TokenizerPool extends TokenCounter {
  readonly threads: number;
  close(): Promise<void>;
}

/** Cuts `texts` into `count` runs of consecutive texts of about equal total length. */
function slices(texts: readonly string[], count: number, characters: number): string[][] {
  const result: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const text of texts) {
    current.push(text);
    length += text.length;
    if (length >= characters / count && result.length < count - 1) {
      result.push(current);
      current = [];
      length = 0;
    }
  }
  result.push(current);
  return result;
}

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
      const counted = await Promise.all(slices(texts, threads, characters).map((slice) => piscina.run(slice)));
      const counts = new Uint32Array(texts.length);
      let offset = 0;
      for (const part of counted) {
        counts.set(part, offset);
        offset += part.length;
      }
      return counts;
    },
    close: () => piscina.destroy(),
  };
}
