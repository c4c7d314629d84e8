-- Triggers (Mage's pipeline schedules). `last_slot` is the latest schedule slot a run was created or skipped for.
CREATE TABLE triggers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    schedule_type TEXT NOT NULL,
    schedule_interval TEXT,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    start_time TEXT,
    end_time TEXT,
    status TEXT NOT NULL,
    variables TEXT NOT NULL DEFAULT '{}',
    settings TEXT NOT NULL DEFAULT '{}',
    token TEXT,
    last_enabled_at TEXT,
    last_slot TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (pipeline_uuid, name)
);

-- One run per trigger slot, whoever creates it.
CREATE UNIQUE INDEX pipeline_runs_one_per_slot ON pipeline_runs (trigger_id, execution_date)
    WHERE trigger_id IS NOT NULL;
CREATE INDEX pipeline_runs_by_trigger ON pipeline_runs (trigger_id, status);
