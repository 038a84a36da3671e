/** A tokenizer thread of the pool (pool.ts): counts the tokens of a slice of texts. */
import { countTextTokens } from '../domain/tokens.ts';

export default function countSlice(texts: string[]): Uint32Array {
  const counts = new Uint32Array(texts.length);
  for (let i = 0; i < texts.length; i++) counts[i] = countTextTokens(texts[i] ?? '');
  return counts;
}
