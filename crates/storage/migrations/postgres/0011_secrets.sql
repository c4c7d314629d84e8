-- Secrets, sealed (twin of migrations/sqlite/0011_secrets.sql, which says how).
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    sealed BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT
);

CREATE TABLE secrets_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT NOT NULL,
    version BIGINT NOT NULL
);
