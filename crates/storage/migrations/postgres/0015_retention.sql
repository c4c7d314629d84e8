-- Retention (PostgreSQL twin of migrations/sqlite/0015_retention.sql).
ALTER TABLE pipeline_runs ADD COLUMN outputs_pruned_at TIMESTAMPTZ;
ALTER TABLE pipeline_runs ADD COLUMN outputs_pruned_by TEXT;
ALTER TABLE pipeline_runs ADD COLUMN logs_pruned_at TIMESTAMPTZ;
ALTER TABLE pipeline_runs ADD COLUMN logs_pruned_by TEXT;
