-- Cross-process cache invalidation (PostgreSQL shape). Every server process that caches keys or
-- accounts registers here and acknowledges invalidation barriers; a writer waits until every live
-- process has acknowledged before it answers, so a revoked key is refused by every process on the
-- very next request.

create table cache_listeners (
  id text primary key,
  heartbeat_at timestamptz not null,
  acked_barrier bigint not null
);

create sequence cache_invalidation_barriers;
