-- Optimization report (issue 7): OpenAI Batch files imported to compare what a workload cost on
-- OpenAI with what BatchRouter would have charged, and the provider keys an org stores to fetch them.

-- Import files share `files` with manifest files (same ids, same GET /v1/files/{id}). An import
-- file is an OpenAI Batch output file (output and error lines alike) or input file.
alter table files drop constraint files_purpose_check;
alter table files add constraint files_purpose_check check (purpose in ('batch', 'import'));
alter table files add column import_format text check (import_format in ('openai_batch_output', 'openai_batch_input'));
alter table files add constraint files_import_format check ((purpose = 'import') = (import_format is not null));

-- One line of an import file, reduced to what pricing needs: no prompt and no output is kept.
create table import_lines (
  file_id text not null references files (id) on delete cascade,
  line_index integer not null,
  -- The OpenAI batch the line belongs to when fetched from OpenAI; '' for an uploaded file (one batch's).
  batch_id text not null default '',
  custom_id text not null,
  -- Output lines: the response's HTTP status (null when the line carries only an error) and the
  -- error's code when it failed. Null on input lines.
  status_code integer,
  error_code text,
  -- The model the response names (output) or the request asked for (input); null when absent.
  model text,
  -- /v1/chat/completions, /v1/responses, /v1/embeddings…: the request's url, or the endpoint the
  -- response's object belongs to.
  endpoint text,
  -- Usage of a succeeded response, as OpenAI reported it; null otherwise.
  input_tokens bigint,
  output_tokens bigint,
  primary key (file_id, line_index)
);
-- Output lines join input lines by (batch, custom_id); custom ids are unique within a batch.
create unique index import_lines_custom_id on import_lines (file_id, batch_id, custom_id);

-- Provider API keys an org stores to fetch its own data from the provider (OpenAI batch files).
-- The key is sealed with the instance's secret box (AES-256-GCM, key outside the database).
create table provider_keys (
  org_id text not null references orgs (id) on delete cascade,
  provider text not null check (provider in ('openai')),
  key_encrypted text not null,
  -- Masked form shown back (sk-…wxyz).
  key_hint text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (org_id, provider)
);
