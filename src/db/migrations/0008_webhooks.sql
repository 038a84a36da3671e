-- Delivery webhooks. An org has at most one workspace endpoint; a batch may name its own endpoint
-- instead. Secrets are stored encrypted (never hashed: every delivery signs with them), and the
-- previous secret keeps signing beside the new one for a while after a rotation.
create table webhook_endpoints (
  org_id text primary key references orgs (id),
  url text not null,
  secret_encrypted text not null,
  -- The last characters of the secret, to tell secrets apart when it is shown masked.
  secret_hint text not null,
  previous_secret_encrypted text,
  previous_secret_expires_at timestamptz,
  -- Set when the receiver answered 410 Gone: nothing is sent until the endpoint is saved again.
  disabled_at timestamptz,
  disabled_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

alter table batches add column webhook_url text;
alter table batches add column webhook_secret_encrypted text;
alter table batches add column webhook_disabled_at timestamptz;
-- When the batch last announced its progress (batch.progress goes out at most every 30 s).
alter table batches add column progress_event_at timestamptz;

-- An event, as the exact JSON body every delivery of it sends.
create table webhook_events (
  id text primary key,
  org_id text not null references orgs (id),
  batch_id text,
  type text not null,
  payload text not null,
  created_at timestamptz not null
);
create index webhook_events_created on webhook_events (created_at);

-- One event sent to one endpoint, retried until a 2xx or until its retry window ends.
create table webhook_deliveries (
  id text primary key,
  event_id text not null references webhook_events (id),
  org_id text not null references orgs (id),
  batch_id text,
  event_type text not null,
  target text not null check (target in ('workspace', 'batch', 'test')),
  url text not null,
  status text not null check (status in ('pending', 'delivered', 'failed', 'cancelled')),
  attempt_count integer not null default 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  redelivery_of text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index webhook_deliveries_org on webhook_deliveries (org_id, created_at desc, id desc);
create index webhook_deliveries_event on webhook_deliveries (event_id);
-- The hourly pruning finds old finished deliveries by this.
create index webhook_deliveries_created on webhook_deliveries (created_at);

-- Every attempt of a delivery, refused ones included: what was tried, when, and what came back.
create table webhook_delivery_attempts (
  delivery_id text not null references webhook_deliveries (id),
  attempt integer not null,
  attempted_at timestamptz not null,
  outcome text not null check (outcome in ('delivered', 'http_error', 'refused', 'failed')),
  status_code integer,
  error text,
  response_excerpt text,
  address text,
  duration_ms integer,
  primary key (delivery_id, attempt)
);
