/**
 * The catalog: providers, models with their list prices, and the lanes that can run them. Loaded
 * from a JSON file the operator can edit (catalog/catalog.json by default), validated at start-up.
 * Prices are integer micro-USD per million tokens inside; the file writes them as decimal dollars.
 */

export const OPERATIONS = ['responses', 'chat.completions', 'embeddings'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const REGIONS = ['us', 'eu', 'apac'] as const;
export type Region = (typeof REGIONS)[number];

export type ProviderKind = 'sandbox' | 'openai' | 'anthropic' | 'openai_compatible';
export type LaneMode = 'batch' | 'sync';

export interface CatalogProvider {
  id: string;
  name: string;
  kind: ProviderKind;
  /**
   * The provider's API base URL, which `<PROVIDER_ID>_BASE_URL` overrides. An openai_compatible
   * provider needs one (else its lanes stay off); for openai and anthropic null means the official one.
   */
  base_url: string | null;
}

export interface CatalogModel {
  id: string;
  provider: string;
  display_name: string;
  operations: Operation[];
  /** Sync list price, micro-USD per million input tokens. */
  input_micros_per_million: number;
  /** Sync list price, micro-USD per million output tokens (0 for embeddings). */
  output_micros_per_million: number;
  /** Output tokens assumed for an estimate when the item sets no maximum. */
  expected_output_tokens: number;
  /** Output tokens assumed for the reserved maximum when the item sets no maximum. */
  default_max_output_tokens: number;
  /** Cheaper models that can stand in for this one (the optimization report suggests them). */
  equivalents: string[];
}

export interface CatalogLane {
  id: string;
  provider: string;
  mode: LaneMode;
  region: Region;
  /** Models this lane runs; each must be in the catalog. */
  models: string[];
  /** Discount on the models' list prices in basis points (5000 = the usual 50% batch discount). */
  discount_bps: number;
  zero_data_retention: boolean;
  self_hosted: boolean;
  /** Expected time from dispatch to results, before observations refine it. */
  expected_turnaround_seconds: number;
  /** Provider limits per work unit (one batch job): items and bytes. */
  max_items_per_job: number;
  max_bytes_per_job: number;
  /** How hard the router may drive the lane (sync calls; batch lanes use the timeout only). */
  limits: LaneLimits;
}

export interface LaneLimits {
  /** Calls in flight at once, across every work unit of this process. */
  concurrency: number;
  /** The provider's budgets for this lane's key, or null when it sets none. */
  requests_per_minute: number | null;
  tokens_per_minute: number | null;
  /** Longest wait for one provider call before it counts as a retryable timeout. */
  timeout_seconds: number;
}

export interface Catalog {
  /** BatchRouter's fee on the provider subtotal, in basis points. */
  platform_fee_bps: number;
  providers: CatalogProvider[];
  models: CatalogModel[];
  lanes: CatalogLane[];
}
