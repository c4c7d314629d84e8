-- Notifications and SLAs (twin of migrations/sqlite/0013_notifications.sql, which says how).
ALTER TABLE pipeline_runs ADD COLUMN passed_sla BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE notification_deliveries (
    id BIGSERIAL PRIMARY KEY,
    pipeline_run_id BIGINT NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    UNIQUE (pipeline_run_id, event, channel)
);

CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
