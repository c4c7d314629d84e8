-- The run timeline and the dashboard. `queued_at`: when a block run last became queued (enqueued, requeued after a
-- lost lease or a retry's delay; a waiting sensor keeps its first), cleared when the block run is retried.
ALTER TABLE block_runs ADD COLUMN queued_at TEXT;
-- The dashboard reads the runs created in a time window, of all pipelines (from the index alone: it covers what
-- is counted) or of one.
CREATE INDEX pipeline_runs_by_created ON pipeline_runs (created_at, status, pipeline_uuid, started_at, completed_at);
CREATE INDEX pipeline_runs_by_pipeline_created ON pipeline_runs (pipeline_uuid, created_at);
