-- The work queue in block_runs (twin of migrations/sqlite/0002_queue.sql).
ALTER TABLE block_runs ADD COLUMN claimed_by TEXT;
ALTER TABLE block_runs ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE block_runs ADD COLUMN ready_at TIMESTAMPTZ;
CREATE INDEX block_runs_queue ON block_runs (status, ready_at, id);
