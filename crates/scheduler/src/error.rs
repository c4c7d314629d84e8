//! The scheduler's errors.

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    #[error("run {run_id} has an unreadable pinned definition: {message}")]
    Definition { run_id: i64, message: String },
    #[error("run {run_id} has no block `{block}`")]
    UnknownBlock { run_id: i64, block: String },
    #[error("trigger {id}: {message}")]
    Trigger { id: i64, message: String },
    #[error("pipeline `{0}` does not exist")]
    UnknownPipeline(String),
    #[error(transparent)]
    InvalidTrigger(#[from] model::TriggerSpecError),
    #[error(transparent)]
    Project(#[from] project::ProjectError),
    #[error("cannot read the project's code: {0}")]
    Code(String),
    #[error(transparent)]
    Backfill(#[from] model::BackfillError),
    #[error("backfill {0} does not exist")]
    BackfillNotFound(i64),
    #[error("backfill {id}: {message}")]
    BackfillState { id: i64, message: String },
    #[error(
        "the block outputs of run {run_id} were pruned on {} by the retention period ({by}): a retry would have no \
         inputs for its blocks; start a new run instead",
        at.format("%Y-%m-%d %H:%M UTC")
    )]
    Pruned {
        run_id: i64,
        at: chrono::DateTime<chrono::Utc>,
        by: String,
    },
    #[error(
        "pipeline `{0}` is not a streaming pipeline (`type: streaming` in its metadata.yaml); start it with a run \
         instead"
    )]
    NotStreaming(String),
    #[error(
        "the streaming pipeline `{pipeline}` is already running (run {run_id}): a second run would be a second \
         consumer of its source; stop it first, or restart it"
    )]
    StreamRunning { pipeline: String, run_id: i64 },
    #[error("the streaming pipeline `{0}` is not running")]
    StreamNotRunning(String),
    #[error(
        "the streaming pipeline `{pipeline}` is still stopping: the source of run {run_id} has not ended after \
         {seconds} s; start it again once it has"
    )]
    StreamStopping {
        pipeline: String,
        run_id: i64,
        seconds: u64,
    },
    #[error("{}: {message}", path.display())]
    Io {
        path: std::path::PathBuf,
        message: String,
    },
}
