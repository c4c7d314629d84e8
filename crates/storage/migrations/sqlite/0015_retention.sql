-- Retention (Mage's `variables_retention_period` and `logging_config.retention_period`): a run whose block outputs
-- or logs were deleted from the disk stays listed; these say when, and by which period (`90d`, or `manual` for a
-- cleanup given its own period on the command line).
ALTER TABLE pipeline_runs ADD COLUMN outputs_pruned_at TEXT;
ALTER TABLE pipeline_runs ADD COLUMN outputs_pruned_by TEXT;
ALTER TABLE pipeline_runs ADD COLUMN logs_pruned_at TEXT;
ALTER TABLE pipeline_runs ADD COLUMN logs_pruned_by TEXT;
