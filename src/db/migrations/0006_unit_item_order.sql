-- A work unit's open items are read in item order, a page at a time, from where the last page
-- ended: an index on (work_unit_id, item_index) makes each page cost its own size, not the unit's.
create index batch_items_unit_order on batch_items (work_unit_id, item_index) where work_unit_id is not null;
drop index batch_items_unit;
