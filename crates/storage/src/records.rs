//! The rows of the run history as plain structs, independent of the database that holds them.

use chrono::{DateTime, Utc};
use model::{
    BlockOutputs, BlockRunEvent, BlockRunStatus, DynamicInstance, PipelineDefinition, RunStatus,
};
use serde_json::{Map, Value};

/// What a new pipeline run needs.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub pipeline_uuid: String,
    pub trigger_id: Option<i64>,
    /// The run's own variables (the most specific layer).
    pub variables: Map<String, Value>,
    /// The pinned pipeline definition.
    pub definition: PipelineDefinition,
    pub execution_date: DateTime<Utc>,
    /// The blocks to create block runs for, in pipeline order.
    pub block_uuids: Vec<String>,
    /// The version of the project's code the run executes (see `RunStore::save_code`).
    pub code_hash: Option<String>,
    /// Blocks that only workers with a tag may run: block uuid -> tag.
    pub worker_tags: std::collections::HashMap<String, String>,
    /// The backfill the run belongs to, and which of its planned runs it is.
    pub backfill: Option<crate::BackfillSlot>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PipelineRun {
    pub id: i64,
    pub pipeline_uuid: String,
    pub trigger_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: RunStatus,
    #[sqlx(json)]
    pub variables: Map<String, Value>,
    #[sqlx(json)]
    pub definition: PipelineDefinition,
    pub execution_date: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub code_hash: Option<String>,
    /// It was still going past its trigger's SLA (Mage's `passed_sla`).
    pub passed_sla: bool,
    /// The backfill the run belongs to (see `BackfillStore`), and which of its planned runs it is.
    pub backfill_id: Option<i64>,
    pub backfill_index: Option<i64>,
    /// Whether its block outputs and logs were deleted by a retention cleanup.
    #[sqlx(flatten)]
    pub pruned: Pruned,
}

/// When a retention cleanup deleted a run's block outputs and logs from the disk, and by which period (`90d`):
/// the run itself stays listed.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct Pruned {
    pub outputs_pruned_at: Option<DateTime<Utc>>,
    pub outputs_pruned_by: Option<String>,
    pub logs_pruned_at: Option<DateTime<Utc>>,
    pub logs_pruned_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BlockRun {
    pub id: i64,
    pub pipeline_run_id: i64,
    pub block_uuid: String,
    #[sqlx(try_from = "String")]
    pub status: BlockRunStatus,
    /// How many times it started (1 for the first attempt).
    pub attempt: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// When it last became queued (see migration 0017); none before that migration.
    pub queued_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub log_path: Option<String>,
    #[sqlx(json(nullable))]
    pub outputs: Option<BlockOutputs>,
    /// The worker holding the block run while it runs, and until when its lease lasts.
    pub claimed_by: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// While queued: not claimable before this time (a retry's delay, a waiting sensor's next check).
    pub ready_at: Option<DateTime<Utc>>,
    /// A sensor that waits (its checks did not hold): when its first check started; its timeout counts from
    /// there. Kept across its checks, cleared by any other change (it holds, fails, is requeued or retried).
    pub waiting_since: Option<DateTime<Utc>>,
    /// For an instance of a dynamic child (`square:a`): the block it runs (`square`).
    pub origin: Option<String>,
    /// For an instance of a dynamic child: its index and where its inputs come from.
    #[sqlx(json(nullable))]
    pub dynamic: Option<DynamicInstance>,
    /// Whether the `cancelled` callbacks of its block are due, being run, or have run (see
    /// `RunStore::claim_cancelled_callbacks`).
    #[sqlx(try_from = "Option<String>")]
    pub cancelled_callbacks: CancelledCallbacks,
}

/// Where a block run stands with its block's `cancelled` callbacks, which Mage runs once, in a job of their own,
/// for each block run it cancels in a cancelled run (its `CANCEL_PIPELINE_RUN` job): none due, due, being run by a
/// worker, run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CancelledCallbacks {
    #[default]
    None,
    Pending,
    Running,
    Done,
}

impl CancelledCallbacks {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            CancelledCallbacks::None => None,
            CancelledCallbacks::Pending => Some("pending"),
            CancelledCallbacks::Running => Some("running"),
            CancelledCallbacks::Done => Some("done"),
        }
    }

    /// Whether they are still to run or running.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CancelledCallbacks::Pending | CancelledCallbacks::Running
        )
    }
}

impl TryFrom<Option<String>> for CancelledCallbacks {
    type Error = String;

    fn try_from(text: Option<String>) -> Result<CancelledCallbacks, String> {
        Ok(match text.as_deref() {
            None => CancelledCallbacks::None,
            Some("pending") => CancelledCallbacks::Pending,
            Some("running") => CancelledCallbacks::Running,
            Some("done") => CancelledCallbacks::Done,
            Some(other) => return Err(format!("unknown state of cancelled callbacks `{other}`")),
        })
    }
}

impl BlockRun {
    /// The pipeline's block this block run runs: its own uuid, or for an instance of a dynamic child that block's.
    pub fn block(&self) -> &str {
        self.origin.as_deref().unwrap_or(&self.block_uuid)
    }

    /// How long the last attempt ran, once it has finished.
    pub fn duration(&self) -> Option<chrono::Duration> {
        Some(self.completed_at? - self.started_at?)
    }
}

/// What changes of a run while it goes, without its definition (which never does): what the scheduler reads of it at
/// each step, keeping the definition it parsed once.
#[derive(Debug, Clone, PartialEq)]
pub struct RunHead {
    pub status: RunStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub backfill_id: Option<i64>,
}

/// What the scheduler reads to advance a run, in one statement: its head, and the block runs of the pipeline's
/// blocks and the instances of dynamic children not queued yet (in the order they were created). How many
/// instances of each block are in each status is `RunStore::instance_counts`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    pub head: RunHead,
    pub block_runs: Vec<BlockRunHead>,
}

/// What the scheduler's advance rule reads of a block run: its name, status and, for an instance, its block.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRunHead {
    pub block_uuid: String,
    pub status: BlockRunStatus,
    pub origin: Option<String>,
}

/// An instance of a dynamic child to create (see `RunStore::expand_block`).
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// Its block-run name, `<block>:<suffix>`.
    pub uuid: String,
    pub dynamic: DynamicInstance,
    pub worker_tag: Option<String>,
    /// `initial`, or `condition_failed` for an instance below a skipped one.
    pub status: BlockRunStatus,
}

/// A status change of a block run, with what the change brings along.
#[derive(Debug, Clone)]
pub struct BlockRunChange {
    pub event: BlockRunEvent,
    pub error: Option<String>,
    pub outputs: Option<BlockOutputs>,
    pub log_path: Option<String>,
    /// For `Enqueue`, `Requeue` and `Wait`: not claimable before this time (a retry's delay, a sensor's next check).
    pub ready_at: Option<DateTime<Utc>>,
    /// The block has callbacks: when this change cancels the block run and its pipeline run is `cancelled`, its
    /// `cancelled` callbacks become due (as in Mage, not when the run failed or timed out as failed).
    pub cancelled_callbacks: bool,
}

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub pipeline_uuid: Option<String>,
    pub trigger_id: Option<i64>,
    pub status: Option<RunStatus>,
    /// Only runs with a smaller id (the next page of a newest-first list).
    pub before_id: Option<i64>,
    /// Only runs whose execution date is at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only runs whose execution date is before this time.
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
}

/// Which block runs of one run to list (see `RunStore::block_run_page`), in the order they were created.
#[derive(Debug, Clone, Default)]
pub struct BlockRunFilter {
    /// Only the instances of this dynamic child. Without it, only the pipeline's own block runs (no instances).
    pub origin: Option<String>,
    pub status: Option<BlockRunStatus>,
    /// How many matching block runs to skip.
    pub offset: i64,
    /// At most this many (all when `None`).
    pub limit: Option<i64>,
}

/// How many instances of one dynamic child are in one status.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InstanceCount {
    /// The dynamic child (the pipeline block the instances run).
    pub origin: String,
    #[sqlx(try_from = "String")]
    pub status: BlockRunStatus,
    pub count: i64,
}

/// The state of a worker's claim, as its heartbeat finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// Still held and renewed.
    Held,
    /// Still held, and a cancel was asked for: stop the block.
    CancelRequested,
    /// No longer held (expired and taken back, or finished).
    Lost,
}

/// A change another process made, announced by the database (PostgreSQL's NOTIFY) so nobody has to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A run was created, or one of its block runs finished: its scheduler should advance it.
    Run(i64),
    /// A block run was queued: workers may claim it.
    Queue,
}
