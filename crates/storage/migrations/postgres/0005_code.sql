-- The project's code, content-addressed, so workers on other machines run exactly the version a run pinned.
CREATE TABLE code_versions (
    hash TEXT PRIMARY KEY,
    archive BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE pipeline_runs ADD COLUMN code_hash TEXT;
