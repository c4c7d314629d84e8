-- Mage's dynamic blocks: an instance (child block run) of a dynamic child names the block it runs (`origin`) and
-- keeps its `dynamic_block_index` and where its inputs come from (`dynamic`, a model::DynamicInstance as JSON).
ALTER TABLE block_runs ADD COLUMN origin TEXT;
ALTER TABLE block_runs ADD COLUMN dynamic TEXT;
CREATE INDEX block_runs_by_origin ON block_runs (pipeline_run_id, origin);
