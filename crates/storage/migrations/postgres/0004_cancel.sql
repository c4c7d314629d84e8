-- A cancel asked for a running block run (twin of migrations/sqlite/0004_cancel.sql).
ALTER TABLE block_runs ADD COLUMN cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;
