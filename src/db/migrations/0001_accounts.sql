-- Organisations (workspaces), users, memberships, API keys, the credit ledger, rate-limit windows
-- and the audit log. Money is integer micro-USD (bigint).

create table orgs (
  id text primary key,
  display_name text not null,
  plan text not null default 'free',
  credit_balance_micros bigint not null default 0 check (credit_balance_micros >= 0),
  created_via text not null check (created_via in ('agent_register', 'signup', 'operator')),
  created_at timestamptz not null
);

create table users (
  id text primary key,
  email text not null,
  created_at timestamptz not null
);
create unique index users_email_lower on users (lower(email));

create table memberships (
  org_id text not null references orgs (id) on delete cascade,
  user_id text not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'member')),
  created_at timestamptz not null,
  primary key (org_id, user_id)
);
create index memberships_user on memberships (user_id);

create table api_keys (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  environment text not null check (environment in ('live', 'test')),
  name text,
  role text not null check (role in ('owner', 'admin', 'member')),
  scopes text[] not null,
  -- SHA-256 of the whole secret, hex. The secret itself is never stored.
  secret_hash text not null unique,
  -- The first characters of the secret, so a person can tell keys apart.
  prefix text not null,
  -- br_live_…a1b2: what lists show.
  display text not null,
  legacy boolean not null default false,
  created_by_key_id text references api_keys (id) on delete set null,
  created_by_user_id text references users (id) on delete set null,
  created_at timestamptz not null,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);
create index api_keys_org on api_keys (org_id, created_at desc, id desc);

create table credit_ledger (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  entry_type text not null check (entry_type in ('grant', 'reservation', 'capture', 'release', 'adjustment')),
  amount_micros bigint not null,
  balance_after_micros bigint not null check (balance_after_micros >= 0),
  reason text not null,
  actor text not null,
  created_at timestamptz not null
);
create index credit_ledger_org on credit_ledger (org_id, created_at desc, id desc);

create table rate_limit_windows (
  bucket text primary key,
  window_started_at timestamptz not null,
  hits integer not null
);
create index rate_limit_windows_started on rate_limit_windows (window_started_at);

create table audit_events (
  id text primary key,
  org_id text references orgs (id) on delete cascade,
  actor_type text not null check (actor_type in ('api_key', 'user', 'operator', 'anonymous')),
  actor_id text,
  action text not null,
  target_type text,
  target_id text,
  ip text,
  user_agent text,
  details jsonb not null default '{}',
  created_at timestamptz not null
);
create index audit_events_org on audit_events (org_id, created_at desc, id desc);
