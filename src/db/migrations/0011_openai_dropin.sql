-- The OpenAI drop-in (/v1/openai/v1): input files as uploaded, and the OpenAI side of batches
-- created through it. A drop-in batch is a native batch (batches, batch_items); this only adds
-- what OpenAI's objects show that a native batch has no place for.

-- An uploaded OpenAI batch input file (purpose "batch"): kept line for line as uploaded, so
-- GET /files/{id}/content returns it unchanged. Separate from the native manifest files, whose
-- lines are BatchRouter items, not OpenAI request lines.
create table openai_files (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  filename text not null,
  bytes bigint not null default 0,
  line_count integer not null default 0,
  -- The url every line names (/v1/chat/completions, /v1/responses or /v1/embeddings), once ready.
  endpoint text,
  status text not null check (status in ('uploading', 'ready')),
  created_at timestamptz not null,
  completed_at timestamptz
);
create index openai_files_org on openai_files (org_id, created_at desc);

create table openai_file_lines (
  file_id text not null references openai_files (id) on delete cascade,
  line_index integer not null,
  -- The line exactly as uploaded, without its line break.
  line text not null,
  primary key (file_id, line_index)
);

-- The OpenAI side of a batch created through the drop-in, stored in the transaction that stores
-- the batch. The output and error file ids are fixed at creation and shown once the batch has
-- ended with at least one line for them; their contents are generated from the batch's items.
create table openai_batches (
  batch_id text primary key references batches (id) on delete cascade,
  org_id text not null references orgs (id) on delete cascade,
  input_file_id text not null,
  endpoint text not null,
  completion_window text not null,
  -- The model every line names, or null when the lines name several.
  model text,
  output_file_id text not null unique,
  error_file_id text not null unique,
  -- Sizes of the generated files, measured the first time they are asked for (they never change
  -- once the batch has ended).
  output_bytes bigint,
  error_bytes bigint,
  created_at timestamptz not null
);
create index openai_batches_org on openai_batches (org_id, created_at desc, batch_id desc);
