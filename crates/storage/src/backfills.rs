//! Backfills in storage: the `BackfillStore` half of the store, with its queries written once for both databases in
//! `backfill_queries!` (the style of `queries`). Its one state change of a run, `start_backfill_run`, is the
//! backfill's run limit made atomic: the backfill's row is locked while its running runs are counted.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{BackfillRange, BackfillStatus, IntervalType, RunStatus};
use serde_json::{Map, Value};

use crate::{PipelineRun, StorageError};

/// Which planned run of which backfill a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillSlot {
    pub backfill_id: i64,
    /// Its position in the backfill's plan (0-based); a retry's run has the index of the run it retries.
    pub index: i64,
}

/// What a new backfill needs.
#[derive(Debug, Clone)]
pub struct NewBackfill {
    pub pipeline_uuid: String,
    pub name: String,
    pub range: BackfillRange,
    /// Variables every run gets.
    pub variables: Map<String, Value>,
    /// At most this many of its runs at once (the pipeline's `pipeline_run_limit`).
    pub run_limit: Option<u32>,
    /// A run of it starts only while fewer runs of the pipeline run (`pipeline_run_limit_all_triggers`).
    pub run_limit_all: Option<u32>,
    pub total_runs: i64,
    pub created_at: DateTime<Utc>,
}

/// A stored backfill.
#[derive(Debug, Clone, PartialEq)]
pub struct Backfill {
    pub id: i64,
    pub pipeline_uuid: String,
    pub name: String,
    pub status: BackfillStatus,
    pub range: BackfillRange,
    pub variables: Map<String, Value>,
    pub run_limit: Option<u32>,
    pub run_limit_all: Option<u32>,
    pub total_runs: i64,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait BackfillStore: Send + Sync {
    /// Records a new backfill in `initial` (its runs are created next, by the scheduler).
    async fn create_backfill(&self, backfill: NewBackfill) -> Result<Backfill, StorageError>;

    async fn backfill(&self, id: i64) -> Result<Option<Backfill>, StorageError>;

    /// The backfills of a pipeline (all of them when `None`), newest first.
    async fn backfills(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Backfill>, StorageError>;

    /// The backfills whose runs may still start (`initial` or `running`).
    async fn open_backfills(&self) -> Result<Vec<Backfill>, StorageError>;

    /// How many of the backfill's planned runs are in each status, counting the latest run of each (a retried
    /// run's earlier attempts are not counted), as Mage's `pipeline_run_status_counts`.
    async fn backfill_progress(&self, id: i64) -> Result<Vec<(RunStatus, i64)>, StorageError>;

    /// The runs of a backfill, by planned run then creation; only the latest of each planned run when `latest`.
    async fn backfill_runs(&self, id: i64, latest: bool) -> Result<Vec<PipelineRun>, StorageError>;

    /// The ids of the backfill's runs waiting to start (`initial`), in planned order, at most `limit`.
    async fn waiting_backfill_runs(&self, id: i64, limit: i64) -> Result<Vec<i64>, StorageError>;

    /// Sets the backfill's status: `running` stamps `started_at` (once), `failed` stamps `failed_at`, a finished
    /// status stamps `completed_at`, `initial` (a retry) clears both.
    async fn set_backfill_status(
        &self,
        id: i64,
        status: BackfillStatus,
    ) -> Result<(), StorageError>;

    /// Starts run `run_id` (`initial` → `running`) of an open backfill if its limits allow it now, atomically: with
    /// several schedulers sharing the database, no more runs than the limit ever run. The backfill becomes `running`
    /// with its first started run. Whether the run started.
    async fn start_backfill_run(&self, run_id: i64) -> Result<bool, StorageError>;

    /// Deletes a backfill; its runs stay in the history, no longer linked to it. Whether it existed.
    async fn delete_backfill(&self, id: i64) -> Result<bool, StorageError>;
}

/// A row of `backfills`.
#[derive(sqlx::FromRow)]
pub(crate) struct BackfillRow {
    id: i64,
    pipeline_uuid: String,
    name: String,
    status: String,
    start_datetime: Option<DateTime<Utc>>,
    end_datetime: Option<DateTime<Utc>>,
    interval_type: Option<String>,
    interval_units: Option<i64>,
    variables: sqlx::types::Json<Map<String, Value>>,
    variable_sets: Option<sqlx::types::Json<Vec<Map<String, Value>>>>,
    run_limit: Option<i64>,
    run_limit_all: Option<i64>,
    total_runs: i64,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
}

impl BackfillRow {
    pub(crate) fn into_backfill(self) -> Result<Backfill, StorageError> {
        let corrupt = |what: &str| StorageError::Corrupt(format!("backfill {}: {what}", self.id));
        let status =
            BackfillStatus::parse(&self.status).ok_or_else(|| corrupt("unknown status"))?;
        let range = match (&self.variable_sets, self.start_datetime, self.end_datetime) {
            (Some(sets), _, _) => BackfillRange::VariableSets(sets.0.clone()),
            (None, Some(start), Some(end)) => BackfillRange::Dates {
                start,
                end,
                interval_type: self
                    .interval_type
                    .as_deref()
                    .and_then(IntervalType::parse)
                    .ok_or_else(|| corrupt("unknown interval type"))?,
                units: self
                    .interval_units
                    .and_then(|units| u32::try_from(units).ok())
                    .ok_or_else(|| corrupt("bad interval units"))?,
            },
            _ => return Err(corrupt("neither a date range nor variable sets")),
        };
        let limit = |value: Option<i64>| value.and_then(|value| u32::try_from(value).ok());
        Ok(Backfill {
            id: self.id,
            pipeline_uuid: self.pipeline_uuid,
            name: self.name,
            status,
            range,
            variables: self.variables.0,
            run_limit: limit(self.run_limit),
            run_limit_all: limit(self.run_limit_all),
            total_runs: self.total_runs,
            created_at: self.created_at,
            started_at: self.started_at,
            completed_at: self.completed_at,
            failed_at: self.failed_at,
        })
    }
}

/// The range's columns: start, end, interval type, units, variable sets.
#[allow(clippy::type_complexity, reason = "the five columns, in order")]
pub(crate) fn range_columns(
    range: &BackfillRange,
) -> (
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<&'static str>,
    Option<i64>,
    Option<&Vec<Map<String, Value>>>,
) {
    match range {
        BackfillRange::Dates {
            start,
            end,
            interval_type,
            units,
        } => (
            Some(*start),
            Some(*end),
            Some(interval_type.as_str()),
            Some(i64::from(*units)),
            None,
        ),
        BackfillRange::VariableSets(sets) => (None, None, None, None, Some(sets)),
    }
}

/// Implements `BackfillStore` for `$store` (a struct with a `pool` that implements `Backend`); `stamp` and
/// `lock_row` as in `shared_queries!`.
macro_rules! backfill_queries {
    ($store:ty, stamp: $stamp:path, lock_row: $lock_row:literal) => {
    const _: () = {
        use chrono::Utc;
        use model::{BackfillStatus, RunEvent, RunStatus};
        use sqlx::types::Json;

        use $crate::backfills::{range_columns, Backfill, BackfillRow, BackfillStore, NewBackfill};
        use $crate::queries::Backend;
        use $crate::{Change, PipelineRun, StorageError};

        #[async_trait::async_trait]
        impl BackfillStore for $store {
            async fn create_backfill(&self, backfill: NewBackfill) -> Result<Backfill, StorageError> {
                let (start, end, interval_type, units, sets) = range_columns(&backfill.range);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO backfills (pipeline_uuid, name, status, start_datetime, end_datetime,
                        interval_type, interval_units, variables, variable_sets, run_limit, run_limit_all,
                        total_runs, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                )
                .bind(&backfill.pipeline_uuid)
                .bind(&backfill.name)
                .bind(BackfillStatus::Initial.as_str())
                .bind(start.map($stamp))
                .bind(end.map($stamp))
                .bind(interval_type)
                .bind(units)
                .bind(Json(&backfill.variables))
                .bind(sets.map(Json))
                .bind(backfill.run_limit.map(i64::from))
                .bind(backfill.run_limit_all.map(i64::from))
                .bind(backfill.total_runs)
                .bind($stamp(backfill.created_at))
                .fetch_one(&self.pool)
                .await?;
                self.backfill(id).await?.ok_or_else(|| StorageError::Corrupt(format!("backfill {id} vanished")))
            }

            async fn backfill(&self, id: i64) -> Result<Option<Backfill>, StorageError> {
                sqlx::query_as::<_, BackfillRow>("SELECT * FROM backfills WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(BackfillRow::into_backfill)
                    .transpose()
            }

            async fn backfills(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Backfill>, StorageError> {
                sqlx::query_as::<_, BackfillRow>(
                    "SELECT * FROM backfills WHERE ($1 IS NULL OR pipeline_uuid = $1) ORDER BY id DESC",
                )
                .bind(pipeline_uuid)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(BackfillRow::into_backfill)
                .collect()
            }

            async fn open_backfills(&self) -> Result<Vec<Backfill>, StorageError> {
                sqlx::query_as::<_, BackfillRow>(
                    "SELECT * FROM backfills WHERE status IN ('initial', 'running') ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(BackfillRow::into_backfill)
                .collect()
            }

            async fn backfill_progress(&self, id: i64) -> Result<Vec<(RunStatus, i64)>, StorageError> {
                let rows: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT r.status, COUNT(*) FROM pipeline_runs r
                     WHERE r.backfill_id = $1 AND r.id = (
                        SELECT MAX(l.id) FROM pipeline_runs l
                        WHERE l.backfill_id = $1 AND l.backfill_index = r.backfill_index)
                     GROUP BY r.status ORDER BY r.status",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(status, count)| Ok((RunStatus::try_from(status)?, count)))
                    .collect()
            }

            async fn backfill_runs(&self, id: i64, latest: bool) -> Result<Vec<PipelineRun>, StorageError> {
                Ok(sqlx::query_as::<_, PipelineRun>(
                    "SELECT * FROM pipeline_runs r WHERE r.backfill_id = $1
                        AND (NOT $2 OR r.id = (
                            SELECT MAX(l.id) FROM pipeline_runs l
                            WHERE l.backfill_id = $1 AND l.backfill_index = r.backfill_index))
                     ORDER BY r.backfill_index, r.id",
                )
                .bind(id)
                .bind(latest)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn waiting_backfill_runs(&self, id: i64, limit: i64) -> Result<Vec<i64>, StorageError> {
                let rows: Vec<(i64,)> = sqlx::query_as(
                    "SELECT id FROM pipeline_runs WHERE backfill_id = $1 AND status = 'initial'
                     ORDER BY backfill_index, id LIMIT $2",
                )
                .bind(id)
                .bind(limit.max(1))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn set_backfill_status(&self, id: i64, status: BackfillStatus) -> Result<(), StorageError> {
                let now = $stamp(Utc::now());
                let finished = !status.is_open();
                let retried = status == BackfillStatus::Initial;
                sqlx::query(
                    "UPDATE backfills SET status = $1,
                        started_at = CASE WHEN $2 THEN COALESCE(started_at, $3) ELSE started_at END,
                        failed_at = CASE WHEN $5 THEN NULL WHEN $6 THEN COALESCE(failed_at, $3) ELSE failed_at END,
                        completed_at = CASE WHEN $5 THEN NULL WHEN $4 THEN $3 ELSE completed_at END
                     WHERE id = $7",
                )
                .bind(status.as_str())
                .bind(status == BackfillStatus::Running)
                .bind(now)
                .bind(finished)
                .bind(retried)
                .bind(status == BackfillStatus::Failed)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn start_backfill_run(&self, run_id: i64) -> Result<bool, StorageError> {
                let mut transaction = self.pool.begin().await?;
                let (status, backfill_id): (String, Option<i64>) = sqlx::query_as(concat!(
                    "SELECT status, backfill_id FROM pipeline_runs WHERE id = $1",
                    $lock_row
                ))
                .bind(run_id)
                .fetch_optional(&mut *transaction)
                .await?
                .ok_or(StorageError::RunNotFound(run_id))?;
                let Some(backfill_id) = backfill_id else {
                    return Ok(false);
                };
                let next = RunStatus::try_from(status)?.apply(RunEvent::Start)?;
                // Locked until commit: a concurrent start of another of its runs waits here, then counts this one.
                let backfill: Option<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(concat!(
                    "SELECT status, pipeline_uuid, run_limit, run_limit_all FROM backfills WHERE id = $1",
                    $lock_row
                ))
                .bind(backfill_id)
                .fetch_optional(&mut *transaction)
                .await?;
                let Some((backfill_status, pipeline_uuid, limit, limit_all)) = backfill else {
                    return Ok(false);
                };
                if !BackfillStatus::parse(&backfill_status).is_some_and(BackfillStatus::is_open) {
                    return Ok(false);
                }
                if let Some(limit) = limit {
                    let (running,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM pipeline_runs WHERE backfill_id = $1 AND status = 'running'",
                    )
                    .bind(backfill_id)
                    .fetch_one(&mut *transaction)
                    .await?;
                    if running >= limit {
                        return Ok(false);
                    }
                }
                if let Some(limit) = limit_all {
                    let (running,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM pipeline_runs WHERE pipeline_uuid = $1 AND status = 'running'",
                    )
                    .bind(&pipeline_uuid)
                    .fetch_one(&mut *transaction)
                    .await?;
                    if running >= limit {
                        return Ok(false);
                    }
                }
                let now = $stamp(Utc::now());
                sqlx::query("UPDATE pipeline_runs SET status = $1, started_at = $2 WHERE id = $3")
                    .bind(next.as_str())
                    .bind(&now)
                    .bind(run_id)
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query(
                    "UPDATE backfills SET status = 'running', started_at = COALESCE(started_at, $1)
                     WHERE id = $2 AND status = 'initial'",
                )
                .bind(&now)
                .bind(backfill_id)
                .execute(&mut *transaction)
                .await?;
                Self::announce(&mut transaction, Change::Run(run_id)).await?;
                transaction.commit().await?;
                Ok(true)
            }

            async fn delete_backfill(&self, id: i64) -> Result<bool, StorageError> {
                let mut transaction = self.pool.begin().await?;
                sqlx::query("UPDATE pipeline_runs SET backfill_id = NULL WHERE backfill_id = $1")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?;
                let deleted = sqlx::query("DELETE FROM backfills WHERE id = $1")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                transaction.commit().await?;
                Ok(deleted > 0)
            }
        }
    };
    };
}

pub(crate) use backfill_queries;
