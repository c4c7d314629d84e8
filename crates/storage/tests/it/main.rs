//! Storage tests: every body runs against each backend through `store_test!`: SQLite in memory, and PostgreSQL in a
//! fresh database of the server named by `WAND_TEST_DATABASE_URL` (scripts/test starts one).

mod queue;
mod runs;
mod triggers;

use std::sync::Arc;

use storage::{PgStore, SqliteStore, Store};

pub(crate) async fn sqlite() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().await.expect("in-memory SQLite"))
}

/// A store on a new, empty database of the test PostgreSQL server.
pub(crate) async fn postgres() -> Arc<dyn Store> {
    Arc::new(postgres_store_named().await.0)
}

/// A PostgreSQL store on a new database, and that database's URL.
pub(crate) async fn postgres_store_named() -> (PgStore, String) {
    let url = std::env::var("WAND_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "WAND_TEST_DATABASE_URL is not set. The storage tests run on PostgreSQL too: run scripts/test (it starts a \
             temporary server), or point WAND_TEST_DATABASE_URL at a server where the user may create databases, \
             e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    });
    let name = format!("wand_test_{}", uuid::Uuid::new_v4().simple());
    let admin = PgStore::connect_admin(&url)
        .await
        .expect("the test PostgreSQL server answers");
    admin.create_database(&name).await.expect("a test database");
    let (base, _) = url
        .rsplit_once('/')
        .expect("a database URL ends with /<database>");
    let url = format!("{base}/{name}");
    (
        PgStore::connect(&url).await.expect("the test database"),
        url,
    )
}

/// Defines a test module `$name` that runs `$body` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! store_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports, reason = "the body names these types")]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                ($body)($crate::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                ($body)($crate::postgres().await).await;
            }
        }
    };
}
