-- A sensor whose check did not hold waits in the queue: when its first check of the wait started, which its
-- timeout counts from (started_at is each check's own).
ALTER TABLE block_runs ADD COLUMN waiting_since TEXT;
