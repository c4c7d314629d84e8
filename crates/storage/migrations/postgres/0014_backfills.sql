-- Backfills (twin of migrations/sqlite/0014_backfills.sql, which says what each column holds).
CREATE TABLE backfills (
    id BIGSERIAL PRIMARY KEY,
    pipeline_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    start_datetime TIMESTAMPTZ,
    end_datetime TIMESTAMPTZ,
    interval_type TEXT,
    interval_units BIGINT,
    variables JSONB NOT NULL DEFAULT '{}',
    variable_sets JSONB,
    run_limit BIGINT,
    run_limit_all BIGINT,
    total_runs BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    failed_at TIMESTAMPTZ
);
CREATE INDEX backfills_by_pipeline ON backfills (pipeline_uuid, id);

ALTER TABLE pipeline_runs ADD COLUMN backfill_id BIGINT REFERENCES backfills (id) ON DELETE SET NULL;
ALTER TABLE pipeline_runs ADD COLUMN backfill_index BIGINT;
CREATE INDEX pipeline_runs_by_backfill ON pipeline_runs (backfill_id, backfill_index, id);
