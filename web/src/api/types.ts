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
