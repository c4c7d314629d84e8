-- Triggers (twin of migrations/sqlite/0003_triggers.sql).
CREATE TABLE triggers (
    id BIGSERIAL PRIMARY KEY,
    pipeline_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    schedule_type TEXT NOT NULL,
    schedule_interval TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    start_time TIMESTAMPTZ,
    end_time TIMESTAMPTZ,
    status TEXT NOT NULL,
    variables JSONB NOT NULL DEFAULT '{}',
    settings JSONB NOT NULL DEFAULT '{}',
    token TEXT,
    last_enabled_at TIMESTAMPTZ,
    last_slot TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (pipeline_uuid, name)
);

CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (trigger_id, execution_date)
    WHERE trigger_id IS NOT NULL;
CREATE INDEX pipeline_runs_by_trigger ON pipeline_runs (trigger_id, status);
