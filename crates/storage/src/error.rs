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
}

impl From<model::UnknownStatus> for StorageError {
    fn from(error: model::UnknownStatus) -> StorageError {
        StorageError::Corrupt(error.to_string())
    }
}
