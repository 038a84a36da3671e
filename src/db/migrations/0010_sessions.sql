-- Dashboard identity (issue 6): passwords and verification on users, browser sessions, the
-- single-use tokens of emailed links, and workspace invitations. Every secret (password, session
-- token, link token) is stored only as a hash.

-- argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); null for a user who never set one.
alter table users add column password_hash text;
alter table users add column email_verified_at timestamptz;
alter table users add column last_login_at timestamptz;

create table sessions (
  id text primary key,
  -- SHA-256 (hex) of the cookie's token; the token itself is never stored.
  token_hash text not null unique,
  user_id text not null references users (id) on delete cascade,
  -- The workspace the session acts in now (switchable among the user's memberships).
  org_id text not null references orgs (id) on delete cascade,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  ip text,
  user_agent text,
  revoked_at timestamptz,
  revoked_reason text
);
create index sessions_user on sessions (user_id, created_at desc);
create index sessions_org_user on sessions (org_id, user_id) where revoked_at is null;

-- Links sent by email: verify an address, reset a password, confirm a new address.
create table link_tokens (
  token_hash text primary key,
  purpose text not null check (purpose in ('email_verification', 'password_reset', 'email_change')),
  user_id text not null references users (id) on delete cascade,
  -- The address the link was sent to (for email_change: the new address).
  email text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index link_tokens_user on link_tokens (user_id, purpose);
create index link_tokens_expires on link_tokens (expires_at);

create table invitations (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'admin', 'member')),
  token_hash text not null unique,
  invited_by_user_id text references users (id) on delete set null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by_user_id text references users (id) on delete set null,
  revoked_at timestamptz
);
create index invitations_org on invitations (org_id, created_at desc);
