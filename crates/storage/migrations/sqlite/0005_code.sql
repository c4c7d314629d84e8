-- The project's code, content-addressed, so workers on other machines run exactly the version a run pinned.
CREATE TABLE code_versions (
    hash TEXT PRIMARY KEY,
    archive BLOB NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
ALTER TABLE pipeline_runs ADD COLUMN code_hash TEXT;
