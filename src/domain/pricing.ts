/**
 * Prices in integer micro-USD: a lane's price for a model (the list price less the lane's
 * discount), what a number of tokens costs, and the platform fee. Every division rounds up, so an
 * estimate never understates and a charge never loses a fraction of a micro-dollar to rounding.
 */
import type { CatalogLane, CatalogModel } from './catalog.ts';
import { lanePrice } from './catalog-lanes.ts';

export interface TokenPrices {
  inputMicrosPerMillion: number;
  outputMicrosPerMillion: number;
}

function ceilDiv(numerator: number, denominator: number): number {
  return Math.floor((numerator + denominator - 1) / denominator);
}

/** The model's sync list price: the baseline savings are measured against. */
export function listPrices(model: CatalogModel): TokenPrices {
  return { inputMicrosPerMillion: model.input_micros_per_million, outputMicrosPerMillion: model.output_micros_per_million };
}

/** The price of a model on a lane: the same rule the public catalog shows (catalog-lanes.ts). */
export function lanePrices(lane: CatalogLane, model: CatalogModel): TokenPrices {
  const price = lanePrice(model, lane);
  return { inputMicrosPerMillion: price.input_micros_per_million, outputMicrosPerMillion: price.output_micros_per_million };
}

/**
 * What `input` and `output` tokens cost at `prices`, rounded up to the micro-dollar. Exact: in
 * integers while the product is a safe integer (always, for real batches), else in BigInt.
 */
export function tokenCost(prices: TokenPrices, input: number, output: number): number {
  const scaled = input * prices.inputMicrosPerMillion + output * prices.outputMicrosPerMillion;
  if (Number.isSafeInteger(scaled)) {
    const whole = Math.floor(scaled / 1_000_000);
    // The division may round; the remainder, computed exactly, settles the result.
    const remainder = scaled - whole * 1_000_000;
    if (remainder < 0) return whole - 1 + (remainder + 1_000_000 > 0 ? 1 : 0);
    if (remainder >= 1_000_000) return whole + 1 + (remainder - 1_000_000 > 0 ? 1 : 0);
    return remainder > 0 ? whole + 1 : whole;
  }
  const exact = BigInt(input) * BigInt(prices.inputMicrosPerMillion) + BigInt(output) * BigInt(prices.outputMicrosPerMillion);
  return Number((exact + 999_999n) / 1_000_000n);
}

/** BatchRouter's fee on a provider subtotal, rounded up. */
export function platformFee(subtotalMicros: number, feeBps: number): number {
  return ceilDiv(subtotalMicros * feeBps, 10_000);
}
