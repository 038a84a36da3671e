/** The shapes the dashboard reads from the /v1 API (see src/http/routes/ for the source of truth). */

export type Role = 'owner' | 'admin' | 'member';

export interface User {
  id: string;
  email: string;
  email_verified_at: string | null;
  last_login_at: string | null;
  created_at: string;
}

export interface OrgMembership {
  id: string;
  display_name: string;
  role: Role;
}

export interface SessionInfo {
  id: string;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
}

/** GET /v1/auth/session, and the answer of sign-in, sign-up, accepting an invitation and switching workspace. */
export interface CurrentSession {
  user: User;
  org: OrgMembership;
  orgs: OrgMembership[];
  session: SessionInfo;
  csrf_token: string;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface List<T> {
  data: T[];
}

export interface BrowserSession {
  id: string;
  current: boolean;
  org_id: string;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
  idle_expires_at: string;
  expires_at: string;
}

export interface Member {
  user_id: string;
  email: string;
  role: Role;
  joined_at: string;
  email_verified_at: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  created_at: string;
  expires_at: string;
  invited_by: string | null;
  revoked_at: string | null;
}

/** GET /v1/auth/invitations/{token} */
export interface InvitationPreview {
  org: { display_name: string };
  email: string;
  role: Role;
  account_exists: boolean;
  expires_at: string;
}

export interface ActivityEvent {
  id: string;
  action: string;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown> | null;
  created_at: string;
}

export interface ApiKey {
  api_key_id: string;
  name: string | null;
  environment: string;
  role: Role;
  scopes: string[];
  prefix: string;
  display: string;
  legacy: boolean;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface CreatedApiKey {
  api_key: string;
  api_key_id: string;
  name: string | null;
  expires_at: string | null;
  role: Role;
  scopes: string[];
  display: string;
  created_at: string;
}

export interface DeliveryWebhook {
  url: string;
  /** Masked (`whsec_…wxyz`), except in the answer that generated or rotated it. */
  secret: string;
  previous_secret_expires_at: string | null;
  status: 'enabled' | 'disabled';
  disabled_at: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryAttempt {
  attempt: number;
  attempted_at: string;
  outcome: string;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  address: string | null;
  duration_ms: number | null;
}

export interface WebhookDelivery {
  id: string;
  event_id: string;
  event_type: string;
  batch_id: string | null;
  url: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  attempts: DeliveryAttempt[];
}

export type BatchStatus = 'pending' | 'queued' | 'routing' | 'dispatched' | 'processing' | 'completing' | 'completed' | 'failed' | 'cancelled' | 'expired';
export type ItemStatus = 'queued' | 'dispatched' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

export const TERMINAL_BATCH_STATUSES: readonly BatchStatus[] = ['completed', 'failed', 'cancelled', 'expired'];

export interface PricingEstimate {
  currency: 'usd';
  provider_subtotal: string;
  platform_fee: string;
  total: string;
  max: string;
}

export interface Batch {
  id: string;
  status: BatchStatus;
  sla_tier: string;
  routing_mode: string;
  privacy_tier: string;
  allowed_regions: string[];
  sla_deadline: string;
  quote_id: string | null;
  metadata: Record<string, string>;
  item_count: number;
  counts: Record<ItemStatus, number>;
  pricing_estimate: PricingEstimate;
  cost: { currency: 'usd'; reserved: string; charged: string };
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface BillingReceipt {
  currency: 'usd';
  final: boolean;
  lanes_used: { lane_id: string; items_succeeded: number; provider_cost: string }[];
  lanes_rejected: { lane_id: string; rejection: { reason: string; message: string } | null }[];
  provider_subtotal: string;
  platform_fee_bps: number;
  charged: string;
  reserved: string;
  estimate: PricingEstimate;
}

export interface BatchWithReceipt extends Batch {
  billing_receipt: BillingReceipt;
}

export interface BatchResult {
  customer_item_id: string;
  status: ItemStatus;
  model: string | null;
  provider: string | null;
  lane: string | null;
  output: unknown;
  usage: { input_tokens?: number; output_tokens?: number } | null;
  cost: string | null;
  error: { code?: string; message?: string } | null;
}

export interface ResultsPage {
  batch_id: string;
  batch_status: BatchStatus;
  data: BatchResult[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface ArtifactLink {
  url: string;
  expires_at: string;
}

export interface Billing {
  currency: 'usd';
  balance: string;
  reserved: string;
  available: string;
}

export interface Reservation {
  batch_id: string;
  status: BatchStatus;
  reserved: string;
  created_at: string;
}

export type LedgerEntryType = 'grant' | 'reservation' | 'capture' | 'release' | 'adjustment';

export interface LedgerEntry {
  id: string;
  entry_type: LedgerEntryType;
  amount: string;
  balance_after: string;
  reason: string | null;
  actor: string | null;
  created_at: string;
}

export type UsageGrouping = 'day' | 'model' | 'provider' | 'lane';

export interface UsageFigures {
  items: { total: number; succeeded: number; failed: number };
  input_tokens: number;
  output_tokens: number;
  cost: { provider_cost: string; platform_fee: string; total: string };
  baseline: string;
  savings: { amount: string; percent: number };
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: UsageGrouping;
  final: boolean;
  data: (UsageFigures & { key: string })[];
  totals: UsageFigures;
}

export interface Savings {
  amount: string;
  percent: number;
}

export interface Recommendation {
  id: 'priority_to_standard' | 'fastest_to_sla_aware' | 'cheaper_equivalent';
  title: string;
  effect: Savings;
  cost: string;
  alternative_cost: string;
  items: { count: number; examples: { batch_id?: string | null; customer_item_id?: string; custom_id?: string }[] };
  changes: { model: string; lane: string; alternative_model: string; alternative_lane: string; items: number; cost: string; alternative_cost: string; effect: string }[];
  measured_after: { recommendation: string; items: number }[];
  explanation: string;
}

export type LaneMode = 'batch' | 'sync' | null;

/** GET /v1/batches/optimization-report: the org's own batches over a range. */
export interface NativeOptimizationReport {
  object: 'optimization_report';
  source: 'batchrouter';
  from: string;
  to: string;
  final: boolean;
  totals: UsageFigures;
  by_lane: (UsageFigures & { key: string; mode: LaneMode })[];
  by_model: (UsageFigures & { key: string })[];
  by_sla_tier: (UsageFigures & { key: string })[];
  recommendations: Recommendation[];
  potential_savings: Savings;
}

export type NotPricedReason = 'model_not_in_catalog' | 'not_an_openai_model' | 'endpoint_not_supported' | 'operation_not_supported' | 'no_lane';

export interface ImportFigures {
  key: string;
  items: number;
  priced: number;
  input_tokens: number;
  output_tokens: number;
  openai_cost: string;
  batchrouter_cost: string;
  savings: Savings;
}

export interface ImportItem {
  custom_id: string;
  batch_id: string | null;
  model: string | null;
  endpoint: string | null;
  status: 'succeeded' | 'failed' | 'missing';
  error_code: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  openai_cost: string | null;
  batchrouter_cost: string | null;
  lane: string | null;
  savings: string | null;
  not_priced_reason: NotPricedReason | null;
}

/** GET /v1/batches/optimization-report?import_provider=openai: a workload that ran on OpenAI Batch, re-priced. */
export interface ImportOptimizationReport {
  object: 'optimization_report';
  source: 'openai_import';
  import_provider: 'openai';
  import_file_id: string | null;
  import_input_file_id: string | null;
  routed_as: { sla_tier: string; routing_mode: string };
  notice: string | null;
  totals: {
    items: { total: number; succeeded: number; failed: number; missing: number; priced: number; not_priced: number };
    input_tokens: number;
    output_tokens: number;
    openai_cost: string;
    batchrouter_cost: { provider_cost: string; platform_fee: string; total: string };
    savings: Savings;
  };
  not_priced: { reason: NotPricedReason; items: number; models: string[] }[];
  by_model: ImportFigures[];
  by_lane: (ImportFigures & { mode: LaneMode })[];
  recommendations: Recommendation[];
  potential_savings: Savings;
  items: ImportItem[];
  next_items_cursor: string | null;
}

/** POST /v1/files?purpose=import */
export interface ImportFile {
  id: string;
  purpose: 'import';
  filename: string;
  bytes: number;
  item_count: number;
  import_format: 'openai_batch_output' | 'openai_batch_input';
}

/** /v1/auth/account/provider-keys/openai */
export interface ProviderKey {
  provider: string;
  /** Masked: `sk-…wxyz`. */
  api_key: string;
  created_at: string;
  updated_at: string;
}

/** POST /v1/imports/openai */
export interface OpenAIImport {
  output_file_id: string;
  input_file_id: string | null;
  batches: { id: string; status: string; endpoint: string; created_at: string; output_lines: number; input_lines: number }[];
  skipped: { id: string; status: string; reason: string }[];
  lines: { output: number; input: number; unreadable: number };
  report_url: string;
}
