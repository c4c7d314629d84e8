//! The PostgreSQL backend, for several machines: the same run history and queue as SQLite, with rows locked while
//! they change, block runs claimed by `FOR UPDATE SKIP LOCKED` so any number of workers share one queue, changes
//! announced with `NOTIFY`, and leadership held as an advisory lock. No transaction stays open while a block runs.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::audit::audit_queries;
use crate::backfills::backfill_queries;
use crate::gauges::gauge_queries;
use crate::notifications::notification_queries;
use crate::queries::{Backend, shared_queries};
use crate::retention::retention_queries;
use crate::secrets::secret_queries;
use crate::stats::stats_queries;
use crate::users::user_queries;
use crate::{Change, StorageError};

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

/// How `change` travels on the `CHANGES` channel.
fn payload(change: Change) -> String {
    match change {
        Change::Run(id) => format!("run:{id}"),
        Change::Queue => "queue".to_owned(),
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<PgStore, StorageError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
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
impl Backend for PgStore {
    type Db = sqlx::Postgres;

    const ANNOUNCES: bool = true;

    async fn announce(
        transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        change: Change,
    ) -> Result<(), StorageError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES)
            .bind(payload(change))
            .execute(&mut **transaction)
            .await?;
        Ok(())
    }

    async fn announce_all(
        transaction: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        changes: Vec<Change>,
    ) -> Result<(), StorageError> {
        if changes.is_empty() {
            return Ok(());
        }
        let payloads: Vec<String> = changes.into_iter().map(payload).collect();
        sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload")
            .bind(CHANGES)
            .bind(payloads)
            .execute(&mut **transaction)
            .await?;
        Ok(())
    }

    async fn restarted_within(&self, grace: Duration) -> Result<bool, StorageError> {
        let (recent,): (bool,) =
            sqlx::query_as("SELECT now() - pg_postmaster_start_time() < make_interval(secs => $1)")
                .bind(grace.as_secs_f64())
                .fetch_one(&self.pool)
                .await?;
        Ok(recent)
    }

    async fn watch(&self) -> Result<Option<tokio::sync::mpsc::Receiver<Change>>, StorageError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANGES).await?;
        let (sender, receiver) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        let change = match notification.payload() {
                            "queue" => Change::Queue,
                            payload => {
                                match payload.strip_prefix("run:").and_then(|id| id.parse().ok()) {
                                    Some(id) => Change::Run(id),
                                    None => continue,
                                }
                            }
                        };
                        if sender.send(change).await.is_err() {
                            return;
                        }
                    }
                    // The listener reconnects on its next call; pause so a database that is down is not hammered.
                    Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
                }
            }
        });
        Ok(Some(receiver))
    }

    async fn lead(&self) -> Result<bool, StorageError> {
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
        let (won,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
            .bind(LEADER_LOCK)
            .fetch_one(&mut *connection)
            .await?;
        if won {
            // Keep the connection out of the pool: the lock lives as long as it does.
            *leader = Some(connection);
        }
        Ok(won)
    }
}

/// Times bind as they are (`TIMESTAMPTZ`).
fn stamp(time: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    time
}

shared_queries!(PgStore, stamp: stamp, lock_row: " FOR UPDATE", skip_locked: " FOR UPDATE SKIP LOCKED",
    tag_list: "(SELECT jsonb_array_elements_text($5))",
    uuid_list: "(SELECT jsonb_array_elements_text($2))", origin_list: "(SELECT jsonb_array_elements_text($3))",
    block_run_heads: "SELECT COALESCE(json_agg(json_build_array(b.block_uuid, b.status, b.origin) ORDER BY b.id), '[]')");
user_queries!(PgStore, stamp: stamp);
secret_queries!(PgStore, stamp: stamp);
audit_queries!(PgStore, stamp: stamp);
stats_queries!(PgStore, stamp: stamp, day: "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    seconds: "(EXTRACT(EPOCH FROM (completed_at - started_at))::float8)");
backfill_queries!(PgStore, stamp: stamp, lock_row: " FOR UPDATE");
retention_queries!(PgStore, stamp: stamp, lock_row: " FOR UPDATE", id_list: "(SELECT jsonb_array_elements_text($1)::bigint)");
notification_queries!(PgStore, stamp: stamp, skip_locked: " FOR UPDATE SKIP LOCKED");
gauge_queries!(PgStore);
