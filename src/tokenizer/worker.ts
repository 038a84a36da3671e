/** A tokenizer thread of the pool (pool.ts): counts the tokens of each of a slice of texts. */
import { countTextTokens } from '../domain/tokens.ts';

export interface SliceTask {
  texts: string[];
}

export default function countSlice(task: SliceTask): Uint32Array {
  const counts = new Uint32Array(task.texts.length);
  for (let i = 0; i < task.texts.length; i++) counts[i] = countTextTokens(task.texts[i] as string);
  return counts;
}
