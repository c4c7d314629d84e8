//! Run history: pipeline runs, block runs and where their logs are, behind the backend-neutral `RunStore`.
//!
//! SQLite is the embedded backend; the trait is the seam for PostgreSQL. Nothing here knows HTTP or processes.

mod error;
mod records;
mod sqlite;

use async_trait::async_trait;
use model::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};

pub use error::StorageError;
pub use records::{BlockRun, BlockRunChange, NewRun, PipelineRun, RunFilter};
pub use sqlite::SqliteStore;

/// The run history of one project, whatever database holds it.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Records a new pipeline run in `initial` with one `initial` block run per block.
    async fn create_run(&self, run: NewRun) -> Result<PipelineRun, StorageError>;

    /// Applies `event` to a pipeline run through the state machine and returns its new status.
    async fn change_run(&self, run_id: i64, event: RunEvent) -> Result<RunStatus, StorageError>;

    /// Applies a change to one block run through the state machine and returns its new status.
    async fn change_block_run(
        &self,
        run_id: i64,
        block_uuid: &str,
        change: BlockRunChange,
    ) -> Result<BlockRunStatus, StorageError>;

    async fn run(&self, run_id: i64) -> Result<Option<PipelineRun>, StorageError>;

    /// The block runs of a run, in the order they were created (the pipeline's order).
    async fn block_runs(&self, run_id: i64) -> Result<Vec<BlockRun>, StorageError>;

    /// Runs, newest first.
    async fn runs(&self, filter: RunFilter) -> Result<Vec<PipelineRun>, StorageError>;
}

/// Convenience for the common event with no payload.
impl BlockRunChange {
    pub fn event(event: BlockRunEvent) -> BlockRunChange {
        BlockRunChange {
            event,
            error: None,
            outputs: None,
            log_path: None,
        }
    }
}
