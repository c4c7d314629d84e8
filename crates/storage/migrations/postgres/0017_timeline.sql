-- The run timeline and the dashboard (twin of migrations/sqlite/0017_timeline.sql, which says what they are for).
ALTER TABLE block_runs ADD COLUMN queued_at TIMESTAMPTZ;
CREATE INDEX pipeline_runs_by_created ON pipeline_runs (created_at, status, pipeline_uuid, started_at, completed_at);
CREATE INDEX pipeline_runs_by_pipeline_created ON pipeline_runs (pipeline_uuid, created_at);
