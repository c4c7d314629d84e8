-- Pipeline runs and their block runs (PostgreSQL twin of migrations/sqlite/0001_runs.sql).
CREATE TABLE pipeline_runs (
    id BIGSERIAL PRIMARY KEY,
    pipeline_uuid TEXT NOT NULL,
    trigger_id BIGINT,
    status TEXT NOT NULL,
    variables JSONB NOT NULL DEFAULT '{}',
    definition JSONB NOT NULL DEFAULT '{}',
    execution_date TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ
);
CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs (pipeline_uuid, id DESC);
CREATE INDEX pipeline_runs_by_status ON pipeline_runs (status, id DESC);

CREATE TABLE block_runs (
    id BIGSERIAL PRIMARY KEY,
    pipeline_run_id BIGINT NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    block_uuid TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt BIGINT NOT NULL DEFAULT 0,
    started_at TIMESTAMPTZ,
    completed_at TIMESTAMPTZ,
    error TEXT,
    log_path TEXT,
    outputs JSONB,
    UNIQUE (pipeline_run_id, block_uuid)
);
