-- Backfills (Mage's `backfill` table): one run per date of a range, or per variable set, of a pipeline. Its runs are
-- all created with it (status `initial`) and started by the scheduler as the pipeline's run limits allow; a retry
-- adds a new run for the same planned run (`backfill_index`), and progress counts the latest run of each.
CREATE TABLE backfills (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_uuid TEXT NOT NULL,
    name TEXT NOT NULL,
    -- initial, running, completed, failed, cancelled.
    status TEXT NOT NULL,
    -- A date range (both ends included) stepped by `interval_units` × `interval_type`; all NULL for variable sets.
    start_datetime TEXT,
    end_datetime TEXT,
    interval_type TEXT,
    interval_units INTEGER,
    -- Variables every run gets (a JSON object), and the list of variable sets (a JSON list) of a "custom" backfill.
    variables TEXT NOT NULL DEFAULT '{}',
    variable_sets TEXT,
    -- The pipeline's `concurrency_config` when the backfill was made: at most `run_limit` of its runs at once, and
    -- at most `run_limit_all` runs of the pipeline (from any trigger or backfill) running when one of its starts.
    run_limit INTEGER,
    run_limit_all INTEGER,
    -- How many runs it planned.
    total_runs INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    failed_at TEXT
);
CREATE INDEX backfills_by_pipeline ON backfills (pipeline_uuid, id);

ALTER TABLE pipeline_runs ADD COLUMN backfill_id INTEGER REFERENCES backfills (id) ON DELETE SET NULL;
ALTER TABLE pipeline_runs ADD COLUMN backfill_index INTEGER;
CREATE INDEX pipeline_runs_by_backfill ON pipeline_runs (backfill_id, backfill_index, id);
