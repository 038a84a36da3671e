-- Manifest files: JSONL uploads (one item per line) for batches too large for one JSON body.

create table files (
  id text primary key,
  org_id text not null references orgs (id) on delete cascade,
  purpose text not null check (purpose in ('batch')),
  filename text not null,
  bytes bigint not null default 0,
  item_count integer not null default 0,
  status text not null check (status in ('uploading', 'ready')),
  created_at timestamptz not null,
  completed_at timestamptz
);
create index files_org on files (org_id, created_at desc);

create table file_items (
  file_id text not null references files (id) on delete cascade,
  line_index integer not null,
  item jsonb not null,
  primary key (file_id, line_index)
);
