-- Usage reports (GET /v1/usage).
--
-- Savings are measured against each item's preferred model at its provider's sync list price, as
-- the quote's baseline is. That price is the one the batch was submitted at (the catalog's then,
-- or the quote's locked price), not whatever the catalog says when a report is read, so it is
-- kept with the item. Items stored before this migration have none: reports claim no savings for them.
alter table batch_items add column baseline_input_micros_per_million bigint;
alter table batch_items add column baseline_output_micros_per_million bigint;

-- A report reads the org's batches that may hold items finished in its range: those still open,
-- or finished at or after the range's start. Open batches sort last, as if finishing at infinity.
create index batches_org_finished on batches (org_id, (coalesce(finished_at, 'infinity'::timestamptz)));
