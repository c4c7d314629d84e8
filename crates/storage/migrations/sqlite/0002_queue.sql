-- The work queue lives in block_runs: a queued block run is claimed by one worker, which holds a lease on it
-- and renews it by heartbeat. `ready_at` delays a retry.
ALTER TABLE block_runs ADD COLUMN claimed_by TEXT;
ALTER TABLE block_runs ADD COLUMN lease_until TEXT;
ALTER TABLE block_runs ADD COLUMN ready_at TEXT;
CREATE INDEX block_runs_queue ON block_runs (status, ready_at, id);
