-- Batch jobs of the sandbox provider. Results are computed when the job is submitted and stored
-- here, so any worker process can poll and fetch a job that another (perhaps dead) process
-- submitted, and a restart with other sandbox options does not change a job in flight.

create table sandbox_jobs (
  id text primary key,
  lane_id text not null,
  created_at timestamptz not null,
  -- When the job completes; it is in progress before.
  ready_at timestamptz not null,
  -- Set only when cancelled before ready_at.
  cancelled_at timestamptz,
  -- One character per result, in the order the simulated provider finishes them: s succeeded,
  -- f failed. Polls count progress from it without reading the results.
  outcomes text not null,
  -- The lane results, in the same order.
  results jsonb not null
);
