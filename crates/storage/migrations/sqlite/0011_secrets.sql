-- Secrets that blocks read (`get_secret_value`, `mage_secret_var`). Values are stored sealed: XChaCha20-Poly1305
-- under the secrets key (never in the database), a random nonce per value and the secret's name as associated data,
-- as `sealed` = version byte || nonce || ciphertext and tag. `secrets_state` has one row once a secret was stored:
-- the id of the key the secrets are sealed with (so a process given another key is refused with the reason rather
-- than failing on each value) and a version that every change raises (so readers know when to read them again).
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT
);

CREATE TABLE secrets_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_id TEXT NOT NULL,
    version BIGINT NOT NULL
);
