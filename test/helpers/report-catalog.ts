/**
 * The catalog the usage and native optimization report tests run on: two simulated providers,
 * east running `large` and west running `small` (large's cheaper equivalent), with a 5% platform
 * fee. Each test file adds the lanes its own timeline needs, and prices them itself.
 */

export const FEE_BPS = 500n;
/** Sync list prices, micro-USD per million tokens: [input, output]. */
export const LIST = { large: [3_000_000n, 15_000_000n], small: [400_000n, 1_600_000n] } as const;
export type Model = keyof typeof LIST;

/** Job limits of every lane of these catalogs. */
export const LANE_LIMITS = { max_items_per_job: 1000, max_bytes_per_job: 10_000_000 };

/** The catalog file's contents: both providers and both models (at the `LIST` prices), with `lanes`. */
export function reportCatalog(lanes: readonly Record<string, unknown>[]) {
  return {
    platform_fee_bps: Number(FEE_BPS),
    providers: [
      { id: 'east', name: 'East (simulated)', kind: 'sandbox' },
      { id: 'west', name: 'West (simulated)', kind: 'sandbox' },
    ],
    models: [
      { id: 'large', provider: 'east', display_name: 'Large', operations: ['responses'], input_per_million: '3.00', output_per_million: '15.00', expected_output_tokens: 50, default_max_output_tokens: 256, equivalents: ['small'] },
      { id: 'small', provider: 'west', display_name: 'Small', operations: ['responses'], input_per_million: '0.40', output_per_million: '1.60', expected_output_tokens: 50, default_max_output_tokens: 256, equivalents: [] },
    ],
    lanes,
  };
}
