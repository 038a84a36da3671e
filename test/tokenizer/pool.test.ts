/** The tokenizer pool counts exactly what the request thread would, for small and large jobs alike. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllInputTokens, countInputTokens, countTextTokens, inlineTokenCounter } from '../../src/domain/tokens.ts';
import { startTokenizerPool, type TokenizerPool } from '../../src/tokenizer/pool.ts';

let pool: TokenizerPool;
beforeAll(() => {
  pool = startTokenizerPool(2);
});
afterAll(async () => pool.close());

const texts = Array.from({ length: 3_000 }, (_, i) => `Ticket ${i}: the customer says order #${i * 7919} arrived ${i % 3 === 0 ? 'late' : 'damaged'}; ${'word '.repeat(i % 40)}`);

describe('the tokenizer pool', () => {
  it('counts a large job across its threads, in order, exactly as one thread does', async () => {
    expect(Array.from(await pool.countTexts(texts))).toEqual(texts.map(countTextTokens));
  });

  it('counts a small job in the calling thread', async () => {
    expect(Array.from(await pool.countTexts(['hello world', '']))).toEqual([countTextTokens('hello world'), 0]);
  });

  it('counts every operation\'s inputs as countInputTokens does, messages, instructions and embeddings included', async () => {
    const inputs = texts.flatMap((text, i) => [
      { operation: 'responses' as const, input: { input: text, instructions: i % 2 === 0 ? 'Be brief.' : undefined } },
      { operation: 'chat.completions' as const, input: { messages: [{ role: 'system', content: 'Summarize.' }, { role: 'user', content: [{ type: 'text', text }] }] } },
      { operation: 'embeddings' as const, input: { input: [text, text.toUpperCase()] } },
    ]);
    const expected = inputs.map(({ operation, input }) => countInputTokens(operation, input));
    expect(await countAllInputTokens(pool, inputs)).toEqual(expected);
    expect(await countAllInputTokens(inlineTokenCounter, inputs)).toEqual(expected);
  });
});
