//! Run history summed up for the dashboard and the run timeline: the `StatsStore` half of the store, its queries
//! written once for both databases in `stats_queries!`. Counting and grouping happen in SQL; what the two databases
//! spell differently (a time's UTC day, a run's duration) comes in as fragments. Percentiles and shaping are the
//! caller's, over the bounded reads given here.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{BlockRunStatus, RunStatus};

use crate::StorageError;

/// The runs of one pipeline created on one UTC day in one status, and how long those that ended took.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTotal {
    /// `YYYY-MM-DD`, in UTC.
    pub day: String,
    pub pipeline_uuid: String,
    pub status: RunStatus,
    pub runs: i64,
    /// How many of them have both a start and an end, their summed and their longest duration (to the millisecond).
    pub timed: i64,
    pub total_seconds: Option<f64>,
    pub max_seconds: Option<f64>,
}

/// The work going on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkNow {
    /// Runs created and not started yet.
    pub initial_runs: i64,
    pub running_runs: i64,
    /// Block runs waiting for a worker.
    pub queued_block_runs: i64,
    pub running_block_runs: i64,
}

/// When one run was created, started and ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpan {
    pub id: i64,
    pub status: RunStatus,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// When one block run (or an instance of a dynamic child) started and ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSpan {
    pub pipeline_run_id: i64,
    pub block_uuid: String,
    /// For an instance of a dynamic child: the block it runs.
    pub origin: Option<String>,
    pub status: BlockRunStatus,
    pub started_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
}

/// The instances of one dynamic child of a run, on a time axis: the first queued and started, the last ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpan {
    pub origin: String,
    pub count: i64,
    pub first_queued_at: Option<DateTime<Utc>>,
    pub first_started_at: Option<DateTime<Utc>>,
    pub last_completed_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait StatsStore: Send + Sync {
    /// Runs created at or after `since`, counted by UTC day, pipeline and status, with their durations (one pass
    /// over a covering index, whatever the window).
    async fn run_totals(&self, since: DateTime<Utc>) -> Result<Vec<RunTotal>, StorageError>;

    /// How many runs and block runs wait or run now.
    async fn work_now(&self) -> Result<WorkNow, StorageError>;

    /// The newest `limit` runs of `pipeline_uuid` created at or after `since`, newest first.
    async fn run_spans(
        &self,
        pipeline_uuid: &str,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<RunSpan>, StorageError>;

    /// The finished block runs (instances included) with a start and an end of the newest `runs` runs of
    /// `pipeline_uuid` created at or after `since`; at most `limit` of them.
    async fn block_spans(
        &self,
        pipeline_uuid: &str,
        since: DateTime<Utc>,
        runs: i64,
        limit: i64,
    ) -> Result<Vec<BlockSpan>, StorageError>;

    /// Each dynamic child of run `run_id` with instances: how many, and when they were first queued and started
    /// and last ended (one query, however many instances).
    async fn instance_spans(&self, run_id: i64) -> Result<Vec<InstanceSpan>, StorageError>;
}

/// Implements `StatsStore` for `$store`. `stamp` makes a time bindable, `day` is the UTC day (`YYYY-MM-DD`) of
/// `created_at` and `seconds` the seconds from `started_at` to `completed_at` (as a float) of a `pipeline_runs` row.
macro_rules! stats_queries {
    ($store:ty, stamp: $stamp:path, day: $day:literal, seconds: $seconds:literal) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use model::{BlockRunStatus, RunStatus};

            use $crate::stats::{BlockSpan, InstanceSpan, RunSpan, RunTotal, StatsStore, WorkNow};
            use $crate::StorageError;

            /// Seconds to the millisecond: the databases' time arithmetic differs below that (SQLite's Julian days).
            fn millis(seconds: f64) -> f64 {
                (seconds * 1000.0).round() / 1000.0
            }

            #[async_trait::async_trait]
            impl StatsStore for $store {
                async fn run_totals(&self, since: DateTime<Utc>) -> Result<Vec<RunTotal>, StorageError> {
                    type Row = (String, String, String, i64, i64, Option<f64>, Option<f64>);
                    let rows: Vec<Row> = sqlx::query_as(concat!(
                        "SELECT ", $day, " AS day, pipeline_uuid, status, COUNT(*),
                            COUNT(CASE WHEN started_at IS NOT NULL AND completed_at IS NOT NULL THEN 1 END),
                            SUM(", $seconds, "), MAX(", $seconds, ")
                         FROM pipeline_runs WHERE created_at >= $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
                    ))
                    .bind($stamp(since))
                    .fetch_all(&self.pool)
                    .await?;
                    rows.into_iter()
                        .map(|(day, pipeline_uuid, status, runs, timed, total_seconds, max_seconds)| {
                            Ok(RunTotal {
                                day,
                                pipeline_uuid,
                                status: RunStatus::try_from(status)?,
                                runs,
                                timed,
                                total_seconds: total_seconds.map(millis),
                                max_seconds: max_seconds.map(millis),
                            })
                        })
                        .collect()
                }

                async fn work_now(&self) -> Result<WorkNow, StorageError> {
                    let runs: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT status, COUNT(*) FROM pipeline_runs
                         WHERE status IN ('initial', 'running') GROUP BY status",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let block_runs: Vec<(String, i64)> = sqlx::query_as(
                        "SELECT status, COUNT(*) FROM block_runs
                         WHERE status IN ('queued', 'running') GROUP BY status",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let count = |rows: &[(String, i64)], status: &str| {
                        rows.iter().find(|(name, _)| name == status).map_or(0, |(_, count)| *count)
                    };
                    Ok(WorkNow {
                        initial_runs: count(&runs, RunStatus::Initial.as_str()),
                        running_runs: count(&runs, RunStatus::Running.as_str()),
                        queued_block_runs: count(&block_runs, BlockRunStatus::Queued.as_str()),
                        running_block_runs: count(&block_runs, BlockRunStatus::Running.as_str()),
                    })
                }

                async fn run_spans(
                    &self,
                    pipeline_uuid: &str,
                    since: DateTime<Utc>,
                    limit: i64,
                ) -> Result<Vec<RunSpan>, StorageError> {
                    let rows: Vec<(i64, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> =
                        sqlx::query_as(
                            "SELECT id, status, created_at, started_at, completed_at FROM pipeline_runs
                             WHERE pipeline_uuid = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC
                             LIMIT $3",
                        )
                        .bind(pipeline_uuid)
                        .bind($stamp(since))
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter()
                        .map(|(id, status, created_at, started_at, completed_at)| {
                            Ok(RunSpan { id, status: RunStatus::try_from(status)?, created_at, started_at, completed_at })
                        })
                        .collect()
                }

                async fn block_spans(
                    &self,
                    pipeline_uuid: &str,
                    since: DateTime<Utc>,
                    runs: i64,
                    limit: i64,
                ) -> Result<Vec<BlockSpan>, StorageError> {
                    let rows: Vec<(i64, String, Option<String>, String, DateTime<Utc>, DateTime<Utc>)> =
                        sqlx::query_as(
                            "SELECT b.pipeline_run_id, b.block_uuid, b.origin, b.status, b.started_at, b.completed_at
                             FROM block_runs b
                             WHERE b.pipeline_run_id IN (
                                 SELECT id FROM pipeline_runs WHERE pipeline_uuid = $1 AND created_at >= $2
                                 ORDER BY created_at DESC, id DESC LIMIT $3)
                               AND b.started_at IS NOT NULL AND b.completed_at IS NOT NULL
                             ORDER BY b.id LIMIT $4",
                        )
                        .bind(pipeline_uuid)
                        .bind($stamp(since))
                        .bind(runs)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.into_iter()
                        .map(|(pipeline_run_id, block_uuid, origin, status, started_at, completed_at)| {
                            Ok(BlockSpan {
                                pipeline_run_id,
                                block_uuid,
                                origin,
                                status: BlockRunStatus::try_from(status)?,
                                started_at,
                                completed_at,
                            })
                        })
                        .collect()
                }

                async fn instance_spans(&self, run_id: i64) -> Result<Vec<InstanceSpan>, StorageError> {
                    let rows: Vec<(String, i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> =
                        sqlx::query_as(
                            "SELECT origin, COUNT(*), MIN(queued_at), MIN(started_at), MAX(completed_at)
                             FROM block_runs WHERE pipeline_run_id = $1 AND origin IS NOT NULL
                             GROUP BY origin ORDER BY MIN(id)",
                        )
                        .bind(run_id)
                        .fetch_all(&self.pool)
                        .await?;
                    Ok(rows
                        .into_iter()
                        .map(|(origin, count, first_queued_at, first_started_at, last_completed_at)| InstanceSpan {
                            origin,
                            count,
                            first_queued_at,
                            first_started_at,
                            last_completed_at,
                        })
                        .collect())
                }
            }
        };
    };
}

pub(crate) use stats_queries;
