/**
 * The hand computation behind the usage and optimization report tests, in BigInt micro-dollars:
 * prices rounded up item by item, a batch's platform fee shared over its items by cost, the
 * figures a report should show for some items, and the USD strings the API writes. Each test file
 * keeps its own catalog, timeline and expectations; this is only the arithmetic they share.
 */
import { expect } from 'vitest';
import type { BatchBody, ResultRow } from './batch-requests.ts';

/** Micro-USD per million tokens: [input, output]. */
export type Prices = readonly [input: bigint, output: bigint];

export const ceilDiv = (numerator: bigint, denominator: bigint) => (numerator + denominator - 1n) / denominator;

/** A list price less a discount in basis points, rounded half up: a lane's price. */
export const offList = (price: bigint, discountBps: bigint) => (price * (10_000n - discountBps) + 5_000n) / 10_000n;

/** What some tokens cost at `prices`, rounded up to the micro-dollar as every charge is. */
export const priceOf = (prices: Prices, input: bigint, output: bigint) => ceilDiv(input * prices[0] + output * prices[1], 1_000_000n);

/** The platform fee on a cost: `feeBps` of it, rounded up. */
export const feeOn = (cost: bigint, feeBps: bigint) => ceilDiv(cost * feeBps, 10_000n);

/** A cost with its platform fee. */
export const withFee = (cost: bigint, feeBps: bigint) => cost + feeOn(cost, feeBps);

/**
 * A batch's fee `fee` shared over its items in finishing order by cost, each share whole
 * micro-dollars: item k gets ⌊F·Cₖ/C⌋ − ⌊F·Cₖ₋₁/C⌋ (Cₖ: the batch's cost up to item k, C its
 * whole cost), so the shares add up to F; nothing when the batch cost nothing.
 */
export function feeShares(fee: bigint, costs: readonly bigint[]): bigint[] {
  const batchCost = costs.reduce((sum, cost) => sum + cost, 0n);
  let through = 0n;
  return costs.map((cost) => {
    const before = through;
    through += cost;
    return batchCost === 0n ? 0n : (fee * through) / batchCost - (fee * before) / batchCost;
  });
}

/** `part` as a percentage of `whole`, to one decimal, as the API rounds it; 0 of nothing. */
export const percent = (part: bigint, whole: bigint) => (whole === 0n ? 0 : Math.round((Number(part) / Number(whole)) * 1000) / 10);

/** "-0.0123" → -12300n. */
export function micros(usd: string): bigint {
  const match = /^(-?)(\d+)\.(\d{2,6})$/.exec(usd);
  if (!match?.[2] || match[3] === undefined) throw new Error(`not a USD amount: ${usd}`);
  const value = BigInt(match[2]) * 1_000_000n + BigInt(match[3].padEnd(6, '0'));
  return match[1] === '-' ? -value : value;
}

/** -12300n → "-0.0123": the API's amounts, at least two decimals and at most six. */
export function usd(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const absolute = value < 0n ? -value : value;
  const fraction = String(absolute % 1_000_000n).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${sign}${absolute / 1_000_000n}.${fraction.padEnd(2, '0')}`;
}

/** One finished item (succeeded or failed) as a test computes it by hand. */
export interface CountedItem {
  batchId: string;
  customerItemId: string;
  /** The model and lane that ran it. */
  model: string;
  lane: string;
  status: string;
  inputTokens: bigint;
  outputTokens: bigint;
  /** At its lane's price; nothing for a failed item. */
  cost: bigint;
  feeShare: bigint;
  /** At its preferred model's list price; nothing for a failed item. */
  baseline: bigint;
}

/** How a test file prices a result row: its catalog's fee, the price of the lane that ran it, and its preferred model's list price. */
export interface Pricing {
  feeBps: bigint;
  lanePrices: (row: ResultRow) => Prices;
  listPrices: (row: ResultRow) => Prices;
}

/**
 * A batch's finished items as charged: each succeeded item's cost at its lane's price and its
 * baseline at its preferred model's list price, both rounded up; the batch's fee (rounded up)
 * shared by `feeShares`. Checks that what settlement charged is that cost plus that fee.
 * `itemOf` adds what the test file keeps beyond a `CountedItem`, from the item's result row.
 */
export function countBatch<Item>(batch: BatchBody, rows: readonly ResultRow[], pricing: Pricing, itemOf: (item: CountedItem, row: ResultRow) => Item): Item[] {
  const counted = rows.filter((row) => row.status === 'succeeded' || row.status === 'failed');
  const costs = counted.map((row) => (row.status === 'succeeded' && row.usage ? priceOf(pricing.lanePrices(row), BigInt(row.usage.input_tokens), BigInt(row.usage.output_tokens)) : 0n));
  const batchCost = costs.reduce((sum, cost) => sum + cost, 0n);
  const fee = feeOn(batchCost, pricing.feeBps);
  // What settlement charged is the cost plus the fee: the hand computation agrees with the ledger.
  expect(micros(batch.cost.charged)).toBe(batchCost + fee);
  const shares = feeShares(fee, costs);
  return counted.map((row, k) => {
    const usage = row.usage ?? { input_tokens: 0, output_tokens: 0 };
    const item: CountedItem = {
      batchId: batch.id,
      customerItemId: row.customer_item_id,
      model: row.model,
      lane: row.lane,
      status: row.status,
      inputTokens: BigInt(usage.input_tokens),
      outputTokens: BigInt(usage.output_tokens),
      cost: costs[k] ?? 0n,
      feeShare: shares[k] ?? 0n,
      baseline: row.status === 'succeeded' ? priceOf(pricing.listPrices(row), BigInt(usage.input_tokens), BigInt(usage.output_tokens)) : 0n,
    };
    return itemOf(item, row);
  });
}

/** Usage figures as GET /v1/usage and the optimization report show them, for a group or the totals. */
export type Figures = {
  items: { total: number; succeeded: number; failed: number };
  input_tokens: number;
  output_tokens: number;
  cost: { provider_cost: string; platform_fee: string; total: string };
  baseline: string;
  savings: { amount: string; percent: number };
};

/** Figures in numbers, to compare a response's (`figuresOf`) with the hand computation's (`expectedOf`); `key` names a group. */
export type Expected = { key?: string; items: number; succeeded: number; failed: number; input_tokens: number; output_tokens: number; provider_cost: bigint; platform_fee: bigint; total: bigint; baseline: bigint; savings: bigint; percent: number };

/** The figures `items` should add up to. */
export function expectedOf(items: readonly CountedItem[], key?: string): Expected {
  const sum = (pick: (item: CountedItem) => bigint) => items.reduce((total, item) => total + pick(item), 0n);
  const cost = sum((item) => item.cost);
  const fee = sum((item) => item.feeShare);
  const baseline = sum((item) => item.baseline);
  const savings = baseline - cost - fee;
  return {
    ...(key !== undefined ? { key } : {}),
    items: items.length,
    succeeded: items.filter((item) => item.status === 'succeeded').length,
    failed: items.filter((item) => item.status === 'failed').length,
    input_tokens: Number(sum((item) => item.inputTokens)),
    output_tokens: Number(sum((item) => item.outputTokens)),
    provider_cost: cost,
    platform_fee: fee,
    total: cost + fee,
    baseline,
    savings,
    percent: percent(savings, baseline),
  };
}

/** A response's figures in numbers. */
export function figuresOf(figures: Figures, key?: string): Expected {
  return {
    ...(key !== undefined ? { key } : {}),
    items: figures.items.total,
    succeeded: figures.items.succeeded,
    failed: figures.items.failed,
    input_tokens: figures.input_tokens,
    output_tokens: figures.output_tokens,
    provider_cost: micros(figures.cost.provider_cost),
    platform_fee: micros(figures.cost.platform_fee),
    total: micros(figures.cost.total),
    baseline: micros(figures.baseline),
    savings: micros(figures.savings.amount),
    percent: figures.savings.percent,
  };
}
