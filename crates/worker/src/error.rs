//! The worker's errors: its own failures, never a block's.

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    #[error("block run {block_run_id} cannot be executed: {message}")]
    Unrunnable { block_run_id: i64, message: String },
    #[error("cannot write the block log {path}: {source}")]
    Log {
        path: String,
        source: std::io::Error,
    },
}
