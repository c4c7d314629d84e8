//! The storage crate's errors.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Transition(#[from] model::InvalidTransition),
    #[error("pipeline run {0} does not exist")]
    RunNotFound(i64),
    #[error("block `{block_uuid}` has no block run in pipeline run {run_id}")]
    BlockRunNotFound { run_id: i64, block_uuid: String },
    #[error("{0}")]
    Conflict(String),
    #[error("trigger {0} does not exist")]
    TriggerNotFound(i64),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    #[error(
        "there is no secret `{0}`: an admin adds it under Settings → Secrets, or with `wand secrets set PROJECT {0}`"
    )]
    UnknownSecret(String),
    #[error("{0}")]
    InvalidSecret(String),
    /// The stored secrets are sealed with another key (the vault names the key it was given and what to do).
    #[error("the secrets in this database were stored with another key")]
    WrongSecretsKey,
    #[error("{0}")]
    SecretUnreadable(String),
    #[error("{0}")]
    SecretKey(String),
}

impl From<model::UnknownStatus> for StorageError {
    fn from(error: model::UnknownStatus) -> StorageError {
        StorageError::Corrupt(error.to_string())
    }
}
