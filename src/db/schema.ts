/** Row types of every table, as Kysely sees them after the normalisation in database.ts. */
import type { ColumnType, Generated } from 'kysely';
import type { LaneResult } from '../lanes/types.ts';

export type Role = 'owner' | 'admin' | 'member';
export type LedgerEntryType = 'grant' | 'reservation' | 'capture' | 'release' | 'adjustment';
export type ActorType = 'api_key' | 'user' | 'operator' | 'anonymous';
type Timestamp = ColumnType<Date, Date, Date>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface OrgsTable {
  id: string;
  display_name: string;
  plan: Generated<string>;
  credit_balance_micros: Generated<number>;
  created_via: 'agent_register' | 'signup' | 'operator';
  created_at: Timestamp;
}

export interface UsersTable {
  id: string;
  email: string;
  created_at: Timestamp;
  /** argon2id PHC string; null when no password was ever set. */
  password_hash: Generated<string | null>;
  email_verified_at: Generated<Date | null>;
  last_login_at: Generated<Date | null>;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  org_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  revoked_at: Generated<Date | null>;
  revoked_reason: Generated<string | null>;
}

export type LinkPurpose = 'email_verification' | 'password_reset' | 'email_change';

export interface LinkTokensTable {
  token_hash: string;
  purpose: LinkPurpose;
  user_id: string;
  email: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Generated<Date | null>;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by_user_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: Generated<Date | null>;
  accepted_by_user_id: Generated<string | null>;
  revoked_at: Generated<Date | null>;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  environment: 'live' | 'test';
  name: string | null;
  role: Role;
  scopes: string[];
  secret_hash: string;
  prefix: string;
  display: string;
  legacy: Generated<boolean>;
  created_by_key_id: string | null;
  created_by_user_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface CreditLedgerTable {
  id: string;
  org_id: string;
  entry_type: LedgerEntryType;
  amount_micros: number;
  balance_after_micros: number;
  reason: string;
  actor: string;
  created_at: Timestamp;
}

export interface RateLimitWindowsTable {
  bucket: string;
  window_started_at: Timestamp;
  hits: number;
}

export interface AuditEventsTable {
  id: string;
  org_id: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Json;
  created_at: Timestamp;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Timestamp;
}

export type BatchStatus = 'pending' | 'queued' | 'routing' | 'dispatched' | 'processing' | 'completing' | 'completed' | 'failed' | 'cancelled' | 'expired';
export type ItemStatus = 'queued' | 'dispatched' | 'succeeded' | 'failed' | 'cancelled' | 'expired';
type JsonValue = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null, string | null>;

export interface QuotesTable {
  id: string;
  org_id: string;
  manifest_sha256: string;
  prices: JsonValue;
  body: JsonValue;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface BatchesTable {
  id: string;
  org_id: string;
  status: BatchStatus;
  sla_tier: string;
  routing_mode: string;
  privacy_tier: string;
  allowed_regions: string[];
  sla_deadline: Timestamp;
  quote_id: string | null;
  idempotency_key: string;
  request_sha256: string;
  metadata: JsonValue;
  item_count: number;
  estimate: JsonValue;
  fee_bps: number;
  reserved_micros: number;
  captured_micros: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
  /** A per-batch delivery webhook, overriding the workspace endpoint. */
  webhook_url: Generated<string | null>;
  webhook_secret_encrypted: Generated<string | null>;
  webhook_disabled_at: Generated<Date | null>;
  progress_event_at: Generated<Date | null>;
}

export interface WorkUnitsTable {
  id: string;
  batch_id: string;
  lane_id: string;
  mode: 'batch' | 'sync';
  status: 'pending' | 'submitted' | 'finished' | 'cancelled';
  provider_job_id: string | null;
  item_count: number;
  polls: Generated<number>;
  created_at: Timestamp;
  submitted_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface BatchItemsTable {
  batch_id: string;
  item_index: number;
  customer_item_id: string;
  operation: string;
  model: string;
  model_options: string[];
  input: JsonValue;
  status: ItemStatus;
  lane_id: string;
  assigned_model: string;
  work_unit_id: string | null;
  attempts: Generated<number>;
  input_tokens: number;
  max_cost_micros: number;
  cost_micros: number | null;
  output: NullableJson;
  usage: NullableJson;
  error: NullableJson;
  route_receipt: JsonValue;
  result_sequence: number | null;
  finished_at: Timestamp | null;
  /** The batch job this item was rescued from, when it was. */
  rescued_from_unit_id: Generated<string | null>;
  /** The preferred model's sync list price when the batch was submitted: what usage measures savings against (null before migration 0009). */
  baseline_input_micros_per_million: Generated<number | null>;
  baseline_output_micros_per_million: Generated<number | null>;
}

export interface LaneObservationsTable {
  work_unit_id: string;
  lane_id: string;
  mode: 'batch' | 'sync';
  items: number;
  succeeded: number;
  turnaround_seconds: number;
  observed_at: Timestamp;
}

export interface FilesTable {
  id: string;
  org_id: string;
  purpose: 'batch' | 'import';
  /** What an import file holds (purpose `import` only). */
  import_format: Generated<ImportFormat | null>;
  filename: string;
  bytes: Generated<number>;
  item_count: Generated<number>;
  status: 'uploading' | 'ready';
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export type ImportFormat = 'openai_batch_output' | 'openai_batch_input';

/** One line of an import file, reduced to what pricing needs (no prompt, no output). */
export interface ImportLinesTable {
  file_id: string;
  line_index: number;
  /** The OpenAI batch of a fetched import; '' for an uploaded file. */
  batch_id: string;
  custom_id: string;
  /** The response's HTTP status; null on input lines and on output lines carrying only an error. */
  status_code: number | null;
  /** Why the request failed (output lines), else null. */
  error_code: string | null;
  model: string | null;
  endpoint: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
}

/** A provider API key an org stores, sealed with the instance's secret box. */
export interface ProviderKeysTable {
  org_id: string;
  provider: 'openai';
  key_encrypted: string;
  key_hint: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FileItemsTable {
  file_id: string;
  line_index: number;
  item: JsonValue;
}

/** An OpenAI batch input file uploaded through the drop-in (/v1/openai/v1/files), kept line for line. */
export interface OpenaiFilesTable {
  id: string;
  org_id: string;
  filename: string;
  bytes: Generated<number>;
  line_count: Generated<number>;
  endpoint: string | null;
  status: 'uploading' | 'ready';
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface OpenaiFileLinesTable {
  file_id: string;
  line_index: number;
  /** The line as uploaded, with its line break. */
  line: string;
}

/** The OpenAI side of a batch created through the drop-in; the batch itself is a native batch. */
export interface OpenaiBatchesTable {
  batch_id: string;
  org_id: string;
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  model: string | null;
  output_file_id: string;
  error_file_id: string;
  output_bytes: Generated<number | null>;
  error_bytes: Generated<number | null>;
  output_lines: Generated<number | null>;
  error_lines: Generated<number | null>;
  output_deleted_at: Generated<Date | null>;
  error_deleted_at: Generated<Date | null>;
  created_at: Timestamp;
}

export interface InstanceSecretsTable {
  name: string;
  secret: string;
  created_at: Timestamp;
}

/** A sandbox provider batch job; `outcomes` and `results` are in the order the job finishes them. */
export interface SandboxJobsTable {
  id: string;
  lane_id: string;
  created_at: Timestamp;
  ready_at: Timestamp;
  cancelled_at: Timestamp | null;
  outcomes: string;
  results: ColumnType<LaneResult[], string, string>;
}

export interface WebhookEndpointsTable {
  org_id: string;
  url: string;
  secret_encrypted: string;
  secret_hint: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Timestamp | null;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type WebhookTarget = 'workspace' | 'batch' | 'test';
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';
export type WebhookAttemptOutcome = 'delivered' | 'http_error' | 'refused' | 'failed';

export interface WebhookEventsTable {
  id: string;
  org_id: string;
  batch_id: string | null;
  type: string;
  /** The exact JSON body every delivery of the event sends. */
  payload: string;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  org_id: string;
  batch_id: string | null;
  event_type: string;
  target: WebhookTarget;
  url: string;
  status: WebhookDeliveryStatus;
  attempt_count: Generated<number>;
  next_attempt_at: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  redelivery_of: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  attempted_at: Timestamp;
  outcome: WebhookAttemptOutcome;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  address: string | null;
  duration_ms: number | null;
}

export interface DB {
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  credit_ledger: CreditLedgerTable;
  rate_limit_windows: RateLimitWindowsTable;
  audit_events: AuditEventsTable;
  schema_migrations: SchemaMigrationsTable;
  quotes: QuotesTable;
  batches: BatchesTable;
  work_units: WorkUnitsTable;
  batch_items: BatchItemsTable;
  instance_secrets: InstanceSecretsTable;
  files: FilesTable;
  file_items: FileItemsTable;
  import_lines: ImportLinesTable;
  provider_keys: ProviderKeysTable;
  sandbox_jobs: SandboxJobsTable;
  lane_observations: LaneObservationsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  sessions: SessionsTable;
  link_tokens: LinkTokensTable;
  invitations: InvitationsTable;
  openai_files: OpenaiFilesTable;
  openai_file_lines: OpenaiFileLinesTable;
  openai_batches: OpenaiBatchesTable;
}

/** Anything a query can run on: the database or an open transaction. */
export type Executor = import('kysely').Kysely<DB> | import('kysely').Transaction<DB>;
