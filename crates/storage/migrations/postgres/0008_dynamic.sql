-- Mage's dynamic blocks (PostgreSQL twin of migrations/sqlite/0008_dynamic.sql).
ALTER TABLE block_runs ADD COLUMN origin TEXT;
ALTER TABLE block_runs ADD COLUMN dynamic JSONB;
CREATE INDEX block_runs_by_origin ON block_runs (pipeline_run_id, origin);
