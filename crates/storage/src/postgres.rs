//! The PostgreSQL backend, for several machines: the same run history and queue as SQLite, with block runs claimed
//! by `FOR UPDATE SKIP LOCKED` so any number of workers share one queue. No transaction stays open while a block runs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};
use serde_json::{Map, Value};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};

use crate::records::{parse_block_status, parse_run_status};
use crate::{
    BlockRun, BlockRunChange, Lease, NewRun, PipelineRun, RunFilter, RunStore, StorageError,
};

/// Run history in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    /// The connection holding the scheduler's advisory lock, once this process leads.
    leader: std::sync::Arc<tokio::sync::Mutex<Option<sqlx::pool::PoolConnection<sqlx::Postgres>>>>,
}

/// The channel of change notifications between processes sharing the database.
const CHANGES: &str = "wand_changes";

/// The advisory lock key of the scheduler's leadership ("wand" in ASCII).
const LEADER_LOCK: i64 = 0x7761_6e64;

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            pool,
            leader: Default::default(),
        })
    }

    /// A connection for administration only (no migrations), e.g. to create the databases of tests.
    pub async fn connect_admin(url: &str) -> Result<PgStore, StorageError> {
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        Ok(PgStore {
            pool,
            leader: Default::default(),
        })
    }

    /// Creates an empty database; `name` must be a plain identifier.
    pub async fn create_database(&self, name: &str) -> Result<(), StorageError> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StorageError::Conflict(format!(
                "`{name}` is not a plain database name"
            )));
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl RunStore for PgStore {
    async fn create_run(&self, run: NewRun) -> Result<PipelineRun, StorageError> {
        let now = Utc::now();
        let mut transaction = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO pipeline_runs (pipeline_uuid, trigger_id, status, variables, definition, execution_date, created_at, code_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&run.pipeline_uuid)
        .bind(run.trigger_id)
        .bind(RunStatus::Initial.as_str())
        .bind(Value::Object(run.variables.clone()))
        .bind(&run.definition)
        .bind(run.execution_date)
        .bind(now)
        .bind(&run.code_hash)
        .fetch_one(&mut *transaction)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StorageError::Conflict("this trigger already has a run for that slot".to_owned())
            }
            _ => error.into(),
        })?
        .get(0);
        for block_uuid in &run.block_uuids {
            sqlx::query(
                "INSERT INTO block_runs (pipeline_run_id, block_uuid, status, worker_tag) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(block_uuid)
            .bind(BlockRunStatus::Initial.as_str())
            .bind(run.worker_tags.get(block_uuid))
            .execute(&mut *transaction)
            .await?;
        }
        notify(&mut transaction, &format!("run:{id}")).await?;
        transaction.commit().await?;
        Ok(PipelineRun {
            id,
            pipeline_uuid: run.pipeline_uuid,
            trigger_id: run.trigger_id,
            status: RunStatus::Initial,
            variables: run.variables,
            definition: run.definition,
            execution_date: run.execution_date,
            created_at: now,
            started_at: None,
            completed_at: None,
            code_hash: run.code_hash,
        })
    }

    async fn change_run(&self, run_id: i64, event: RunEvent) -> Result<RunStatus, StorageError> {
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query("SELECT status FROM pipeline_runs WHERE id = $1 FOR UPDATE")
            .bind(run_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or(StorageError::RunNotFound(run_id))?;
        let next = parse_run_status(row.get(0))?.apply(event)?;
        let now = Utc::now();
        let (started, completed) = match event {
            RunEvent::Start => (Some(now), None),
            RunEvent::Retry => (None, None),
            RunEvent::Complete | RunEvent::Fail | RunEvent::Cancel => (None, Some(now)),
        };
        sqlx::query(
            "UPDATE pipeline_runs SET status = $1, started_at = COALESCE($2, started_at),
             completed_at = CASE WHEN $3 THEN NULL ELSE COALESCE($4, completed_at) END WHERE id = $5",
        )
        .bind(next.as_str())
        .bind(started)
        .bind(event == RunEvent::Retry)
        .bind(completed)
        .bind(run_id)
        .execute(&mut *transaction)
        .await?;
        // Other processes (another replica's API, anyone waiting on the run) learn that it ended.
        if next.is_finished() {
            notify(&mut transaction, &format!("run:{run_id}")).await?;
        }
        transaction.commit().await?;
        Ok(next)
    }

    async fn change_block_run(
        &self,
        run_id: i64,
        block_uuid: &str,
        change: BlockRunChange,
    ) -> Result<BlockRunStatus, StorageError> {
        let mut transaction = self.pool.begin().await?;
        let row = sqlx::query("SELECT status FROM block_runs WHERE pipeline_run_id = $1 AND block_uuid = $2 FOR UPDATE")
            .bind(run_id)
            .bind(block_uuid)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or_else(|| StorageError::BlockRunNotFound {
                run_id,
                block_uuid: block_uuid.to_owned(),
            })?;
        let next = parse_block_status(row.get(0))?.apply(change.event)?;
        let now = Utc::now();
        let starting = change.event == BlockRunEvent::Start;
        let retrying = change.event == BlockRunEvent::Retry;
        let waiting = change.event == BlockRunEvent::Wait;
        // A claim counts an attempt; a sensor's check that did not hold gives it back.
        let attempts = i64::from(starting) - i64::from(waiting);
        sqlx::query(
            "UPDATE block_runs SET status = $1,
                attempt = attempt + $2,
                waiting_since = CASE WHEN $14 THEN COALESCE(waiting_since, started_at)
                                     WHEN $3 THEN waiting_since ELSE NULL END,
                started_at = CASE WHEN $3 THEN $4 WHEN $5 THEN NULL ELSE started_at END,
                completed_at = CASE WHEN $6 THEN $4 ELSE NULL END,
                error = CASE WHEN $3 OR $5 THEN NULL ELSE COALESCE($7, error) END,
                outputs = CASE WHEN $3 OR $5 THEN NULL ELSE COALESCE($8, outputs) END,
                log_path = COALESCE($9, log_path),
                ready_at = $10,
                claimed_by = CASE WHEN $11 THEN NULL ELSE claimed_by END,
                lease_until = CASE WHEN $11 THEN NULL ELSE lease_until END
             WHERE pipeline_run_id = $12 AND block_uuid = $13",
        )
        .bind(next.as_str())
        .bind(attempts)
        .bind(starting)
        .bind(now)
        .bind(retrying)
        .bind(next.is_finished())
        .bind(change.error)
        .bind(change.outputs)
        .bind(change.log_path)
        .bind(change.ready_at)
        .bind(next != BlockRunStatus::Running)
        .bind(run_id)
        .bind(block_uuid)
        .bind(waiting)
        .execute(&mut *transaction)
        .await?;
        if next == BlockRunStatus::Queued {
            notify(&mut transaction, "queue").await?;
        }
        if next.is_finished() {
            notify(&mut transaction, &format!("run:{run_id}")).await?;
        }
        transaction.commit().await?;
        Ok(next)
    }

    async fn run(&self, run_id: i64) -> Result<Option<PipelineRun>, StorageError> {
        let row = sqlx::query("SELECT * FROM pipeline_runs WHERE id = $1")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(pipeline_run).transpose()
    }

    async fn block_runs(&self, run_id: i64) -> Result<Vec<BlockRun>, StorageError> {
        let rows = sqlx::query("SELECT * FROM block_runs WHERE pipeline_run_id = $1 ORDER BY id")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(block_run).collect()
    }

    async fn runs(&self, filter: RunFilter) -> Result<Vec<PipelineRun>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM pipeline_runs
             WHERE ($1::TEXT IS NULL OR pipeline_uuid = $1) AND ($2::TEXT IS NULL OR status = $2)
                AND ($3::BIGINT IS NULL OR trigger_id = $3) AND ($4::BIGINT IS NULL OR id < $4)
                AND ($6::TIMESTAMPTZ IS NULL OR execution_date >= $6) AND ($7::TIMESTAMPTZ IS NULL OR execution_date < $7)
             ORDER BY id DESC LIMIT $5",
        )
        .bind(filter.pipeline_uuid.as_deref())
        .bind(filter.status.map(RunStatus::as_str))
        .bind(filter.trigger_id)
        .bind(filter.before_id)
        .bind(filter.limit.unwrap_or(100))
        .bind(filter.since)
        .bind(filter.until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(pipeline_run).collect()
    }

    async fn latest_run_between(
        &self,
        pipeline_uuid: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<PipelineRun>, StorageError> {
        let row = sqlx::query(
            "SELECT * FROM pipeline_runs WHERE pipeline_uuid = $1 AND execution_date >= $2 AND execution_date <= $3
             ORDER BY execution_date DESC, id DESC LIMIT 1",
        )
        .bind(pipeline_uuid)
        .bind(since)
        .bind(until)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pipeline_run).transpose()
    }

    async fn latest_outputs(
        &self,
        pipeline_uuid: &str,
        block_uuid: &str,
    ) -> Result<Option<Value>, StorageError> {
        let row = sqlx::query(
            "SELECT b.outputs FROM block_runs b JOIN pipeline_runs r ON r.id = b.pipeline_run_id
             WHERE r.pipeline_uuid = $1 AND b.block_uuid = $2 AND b.status = 'completed' AND b.outputs IS NOT NULL
             ORDER BY r.id DESC LIMIT 1",
        )
        .bind(pipeline_uuid)
        .bind(block_uuid)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn save_code(&self, hash: &str, archive: &[u8]) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO code_versions (hash, archive) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING")
            .bind(hash)
            .bind(archive)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn has_code(&self, hash: &str) -> Result<bool, StorageError> {
        let row = sqlx::query("SELECT 1 FROM code_versions WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn code(&self, hash: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let row = sqlx::query("SELECT archive FROM code_versions WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn claim_block_run(
        &self,
        worker: &str,
        tags: &[String],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<BlockRun>, StorageError> {
        // The state machine's `queued --start--> running`; SKIP LOCKED lets concurrent workers take different rows.
        debug_assert_eq!(
            BlockRunStatus::Queued.apply(BlockRunEvent::Start),
            Ok(BlockRunStatus::Running)
        );
        let (untagged, named) = crate::claimable(tags);
        let row = sqlx::query(
            "UPDATE block_runs SET status = 'running', attempt = attempt + 1, started_at = $1, completed_at = NULL,
                error = NULL, outputs = NULL, claimed_by = $2, lease_until = $3, ready_at = NULL, cancel_requested = FALSE
             WHERE id = (SELECT id FROM block_runs WHERE status = 'queued' AND (ready_at IS NULL OR ready_at <= $1)
                           AND ((worker_tag IS NULL AND $4) OR worker_tag = ANY($5))
                         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING *",
        )
        .bind(now)
        .bind(worker)
        .bind(lease_until)
        .bind(untagged)
        .bind(named)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(block_run).transpose()
    }

    async fn renew_lease(
        &self,
        block_run_id: i64,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<Lease, StorageError> {
        let row = sqlx::query(
            "UPDATE block_runs SET lease_until = $1 WHERE id = $2 AND claimed_by = $3 AND status = 'running'
             RETURNING cancel_requested",
        )
        .bind(lease_until)
        .bind(block_run_id)
        .bind(worker)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Lease::Lost,
            Some(row) if row.get::<bool, _>(0) => Lease::CancelRequested,
            Some(_) => Lease::Held,
        })
    }

    async fn request_cancel(&self, run_id: i64, block_uuid: &str) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE block_runs SET cancel_requested = TRUE WHERE pipeline_run_id = $1 AND block_uuid = $2 AND status = 'running'",
        )
        .bind(run_id)
        .bind(block_uuid)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn watch_changes(
        &self,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<crate::Change>>, StorageError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANGES).await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        let change = match notification.payload() {
                            "queue" => crate::Change::Queue,
                            payload => {
                                match payload.strip_prefix("run:").and_then(|id| id.parse().ok()) {
                                    Some(id) => crate::Change::Run(id),
                                    None => continue,
                                }
                            }
                        };
                        if sender.send(change).await.is_err() {
                            return;
                        }
                    }
                    // The listener reconnects on its next call; pause so a database that is down is not hammered.
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
                }
            }
        });
        Ok(Some(receiver))
    }

    async fn try_lead(&self) -> Result<bool, StorageError> {
        let mut leader = self.leader.lock().await;
        if let Some(connection) = leader.as_mut() {
            // Still the leader while the connection that holds the lock is alive.
            if sqlx::query("SELECT 1")
                .execute(&mut **connection)
                .await
                .is_ok()
            {
                return Ok(true);
            }
            *leader = None;
        }
        let mut connection = self.pool.acquire().await?;
        let won: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_LOCK)
            .fetch_one(&mut *connection)
            .await?
            .get(0);
        if won {
            // Keep the connection out of the pool: the lock lives as long as it does.
            *leader = Some(connection);
        }
        Ok(won)
    }

    async fn expired_leases(
        &self,
        now: DateTime<Utc>,
        restart_grace: std::time::Duration,
    ) -> Result<Vec<BlockRun>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM block_runs WHERE status = 'running' AND lease_until IS NOT NULL AND lease_until < $1
                AND now() - pg_postmaster_start_time() >= make_interval(secs => $2)
             ORDER BY id",
        )
        .bind(now)
        .bind(restart_grace.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(block_run).collect()
    }
}

fn pipeline_run(row: &PgRow) -> Result<PipelineRun, StorageError> {
    let variables: Value = row.get("variables");
    Ok(PipelineRun {
        id: row.get("id"),
        pipeline_uuid: row.get("pipeline_uuid"),
        trigger_id: row.get("trigger_id"),
        status: parse_run_status(row.get("status"))?,
        variables: variables.as_object().cloned().unwrap_or_else(Map::new),
        definition: row.get("definition"),
        execution_date: row.get("execution_date"),
        created_at: row.get("created_at"),
        started_at: row.get("started_at"),
        completed_at: row.get("completed_at"),
        code_hash: row.get("code_hash"),
    })
}

fn block_run(row: &PgRow) -> Result<BlockRun, StorageError> {
    Ok(BlockRun {
        id: row.get("id"),
        pipeline_run_id: row.get("pipeline_run_id"),
        block_uuid: row.get("block_uuid"),
        status: parse_block_status(row.get("status"))?,
        attempt: row.get("attempt"),
        started_at: row.get("started_at"),
        completed_at: row.get("completed_at"),
        error: row.get("error"),
        log_path: row.get("log_path"),
        claimed_by: row.get("claimed_by"),
        lease_until: row.get("lease_until"),
        ready_at: row.get("ready_at"),
        waiting_since: row.get("waiting_since"),
        outputs: row.get("outputs"),
    })
}

/// Announces a change to the other processes when the transaction commits.
async fn notify(
    transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    payload: &str,
) -> Result<(), StorageError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANGES)
        .bind(payload)
        .execute(&mut **transaction)
        .await?;
    Ok(())
}
