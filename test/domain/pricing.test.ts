/** Token costs are exact: rounded up to the micro-dollar, the same in the fast path as in BigInt. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenCost } from '../../src/domain/pricing.ts';

function exact(input: number, output: number, inputPrice: number, outputPrice: number): number {
  const scaled = BigInt(input) * BigInt(inputPrice) + BigInt(output) * BigInt(outputPrice);
  return Number((scaled + 999_999n) / 1_000_000n);
}

describe('tokenCost', () => {
  it('rounds up to the micro-dollar', () => {
    const prices = { inputMicrosPerMillion: 250_000, outputMicrosPerMillion: 2_000_000 };
    expect(tokenCost(prices, 0, 0)).toBe(0);
    expect(tokenCost(prices, 1, 0)).toBe(1);
    expect(tokenCost(prices, 4, 0)).toBe(1);
    expect(tokenCost(prices, 5, 0)).toBe(2);
    expect(tokenCost(prices, 1_000_000, 1_000_000)).toBe(2_250_000);
  });

  it('equals the BigInt computation for any counts and prices, near and beyond 2^53', () => {
    const count = fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
    const price = fc.oneof(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 2 ** 40 }));
    fc.assert(
      fc.property(count, count, price, price, (input, output, inputPrice, outputPrice) => {
        expect(tokenCost({ inputMicrosPerMillion: inputPrice, outputMicrosPerMillion: outputPrice }, input, output)).toBe(exact(input, output, inputPrice, outputPrice));
      }),
      { numRuns: 5_000 },
    );
  });

  it('is exact where the float quotient rounds across a whole micro-dollar', () => {
    // Just above a multiple of 1,000,000 near 2^53, where scaled / 1e6 rounds to the multiple.
    for (const scaled of [2 ** 53 - 1, 9_007_199_254_000_001, 9_000_000_000_000_001, 8_999_999_999_999_999]) {
      expect(tokenCost({ inputMicrosPerMillion: 1, outputMicrosPerMillion: 0 }, scaled, 0)).toBe(exact(scaled, 0, 1, 0));
    }
  });
});
