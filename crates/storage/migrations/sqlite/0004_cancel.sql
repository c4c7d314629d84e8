-- A cancel asked for a running block run; its worker sees it at the next heartbeat (or at once, in-process).
ALTER TABLE block_runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
