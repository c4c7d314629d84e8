-- Pipeline runs and their block runs. Statuses are Mage's names, changed only through model's state machine.
CREATE TABLE pipeline_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_uuid TEXT NOT NULL,
    trigger_id INTEGER,
    status TEXT NOT NULL,
    variables TEXT NOT NULL DEFAULT '{}',
    -- The pipeline definition the run started with, so a retry runs the same DAG.
    definition TEXT NOT NULL DEFAULT '{}',
    execution_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT
);
CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs (pipeline_uuid, id DESC);
CREATE INDEX pipeline_runs_by_status ON pipeline_runs (status, id DESC);

CREATE TABLE block_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_run_id INTEGER NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    block_uuid TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    completed_at TEXT,
    error TEXT,
    log_path TEXT,
    -- How the block's return value was stored (formats and paths), as JSON.
    outputs TEXT,
    UNIQUE (pipeline_run_id, block_uuid)
);
