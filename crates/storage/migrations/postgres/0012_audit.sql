-- The audit trail (twin of migrations/sqlite/0012_audit.sql, which says what each column holds).
CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_kind TEXT NOT NULL,
    user_id BIGINT,
    user_email TEXT,
    actor_id BIGINT,
    actor_name TEXT,
    client TEXT,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT,
    pipeline_uuid TEXT,
    run_id BIGINT,
    detail JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_pipeline ON audit_events (pipeline_uuid, id);
CREATE INDEX audit_events_by_run ON audit_events (run_id, id);
CREATE INDEX audit_events_by_user ON audit_events (user_email, id);
