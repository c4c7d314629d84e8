//! The embedded SQLite backend (WAL mode), the default for one machine.

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};

use crate::records::{parse_block_status, parse_run_status};
use crate::{
    BlockRun, BlockRunChange, Lease, NewRun, PipelineRun, RunFilter, RunStore, StorageError,
};

/// Run history in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StorageError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        Self::connect(options).await
    }

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<SqliteStore, StorageError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        Self::connect(options).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<SqliteStore, StorageError> {
        let pool = SqlitePoolOptions::new()
            // One writer at a time is SQLite's rule anyway; one connection keeps `:memory:` a single database.
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

#[async_trait]
impl RunStore for SqliteStore {
    async fn create_run(&self, run: NewRun) -> Result<PipelineRun, StorageError> {
        let now = Utc::now();
        let mut transaction = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO pipeline_runs (pipeline_uuid, trigger_id, status, variables, definition, execution_date, created_at, code_hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&run.pipeline_uuid)
        .bind(run.trigger_id)
        .bind(RunStatus::Initial.as_str())
        .bind(Value::Object(run.variables.clone()).to_string())
        .bind(run.definition.to_string())
        .bind(stamp(run.execution_date))
        .bind(stamp(now))
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
                "INSERT INTO block_runs (pipeline_run_id, block_uuid, status, worker_tag) VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(block_uuid)
            .bind(BlockRunStatus::Initial.as_str())
            .bind(run.worker_tags.get(block_uuid))
            .execute(&mut *transaction)
            .await?;
        }
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
        let row = sqlx::query("SELECT status FROM pipeline_runs WHERE id = ?")
            .bind(run_id)
            .fetch_optional(&mut *transaction)
            .await?
            .ok_or(StorageError::RunNotFound(run_id))?;
        let next = parse_run_status(row.get(0))?.apply(event)?;
        let now = stamp(Utc::now());
        let (started, completed) = match event {
            RunEvent::Start => (Some(now), None),
            RunEvent::Retry => (None, None),
            RunEvent::Complete | RunEvent::Fail | RunEvent::Cancel => (None, Some(now)),
        };
        sqlx::query(
            "UPDATE pipeline_runs SET status = ?, started_at = COALESCE(?, started_at),
             completed_at = CASE WHEN ? THEN NULL ELSE COALESCE(?, completed_at) END WHERE id = ?",
        )
        .bind(next.as_str())
        .bind(started)
        .bind(event == RunEvent::Retry)
        .bind(completed)
        .bind(run_id)
        .execute(&mut *transaction)
        .await?;
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
        let row = sqlx::query(
            "SELECT status FROM block_runs WHERE pipeline_run_id = ? AND block_uuid = ?",
        )
        .bind(run_id)
        .bind(block_uuid)
        .fetch_optional(&mut *transaction)
        .await?
        .ok_or_else(|| StorageError::BlockRunNotFound {
            run_id,
            block_uuid: block_uuid.to_owned(),
        })?;
        let next = parse_block_status(row.get(0))?.apply(change.event)?;
        let now = stamp(Utc::now());
        let starting = change.event == BlockRunEvent::Start;
        let finished = next.is_finished();
        let retrying = change.event == BlockRunEvent::Retry;
        let waiting = change.event == BlockRunEvent::Wait;
        let leaving_running = next != BlockRunStatus::Running;
        // A claim counts an attempt; a sensor's check that did not hold gives it back.
        let attempts = i64::from(starting) - i64::from(waiting);
        sqlx::query(
            "UPDATE block_runs SET status = ?,
                attempt = attempt + ?,
                waiting_since = CASE WHEN ? THEN COALESCE(waiting_since, started_at)
                                     WHEN ? THEN waiting_since ELSE NULL END,
                started_at = CASE WHEN ? THEN ? WHEN ? THEN NULL ELSE started_at END,
                completed_at = CASE WHEN ? THEN ? ELSE NULL END,
                error = CASE WHEN ? THEN NULL ELSE COALESCE(?, error) END,
                outputs = CASE WHEN ? THEN NULL ELSE COALESCE(?, outputs) END,
                log_path = COALESCE(?, log_path),
                ready_at = ?,
                claimed_by = CASE WHEN ? THEN NULL ELSE claimed_by END,
                lease_until = CASE WHEN ? THEN NULL ELSE lease_until END
             WHERE pipeline_run_id = ? AND block_uuid = ?",
        )
        .bind(next.as_str())
        .bind(attempts)
        .bind(waiting)
        .bind(starting)
        .bind(starting)
        .bind(&now)
        .bind(retrying)
        .bind(finished)
        .bind(&now)
        .bind(starting || retrying)
        .bind(change.error)
        .bind(starting || retrying)
        .bind(change.outputs.map(|outputs| outputs.to_string()))
        .bind(change.log_path)
        .bind(change.ready_at.map(stamp))
        .bind(leaving_running)
        .bind(leaving_running)
        .bind(run_id)
        .bind(block_uuid)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(next)
    }

    async fn run(&self, run_id: i64) -> Result<Option<PipelineRun>, StorageError> {
        let row = sqlx::query("SELECT * FROM pipeline_runs WHERE id = ?")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| pipeline_run(&row)).transpose()
    }

    async fn block_runs(&self, run_id: i64) -> Result<Vec<BlockRun>, StorageError> {
        let rows = sqlx::query("SELECT * FROM block_runs WHERE pipeline_run_id = ? ORDER BY id")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(block_run).collect()
    }

    async fn runs(&self, filter: RunFilter) -> Result<Vec<PipelineRun>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM pipeline_runs
             WHERE (? IS NULL OR pipeline_uuid = ?) AND (? IS NULL OR status = ?) AND (? IS NULL OR trigger_id = ?)
                AND (? IS NULL OR id < ?)
                AND (? IS NULL OR execution_date >= ?) AND (? IS NULL OR execution_date < ?)
             ORDER BY id DESC LIMIT ?",
        )
        .bind(filter.pipeline_uuid.as_deref())
        .bind(filter.pipeline_uuid.as_deref())
        .bind(filter.status.map(RunStatus::as_str))
        .bind(filter.status.map(RunStatus::as_str))
        .bind(filter.trigger_id)
        .bind(filter.trigger_id)
        .bind(filter.before_id)
        .bind(filter.before_id)
        .bind(filter.since.map(stamp))
        .bind(filter.since.map(stamp))
        .bind(filter.until.map(stamp))
        .bind(filter.until.map(stamp))
        .bind(filter.limit.unwrap_or(100))
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
            "SELECT * FROM pipeline_runs WHERE pipeline_uuid = ? AND execution_date >= ? AND execution_date <= ?
             ORDER BY execution_date DESC, id DESC LIMIT 1",
        )
        .bind(pipeline_uuid)
        .bind(stamp(since))
        .bind(stamp(until))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| pipeline_run(&row)).transpose()
    }

    async fn latest_outputs(
        &self,
        pipeline_uuid: &str,
        block_uuid: &str,
    ) -> Result<Option<Value>, StorageError> {
        let row = sqlx::query(
            "SELECT b.outputs FROM block_runs b JOIN pipeline_runs r ON r.id = b.pipeline_run_id
             WHERE r.pipeline_uuid = ? AND b.block_uuid = ? AND b.status = 'completed' AND b.outputs IS NOT NULL
             ORDER BY r.id DESC LIMIT 1",
        )
        .bind(pipeline_uuid)
        .bind(block_uuid)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| parse_json(row.get(0))).transpose()
    }

    async fn save_code(&self, hash: &str, archive: &[u8]) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO code_versions (hash, archive) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash)
        .bind(archive)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn has_code(&self, hash: &str) -> Result<bool, StorageError> {
        let row = sqlx::query("SELECT 1 FROM code_versions WHERE hash = ?")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn code(&self, hash: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let row = sqlx::query("SELECT archive FROM code_versions WHERE hash = ?")
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
        // The state machine's `queued --start--> running`, done in one statement so no two workers get the same row.
        debug_assert_eq!(
            BlockRunStatus::Queued.apply(BlockRunEvent::Start),
            Ok(BlockRunStatus::Running)
        );
        let now = stamp(now);
        let (untagged, named) = crate::claimable(tags);
        let row = sqlx::query(
            "UPDATE block_runs SET status = 'running', attempt = attempt + 1, started_at = ?, completed_at = NULL,
                error = NULL, outputs = NULL, claimed_by = ?, lease_until = ?, ready_at = NULL, cancel_requested = 0
             WHERE id = (SELECT id FROM block_runs WHERE status = 'queued' AND (ready_at IS NULL OR ready_at <= ?)
                           AND ((worker_tag IS NULL AND ?) OR worker_tag IN (SELECT value FROM json_each(?)))
                         ORDER BY id LIMIT 1)
             RETURNING *",
        )
        .bind(&now)
        .bind(worker)
        .bind(stamp(lease_until))
        .bind(&now)
        .bind(untagged)
        .bind(serde_json::to_string(&named).unwrap_or_else(|_| "[]".to_owned()))
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
            "UPDATE block_runs SET lease_until = ? WHERE id = ? AND claimed_by = ? AND status = 'running'
             RETURNING cancel_requested",
        )
        .bind(stamp(lease_until))
        .bind(block_run_id)
        .bind(worker)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Lease::Lost,
            Some(row) if row.get::<i64, _>(0) != 0 => Lease::CancelRequested,
            Some(_) => Lease::Held,
        })
    }

    async fn request_cancel(&self, run_id: i64, block_uuid: &str) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE block_runs SET cancel_requested = 1 WHERE pipeline_run_id = ? AND block_uuid = ? AND status = 'running'",
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
        Ok(None)
    }

    async fn try_lead(&self) -> Result<bool, StorageError> {
        // A SQLite file belongs to the processes of one machine; the one server there leads.
        Ok(true)
    }

    /// SQLite restarts only with the process that embeds it, which then recovers everything: no grace applies.
    async fn expired_leases(
        &self,
        now: DateTime<Utc>,
        _restart_grace: std::time::Duration,
    ) -> Result<Vec<BlockRun>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM block_runs WHERE status = 'running' AND lease_until IS NOT NULL AND lease_until < ? ORDER BY id",
        )
        .bind(stamp(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(block_run).collect()
    }
}

/// Times are stored as fixed-width RFC 3339 text in UTC, so that text order is time order.
pub(crate) fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn pipeline_run(row: &SqliteRow) -> Result<PipelineRun, StorageError> {
    let variables: Map<String, Value> = parse_json::<Value>(row.get("variables"))?
        .as_object()
        .cloned()
        .unwrap_or_default();
    Ok(PipelineRun {
        id: row.get("id"),
        pipeline_uuid: row.get("pipeline_uuid"),
        trigger_id: row.get("trigger_id"),
        status: parse_run_status(row.get("status"))?,
        variables,
        definition: parse_json(row.get("definition"))?,
        execution_date: parse_time(row.get("execution_date"))?,
        created_at: parse_time(row.get("created_at"))?,
        started_at: optional_time(row, "started_at")?,
        completed_at: optional_time(row, "completed_at")?,
        code_hash: row.get("code_hash"),
    })
}

fn block_run(row: &SqliteRow) -> Result<BlockRun, StorageError> {
    Ok(BlockRun {
        id: row.get("id"),
        pipeline_run_id: row.get("pipeline_run_id"),
        block_uuid: row.get("block_uuid"),
        status: parse_block_status(row.get("status"))?,
        attempt: row.get("attempt"),
        started_at: optional_time(row, "started_at")?,
        completed_at: optional_time(row, "completed_at")?,
        error: row.get("error"),
        log_path: row.get("log_path"),
        claimed_by: row.get("claimed_by"),
        lease_until: optional_time(row, "lease_until")?,
        ready_at: optional_time(row, "ready_at")?,
        waiting_since: optional_time(row, "waiting_since")?,
        outputs: row
            .get::<Option<&str>, _>("outputs")
            .map(parse_json)
            .transpose()?,
    })
}

pub(crate) fn optional_time(
    row: &SqliteRow,
    column: &str,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    row.get::<Option<&str>, _>(column)
        .map(parse_time)
        .transpose()
}

pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, StorageError> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|error| StorageError::Corrupt(format!("bad time `{text}`: {error}")))
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StorageError> {
    serde_json::from_str(text).map_err(|error| StorageError::Corrupt(format!("bad JSON: {error}")))
}
