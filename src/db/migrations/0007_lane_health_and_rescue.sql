-- What each lane did with each work unit it ran: how long it took and how much of it succeeded.
-- Quotes and routing read the recent rows to replace a lane's catalog turnaround with what it
-- really takes, and to keep items off a lane that is failing.
create table lane_observations (
  work_unit_id text primary key,
  lane_id text not null,
  mode text not null check (mode in ('batch', 'sync')),
  items integer not null,
  succeeded integer not null,
  turnaround_seconds double precision not null,
  observed_at timestamptz not null
);
create index lane_observations_recent on lane_observations (lane_id, observed_at desc);

-- An item rescued from a late batch job runs in a unit on a faster lane; the job it left may
-- still answer for it, which is then recorded as a superseded attempt, never delivered twice.
alter table batch_items add column rescued_from_unit_id text;
create index batch_items_rescued on batch_items (rescued_from_unit_id) where rescued_from_unit_id is not null;
