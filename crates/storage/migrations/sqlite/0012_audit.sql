-- The audit trail: who created, changed, ran, cancelled or deleted what, and when. One row per state-changing
-- request that succeeded (and per sign-in, failed or not). No foreign keys: the trail outlives the users, tokens,
-- triggers, pipelines and runs it names, so who they were is copied into the row (the email, the token's name).
-- `detail` is a small JSON object that never holds a secret, a password or a token's value.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    -- user (a session), token (an API token), anyone (the server open without users), anonymous (not signed in:
    -- a failed sign-in), trigger (Mage's API-trigger URL and its token).
    actor_kind TEXT NOT NULL,
    user_id INTEGER,
    user_email TEXT,
    -- The API token's or the trigger's id and name.
    actor_id INTEGER,
    actor_name TEXT,
    client TEXT,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT,
    pipeline_uuid TEXT,
    run_id INTEGER,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_pipeline ON audit_events (pipeline_uuid, id);
CREATE INDEX audit_events_by_run ON audit_events (run_id, id);
CREATE INDEX audit_events_by_user ON audit_events (user_email, id);
