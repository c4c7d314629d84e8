//! Retention in storage: which finished runs have block outputs or logs old enough to prune, marking them pruned
//! (the run stays listed; the small output values kept in its block runs' records go), and deleting runs with their
//! block runs. The `RetentionStore` half of the store, its queries written once for both databases in
//! `retention_queries!`. Files are not its business: the caller (`scheduler::retention`) deletes them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{PipelineRun, StorageError};

/// What of a run a cleanup removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prunable {
    /// Block outputs (Mage's cached variables), by `variables_retention_period`.
    Outputs,
    /// Block logs, by `logging_config.retention_period`.
    Logs,
}

impl Prunable {
    pub fn as_str(self) -> &'static str {
        match self {
            Prunable::Outputs => "outputs",
            Prunable::Logs => "logs",
        }
    }
}

/// Which runs a cleanup may prune.
#[derive(Debug, Clone)]
pub struct PruneQuery {
    pub what: Prunable,
    /// Only runs of this pipeline.
    pub pipeline_uuid: Option<String>,
    /// Only runs that ended (or, never started, were created) before this time.
    pub ended_before: DateTime<Utc>,
    /// At most this many, oldest first.
    pub limit: i64,
}

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Finished runs (completed, failed or cancelled, with no `cancelled` callbacks still to run) that ended
    /// before `query.ended_before` and whose `query.what` is not pruned yet, oldest first. For outputs, the newest
    /// completed run of each pipeline is never among them: global data products and a block run alone in the
    /// editor read its outputs, however old it is.
    async fn prunable_runs(&self, query: PruneQuery) -> Result<Vec<PipelineRun>, StorageError>;

    /// Marks `what` of the runs `run_ids` pruned at `at` by the period `by` (`90d`); runs already marked keep
    /// their first mark. Returns how many were marked.
    async fn mark_pruned(
        &self,
        what: Prunable,
        run_ids: &[i64],
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<u64, StorageError>;

    /// Deletes the runs `run_ids` with their block runs and returns them (ids that name no run are left out).
    /// Nothing is deleted if one of them is still going (or has `cancelled` callbacks to run): that is a
    /// `Conflict` naming it, to cancel first.
    async fn delete_runs(&self, run_ids: &[i64]) -> Result<Vec<PipelineRun>, StorageError>;
}

/// The filter of finished runs with nothing left to run, on `pipeline_runs r`.
macro_rules! finished_run {
    () => {
        "r.status IN ('completed', 'failed', 'cancelled')
         AND NOT EXISTS (SELECT 1 FROM block_runs b WHERE b.pipeline_run_id = r.id
            AND b.cancelled_callbacks IN ('pending', 'running'))"
    };
}

pub(crate) use finished_run;

/// Implements `RetentionStore` for `$store` (a struct with a `pool`); `stamp` makes a time bindable, as in
/// `shared_queries!`; `lock_row` follows a `SELECT` whose rows are then changed in the same transaction;
/// `id_list` reads bind `$1` (a JSON list of run ids) as rows.
macro_rules! retention_queries {
    ($store:ty, stamp: $stamp:path, lock_row: $lock_row:literal, id_list: $id_list:literal) => {
    const _: () = {
        use chrono::{DateTime, Utc};
        use sqlx::types::Json;

        use $crate::retention::{finished_run, Prunable, PruneQuery, RetentionStore};
        use $crate::{PipelineRun, StorageError};

        #[async_trait::async_trait]
        impl RetentionStore for $store {
            async fn prunable_runs(&self, query: PruneQuery) -> Result<Vec<PipelineRun>, StorageError> {
                let sql = match query.what {
                    Prunable::Outputs => concat!(
                        "SELECT * FROM pipeline_runs r WHERE r.outputs_pruned_at IS NULL AND ",
                        finished_run!(),
                        " AND COALESCE(r.completed_at, r.created_at) < $1
                          AND ($2 IS NULL OR r.pipeline_uuid = $2)
                          AND r.id <> COALESCE((SELECT MAX(p.id) FROM pipeline_runs p
                             WHERE p.pipeline_uuid = r.pipeline_uuid AND p.status = 'completed'), 0)
                          ORDER BY r.id LIMIT $3"
                    ),
                    Prunable::Logs => concat!(
                        "SELECT * FROM pipeline_runs r WHERE r.logs_pruned_at IS NULL AND ",
                        finished_run!(),
                        " AND COALESCE(r.completed_at, r.created_at) < $1
                          AND ($2 IS NULL OR r.pipeline_uuid = $2)
                          ORDER BY r.id LIMIT $3"
                    ),
                };
                Ok(sqlx::query_as::<_, PipelineRun>(sql)
                    .bind($stamp(query.ended_before))
                    .bind(query.pipeline_uuid.as_deref())
                    .bind(query.limit.max(1))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn mark_pruned(
                &self,
                what: Prunable,
                run_ids: &[i64],
                at: DateTime<Utc>,
                by: &str,
            ) -> Result<u64, StorageError> {
                let sql = match what {
                    Prunable::Outputs => concat!(
                        "UPDATE pipeline_runs SET outputs_pruned_at = $2, outputs_pruned_by = $3
                         WHERE outputs_pruned_at IS NULL AND id IN ", $id_list
                    ),
                    Prunable::Logs => concat!(
                        "UPDATE pipeline_runs SET logs_pruned_at = $2, logs_pruned_by = $3
                         WHERE logs_pruned_at IS NULL AND id IN ", $id_list
                    ),
                };
                let mut transaction = self.pool.begin().await?;
                let result = sqlx::query(sql)
                    .bind(Json(run_ids))
                    .bind($stamp(at))
                    .bind(by)
                    .execute(&mut *transaction)
                    .await?;
                if what == Prunable::Outputs {
                    // Small JSON values are kept in the block runs' records, not in files: pruned here.
                    let kept: Vec<(i64, Json<model::BlockOutputs>)> = sqlx::query_as(concat!(
                        "SELECT id, outputs FROM block_runs WHERE outputs IS NOT NULL AND pipeline_run_id IN ",
                        $id_list
                    ))
                    .bind(Json(run_ids))
                    .fetch_all(&mut *transaction)
                    .await?;
                    for (id, Json(mut stored)) in kept {
                        let forgot = stored.outputs.iter_mut().fold(false, |any, output| output.forget_value() || any);
                        if forgot {
                            sqlx::query("UPDATE block_runs SET outputs = $1 WHERE id = $2")
                                .bind(Json(&stored))
                                .bind(id)
                                .execute(&mut *transaction)
                                .await?;
                        }
                    }
                }
                transaction.commit().await?;
                Ok(result.rows_affected())
            }

            async fn delete_runs(&self, run_ids: &[i64]) -> Result<Vec<PipelineRun>, StorageError> {
                let mut transaction = self.pool.begin().await?;
                let runs = sqlx::query_as::<_, PipelineRun>(concat!(
                    "SELECT * FROM pipeline_runs r WHERE r.id IN ", $id_list, " ORDER BY r.id", $lock_row
                ))
                .bind(Json(run_ids))
                .fetch_all(&mut *transaction)
                .await?;
                let finished: Vec<(i64,)> = sqlx::query_as(concat!(
                    "SELECT r.id FROM pipeline_runs r WHERE r.id IN ", $id_list, " AND ", finished_run!()
                ))
                .bind(Json(run_ids))
                .fetch_all(&mut *transaction)
                .await?;
                if let Some(going) = runs.iter().find(|run| !finished.iter().any(|(id,)| *id == run.id)) {
                    return Err(StorageError::Conflict(format!(
                        "run {} of `{}` is still going ({}): cancel it first, then delete it",
                        going.id,
                        going.pipeline_uuid,
                        if going.status.is_finished() {
                            "running its `cancelled` callbacks"
                        } else {
                            going.status.as_str()
                        }
                    )));
                }
                sqlx::query(concat!("DELETE FROM pipeline_runs WHERE id IN ", $id_list))
                    .bind(Json(run_ids))
                    .execute(&mut *transaction)
                    .await?;
                transaction.commit().await?;
                Ok(runs)
            }
        }
    };
    };
}

pub(crate) use retention_queries;
