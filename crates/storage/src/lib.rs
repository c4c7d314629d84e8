//! Run history: pipeline runs, block runs and where their logs are, behind the backend-neutral `RunStore`.
//!
//! SQLite is the embedded backend, PostgreSQL the one for several machines; `queries` holds every query once for
//! both. Nothing here knows HTTP or processes.

mod audit;
mod backfills;
mod error;
mod gauges;
mod notifications;
mod postgres;
mod products;
mod queries;
mod records;
mod retention;
mod rows;
mod secrets;
mod sqlite;
mod stats;
mod triggers;
mod users;
mod vault;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};

pub use audit::{Actor, AuditEntry, AuditFilter, AuditStore, NewAuditEntry};
pub use backfills::{Backfill, BackfillSlot, BackfillStore, NewBackfill};
pub use error::StorageError;
pub use gauges::{GaugeStore, Gauges};
pub use notifications::{Delivery, DeliveryOutcome, NewDelivery, NotificationStore};
pub use postgres::PgStore;
pub use products::global_data_product_runs;
pub use records::{
    BlockRun, BlockRunChange, BlockRunFilter, BlockRunHead, CancelledCallbacks, Change,
    InstanceCount, Lease, NewInstance, NewRun, PipelineRun, Pruned, RunFilter, RunHead, RunState,
};
pub use retention::{Prunable, PruneQuery, RetentionStore};
pub use secrets::{NewSealedSecret, SecretInfo, SecretStore, SecretsState};
pub use sqlite::SqliteStore;
pub use stats::{BlockSpan, InstanceSpan, RunSpan, RunTotal, StatsStore, WorkNow};
pub use triggers::TriggerStore;
pub use users::{ApiToken, Credentials, NewApiToken, NewUser, UserChange, UserStore};
pub use vault::{SecretKey, Vault};

/// The whole store: run history (and its statistics), triggers, users, secrets, the audit trail, backfills,
/// retention, notification deliveries and the gauges of `/metrics`.
pub trait Store:
    RunStore
    + StatsStore
    + TriggerStore
    + UserStore
    + SecretStore
    + AuditStore
    + BackfillStore
    + RetentionStore
    + NotificationStore
    + GaugeStore
{
}

impl<T> Store for T where
    T: RunStore
        + StatsStore
        + TriggerStore
        + UserStore
        + SecretStore
        + AuditStore
        + BackfillStore
        + RetentionStore
        + NotificationStore
        + GaugeStore
{
}

/// The run history of one project, whatever database holds it.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Records a new pipeline run in `initial` with one `initial` block run per block.
    async fn create_run(&self, run: NewRun) -> Result<PipelineRun, StorageError>;

    /// Creates the runs of due trigger slots in one transaction (each like `create_run`, with multi-row inserts), and
    /// records each `(trigger id, slot)` of `slots` as its trigger's latest slot handled (`TriggerStore::record_slot`),
    /// in order. A run whose trigger already has a run for its slot (another scheduler made it) is left out, so each
    /// slot gets one run however many schedulers fire it. Returns the runs created.
    async fn create_trigger_runs(
        &self,
        runs: Vec<NewRun>,
        slots: &[(i64, DateTime<Utc>)],
    ) -> Result<Vec<PipelineRun>, StorageError>;

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

    /// What the scheduler reads to advance a run (see `RunState`: its status, start and backfill, and the block runs
    /// it has to look at), in one statement; None if there is no such run.
    async fn run_state(&self, run_id: i64) -> Result<Option<RunState>, StorageError>;

    /// The block runs of a run named in `uuids` or instances of a block in `origins` (what a block run reads its
    /// inputs from), in the order they were created.
    async fn block_runs_for(
        &self,
        run_id: i64,
        uuids: &[String],
        origins: &[String],
    ) -> Result<Vec<BlockRun>, StorageError>;

    /// Replaces dynamic child `block_uuid` (its block run, `initial`) by its `instances`: they are created in their
    /// status and the block run becomes `completed`, in one transaction, as Mage keeps the original block run of
    /// a dynamic child and completes it once it has created the children.
    /// A page of the block runs of a run that `filter` selects: the pipeline's own block runs, or the instances of
    /// one dynamic child, in the order they were created.
    async fn block_run_page(
        &self,
        run_id: i64,
        filter: BlockRunFilter,
    ) -> Result<Vec<BlockRun>, StorageError>;

    /// How many instances each dynamic child of a run has in each status (one query, however many instances).
    async fn instance_counts(&self, run_id: i64) -> Result<Vec<InstanceCount>, StorageError>;

    async fn expand_block(
        &self,
        run_id: i64,
        block_uuid: &str,
        instances: Vec<NewInstance>,
    ) -> Result<(), StorageError>;

    /// Deletes the instances of the blocks in `origins` (their dynamic child runs again, from its parents' new
    /// outputs).
    async fn delete_instances(&self, run_id: i64, origins: &[String]) -> Result<u64, StorageError>;

    /// Runs, newest first.
    async fn runs(&self, filter: RunFilter) -> Result<Vec<PipelineRun>, StorageError>;

    /// The run of `pipeline_uuid` with the latest execution date in `[since, until]` (both ends included), as
    /// Mage's `check_status` takes it for a sensor waiting on another pipeline.
    async fn latest_run_between(
        &self,
        pipeline_uuid: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<PipelineRun>, StorageError>;

    /// The stored outputs of the newest completed block run of `block_uuid` in any run of `pipeline_uuid`.
    async fn latest_outputs(
        &self,
        pipeline_uuid: &str,
        block_uuid: &str,
    ) -> Result<Option<model::BlockOutputs>, StorageError>;

    /// Keeps a version of the project's code (a gzipped tar) under its content hash; keeping it again is a no-op.
    async fn save_code(&self, hash: &str, archive: &[u8]) -> Result<(), StorageError>;

    /// Whether the version `hash` of the project's code is kept.
    async fn has_code(&self, hash: &str) -> Result<bool, StorageError>;

    /// The archive of the version `hash` of the project's code.
    async fn code(&self, hash: &str) -> Result<Option<Vec<u8>>, StorageError>;

    /// Takes the oldest claimable queued block runs for `worker`, at most `limit`, oldest first: each becomes
    /// `running` (one more attempt) under a lease until `lease_until`. Two workers never get the same block run. A
    /// worker with `tags` takes block runs of blocks tagged with one of them, and untagged ones only if it has no
    /// tags or the tag `default`. Fewer than `limit`: the queue held no more it may take.
    async fn claim_block_runs(
        &self,
        worker: &str,
        tags: &[String],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<BlockRun>, StorageError>;

    /// `claim_block_runs` of one.
    async fn claim_block_run(
        &self,
        worker: &str,
        tags: &[String],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<BlockRun>, StorageError> {
        let claimed = self
            .claim_block_runs(worker, tags, now, lease_until, 1)
            .await?;
        Ok(claimed.into_iter().next())
    }

    /// Extends the lease of a block run `worker` still holds, and tells whether a cancel was asked for it.
    async fn renew_lease(
        &self,
        block_run_id: i64,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<Lease, StorageError>;

    /// Takes the oldest block run whose `cancelled` callbacks are due (it is `cancelled`, in a `cancelled` run) for
    /// a worker with `tags` (the rule of `claim_block_run`): they become `running`, so no other worker runs them.
    /// They run at most once: a worker that dies while running them leaves them `running`.
    async fn claim_cancelled_callbacks(
        &self,
        tags: &[String],
    ) -> Result<Option<BlockRun>, StorageError>;

    /// Records that the `cancelled` callbacks of block run `block_run_id` ran: `error` (what failed in them) becomes
    /// the block run's error, its status stays `cancelled`; `log_path` is where they logged.
    async fn finish_cancelled_callbacks(
        &self,
        block_run_id: i64,
        error: Option<String>,
        log_path: Option<String>,
    ) -> Result<(), StorageError>;

    /// Asks the worker running a block run to stop it.
    async fn request_cancel(&self, run_id: i64, block_uuid: &str) -> Result<(), StorageError>;

    /// Changes made by other processes, as they happen; `None` when the backend has no way to announce them
    /// (SQLite: one process changes it, and tells its own roles directly).
    async fn watch_changes(
        &self,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<Change>>, StorageError>;

    /// Whether this process leads (runs the scheduler's periodic duties): at most one process per database does.
    /// Once won, leadership is kept until the process or its database connection ends.
    async fn try_lead(&self) -> Result<bool, StorageError>;

    /// Running block runs whose lease ran out before `now` (their worker died or lost the database). A database
    /// server that (re)started less than `restart_grace` ago reports none: its workers could not renew their leases
    /// while it was down, and need that long to reconnect and renew.
    async fn expired_leases(
        &self,
        now: DateTime<Utc>,
        restart_grace: std::time::Duration,
    ) -> Result<Vec<BlockRun>, StorageError>;
}

/// Which block runs a worker with `tags` takes: untagged ones, and those tagged with these names.
pub(crate) fn claimable(tags: &[String]) -> (bool, Vec<String>) {
    let untagged = tags.is_empty() || tags.iter().any(|tag| tag == "default");
    (
        untagged,
        tags.iter()
            .filter(|tag| *tag != "default")
            .cloned()
            .collect(),
    )
}

/// Convenience for the common event with no payload.
impl BlockRunChange {
    pub fn event(event: BlockRunEvent) -> BlockRunChange {
        BlockRunChange {
            event,
            error: None,
            outputs: None,
            log_path: None,
            ready_at: None,
            cancelled_callbacks: false,
        }
    }
}

/// The next change from `watch_changes`; waits forever when there is no watch.
pub async fn next_change(
    changes: &mut Option<tokio::sync::mpsc::Receiver<Change>>,
) -> Option<Change> {
    match changes {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}
