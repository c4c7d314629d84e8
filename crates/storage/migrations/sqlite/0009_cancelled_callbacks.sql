-- Mage's `cancelled` callbacks: a block run cancelled in a cancelled run, whose block has callbacks, has them run
-- once by a worker in a fresh process (Mage's CANCEL_PIPELINE_RUN job): NULL (none due), 'pending' (to claim),
-- 'running' (a worker runs them), 'done'.
ALTER TABLE block_runs ADD COLUMN cancelled_callbacks TEXT;
CREATE INDEX block_runs_cancelled_callbacks ON block_runs (id) WHERE cancelled_callbacks = 'pending';
