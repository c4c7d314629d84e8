-- Notifications (Mage's `notification_config`) and SLAs (a trigger's `sla`).
-- `passed_sla`: the run was still going past its trigger's SLA (Mage's column of the same name); set once, by the
-- scheduler, in the same transaction that records the run's SLA alerts.
ALTER TABLE pipeline_runs ADD COLUMN passed_sla BOOLEAN NOT NULL DEFAULT FALSE;

-- One message to one channel about one run: recorded by the scheduler when the run fails, completes or passes its
-- SLA (per `alert_on`), in the transaction that makes that change, and sent by a background task. The unique key
-- keeps a message from being recorded twice however many schedulers share the database. The message is rendered
-- when it is recorded; the channel's address (a webhook URL, SMTP credentials) is never stored: the sender reads it
-- from the project's configuration when it sends.
CREATE TABLE notification_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_run_id INTEGER NOT NULL REFERENCES pipeline_runs (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (pipeline_run_id, event, channel)
);

CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
