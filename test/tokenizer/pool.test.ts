/** The tokenizer pool measures exactly what the request thread would, for small and large manifests alike. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineMeasurer, measureItems, measuringOnce } from '../../src/domain/measure-items.ts';
import { countInputTokens } from '../../src/domain/tokens.ts';
import { ManifestTexts, startTokenizerPool, type TokenizerPool } from '../../src/tokenizer/pool.ts';

let pools: TokenizerPool[];
beforeAll(() => {
  pools = [1, 2, 3].map(startTokenizerPool);
});
afterAll(async () => Promise.all(pools.map((pool) => pool.close())));

const texts = Array.from({ length: 1_200 }, (_, i) => `Ticket ${i}: the customer says order #${i * 7919} arrived ${i % 3 === 0 ? 'late' : 'damaged'}; ${'word '.repeat(i % 40)}`);

/** 3,600 items of every operation, some with model_options, inputs with keys out of order. */
const items = texts.flatMap((text, i) => [
  { customer_item_id: `r-${i}`, operation: 'responses', model: 'gpt-5.4-mini', input: { input: text, instructions: i % 2 === 0 ? 'Be brief.' : undefined } },
  {
    customer_item_id: `c-${i}`,
    operation: 'chat.completions',
    model: 'gpt-5.4-mini',
    model_options: ['gpt-5.4'],
    input: { messages: [{ role: 'system', content: 'Summarize.' }, { role: 'user', content: [{ type: 'text', text }] }], max_tokens: 50 },
  },
  { customer_item_id: `e-${i}`, operation: 'embeddings', model: 'text-embedding-3-small', input: { input: [text, text.toUpperCase()] } },
]);

/**
 * The digest by its definition: SHA-256 of the items as a JSON array, each item's fields in the
 * order customer_item_id, input, model, model_options, operation, the input as JSON.stringify writes it.
 */
function expectedDigest(list: readonly Record<string, unknown>[]): string {
  const fields = ['customer_item_id', 'input', 'model', 'model_options', 'operation'];
  const normalised = list.map((item) => Object.fromEntries(fields.filter((field) => item[field] !== undefined).map((field) => [field, item[field]])));
  return createHash('sha256').update(JSON.stringify(normalised)).digest('hex');
}

describe('measuring manifest items', () => {
  it('counts every operation as countInputTokens does, writes each input as JSON, and digests the items by its definition', () => {
    const measured = measureItems(items, true);
    expect(Array.from(measured.tokens)).toEqual(items.map((item) => countInputTokens(item.operation as 'responses', item.input)));
    expect(measured.inputJson).toEqual(items.map((item) => JSON.stringify(item.input)));
    expect(Array.from(measured.bytes)).toEqual(items.map((item) => Buffer.byteLength(JSON.stringify(item.input))));
    expect(measured.digest).toBe(expectedDigest(items));
    expect(measureItems(items, false).inputJson).toBeNull();
  });

  it('measures a large manifest across 1, 2 or 3 threads exactly as one thread does', async () => {
    const inline = measureItems(items, true);
    for (const pool of pools) {
      const measured = await pool.measure([...items], true);
      expect(Array.from(measured.tokens)).toEqual(Array.from(inline.tokens));
      expect(Array.from(measured.bytes)).toEqual(Array.from(inline.bytes));
      expect(measured.inputJson).toEqual(inline.inputJson);
      expect(measured.digest).toBe(inline.digest);
    }
  });

  it("gives the same digest for items listing their own fields in another order, another for another input", async () => {
    const reordered = items.map(({ input, model, operation, customer_item_id, ...rest }) => ({ ...rest, input, model, operation, customer_item_id }));
    expect((await pools[1]?.measure(reordered, false))?.digest).toBe(measureItems(items, false).digest);
    const changed = items.map((item, i) => (i === 1_234 ? { ...item, input: { ...item.input, max_tokens: 51 } } : item));
    expect((await pools[1]?.measure(changed, false))?.digest).not.toBe(measureItems(items, false).digest);
  });

  it('counts a text that many items share once, and gives each item its tokens all the same', async () => {
    const prompt = `You grade support answers. ${'Be strict about facts and tone. '.repeat(200)}`;
    const shared = texts.map((text, i) => ({ customer_item_id: `s-${i}`, operation: 'responses', model: 'gpt-5.4-mini', input: { instructions: prompt, input: text } }));
    const collected = new ManifestTexts(shared.length);
    const first = collected.collect(shared, 0, 600);
    const second = collected.collect(shared, 600, shared.length);
    expect(first).toEqual([prompt, ...texts.slice(0, 600)]);
    expect(second).toEqual(texts.slice(600));
    const inline = measureItems(shared, false);
    for (const pool of pools) expect(Array.from((await pool.measure([...shared], false)).tokens)).toEqual(Array.from(inline.tokens));
  });

  it('measures a small manifest in the calling thread, and anything at all without throwing', async () => {
    const few = items.slice(0, 5);
    expect(await pools[0]?.measure(few, true)).toEqual(measureItems(few, true));
    const junk = [null, 3, 'x', [], { operation: 'responses', input: 'not an object' }, { operation: 'nope', input: { input: 'hi' } }];
    expect(Array.from((await inlineMeasurer.measure(junk, true)).tokens)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from((await pools[1]?.measure(Array.from({ length: 500 }, () => junk).flat(), false))?.tokens ?? [])).toEqual(new Array(3000).fill(0));
  });

  it('measures one items array once: a measurement started early serves the request that asks later', async () => {
    let runs = 0;
    const measurer = measuringOnce(async (list, keepJson) => {
      runs++;
      return measureItems(list, keepJson);
    });
    const list = items.slice(0, 10);
    const first = measurer.measure(list, true);
    expect(measurer.measure(list, false)).toBe(first);
    expect(measurer.measure(list, true)).toBe(first);
    expect(runs).toBe(1);
    // Without the JSON, a later request for it measures again.
    const other = items.slice(0, 10);
    await measurer.measure(other, false);
    await measurer.measure(other, true);
    expect(runs).toBe(3);
  });
});
