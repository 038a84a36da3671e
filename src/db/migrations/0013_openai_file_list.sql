-- The drop-in's Files API lists and deletes files (GET /files, DELETE /files/{id}).

-- What an ended drop-in batch's generated files hold, measured once: right after the batch ends
-- (the measure-dropin-files job) or when first asked for. Lines of the output file (succeeded
-- items) and of the error file (failed, expired and cancelled ones); their sizes are the existing
-- output_bytes and error_bytes. And when the customer deleted either file.
alter table openai_batches add column output_lines integer;
alter table openai_batches add column error_lines integer;
alter table openai_batches add column output_deleted_at timestamptz;
alter table openai_batches add column error_deleted_at timestamptz;
