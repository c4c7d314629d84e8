-- Mage's `cancelled` callbacks (PostgreSQL twin of migrations/sqlite/0009_cancelled_callbacks.sql).
ALTER TABLE block_runs ADD COLUMN cancelled_callbacks TEXT;
CREATE INDEX block_runs_cancelled_callbacks ON block_runs (id) WHERE cancelled_callbacks = 'pending';
