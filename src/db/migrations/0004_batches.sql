-- Quotes, batches (with their idempotency keys), their items and work units, and the instance's signing key.

create table quotes (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  manifest_sha256 text not null,
  -- Prices locked by the quote: {"lanes": {"<lane>|<model>": [in, out]}, "list": {"<model>": [in, out]}}.
  prices jsonb not null,
  body jsonb not null,
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index quotes_expiry on quotes (expires_at);

create table batches (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  status text not null check (status in
    ('pending', 'queued', 'routing', 'dispatched', 'processing', 'completing', 'completed', 'failed', 'cancelled', 'expired')),
  sla_tier text not null,
  routing_mode text not null,
  privacy_tier text not null,
  allowed_regions text[] not null,
  sla_deadline timestamptz not null,
  quote_id text,
  idempotency_key text not null,
  -- The canonical hash of the submitted body: the same key with another body is refused.
  request_sha256 text not null,
  metadata jsonb not null,
  item_count integer not null,
  -- Money, integer micro-USD: the estimate at submit, what is still reserved, what was captured.
  estimate jsonb not null,
  fee_bps integer not null,
  reserved_micros bigint not null check (reserved_micros >= 0),
  captured_micros bigint not null default 0 check (captured_micros >= 0),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  finished_at timestamptz,
  unique (org_id, idempotency_key)
);
create index batches_org on batches (org_id, created_at desc, id desc);
create index batches_open on batches (sla_deadline) where status not in ('completed', 'failed', 'cancelled', 'expired');

create table work_units (
  id text primary key,
  batch_id text not null references batches (id) on delete cascade,
  lane_id text not null,
  mode text not null check (mode in ('batch', 'sync')),
  status text not null check (status in ('pending', 'submitted', 'finished', 'cancelled')),
  provider_job_id text,
  item_count integer not null,
  polls integer not null default 0,
  created_at timestamptz not null,
  submitted_at timestamptz,
  finished_at timestamptz
);
create index work_units_batch on work_units (batch_id);

create sequence batch_result_sequence;

create table batch_items (
  batch_id text not null references batches (id) on delete cascade,
  item_index integer not null,
  customer_item_id text not null,
  operation text not null,
  model text not null,
  model_options text[] not null,
  input jsonb not null,
  status text not null check (status in ('queued', 'dispatched', 'succeeded', 'failed', 'cancelled', 'expired')),
  lane_id text not null,
  assigned_model text not null,
  work_unit_id text references work_units (id),
  attempts integer not null default 0,
  input_tokens integer not null,
  max_cost_micros bigint not null,
  cost_micros bigint,
  output jsonb,
  usage jsonb,
  error jsonb,
  route_receipt jsonb not null,
  -- Rises with every finished item across the instance: results are paged in finishing order.
  result_sequence bigint,
  finished_at timestamptz,
  primary key (batch_id, item_index)
);
create index batch_items_unit on batch_items (work_unit_id) where work_unit_id is not null;
create index batch_items_results on batch_items (batch_id, result_sequence) where result_sequence is not null;
create index batch_items_open on batch_items (batch_id, status) where result_sequence is null;

create table instance_secrets (
  name text primary key,
  secret text not null,
  created_at timestamptz not null
);
