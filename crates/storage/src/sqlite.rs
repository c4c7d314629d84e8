//! The embedded SQLite backend (WAL mode), the default for one machine. One connection writes at a time, so rows need
//! no locks; nothing else shares the file, so there are no changes to announce and this process always leads.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::StorageError;
use crate::audit::audit_queries;
use crate::backfills::backfill_queries;
use crate::gauges::gauge_queries;
use crate::notifications::notification_queries;
use crate::queries::{Backend, shared_queries};
use crate::retention::retention_queries;
use crate::secrets::secret_queries;
use crate::stats::stats_queries;
use crate::users::user_queries;

/// Run history in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

/// Rows the connection's thread may read ahead of the task that asked for them. sqlx's 50 made a read of a 100-block
/// run's state stop halfway for the task to catch up (two more hand-overs between threads).
const ROW_BUFFER: usize = 1024;

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteStore, StorageError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        Self::connect(options).await
    }

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<SqliteStore, StorageError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
        Self::connect(options).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<SqliteStore, StorageError> {
        let options = options.row_buffer_size(ROW_BUFFER);
        let pool = SqlitePoolOptions::new()
            // One writer at a time is SQLite's rule anyway; one connection keeps `:memory:` a single database.
            .max_connections(1)
            // An embedded database's connection cannot drop: checking it before each use (a ping, one more
            // round trip to the connection's thread per statement) buys nothing.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

/// The defaults of one process's own database.
impl Backend for SqliteStore {
    type Db = sqlx::Sqlite;
}

/// Times are stored as fixed-width RFC 3339 text in UTC, so that text order is time order (the queue compares
/// `ready_at` and `lease_until` as text).
fn stamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

shared_queries!(SqliteStore, stamp: stamp, lock_row: "", skip_locked: "",
    tag_list: "(SELECT value FROM json_each($5))",
    uuid_list: "(SELECT value FROM json_each($2))", origin_list: "(SELECT value FROM json_each($3))",
    block_run_heads: "SELECT json_group_array(json_array(b.block_uuid, b.status, b.origin) ORDER BY b.id)");
user_queries!(SqliteStore, stamp: stamp);
secret_queries!(SqliteStore, stamp: stamp);
audit_queries!(SqliteStore, stamp: stamp);
stats_queries!(SqliteStore, stamp: stamp, day: "substr(created_at, 1, 10)",
    seconds: "((julianday(completed_at) - julianday(started_at)) * 86400.0)");
backfill_queries!(SqliteStore, stamp: stamp, lock_row: "");
retention_queries!(SqliteStore, stamp: stamp, lock_row: "", id_list: "(SELECT value FROM json_each($1))");
notification_queries!(SqliteStore, stamp: stamp, skip_locked: "");
gauge_queries!(SqliteStore);
