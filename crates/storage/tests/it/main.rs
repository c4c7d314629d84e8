//! Storage tests: every body runs against each backend through `store_test!`: SQLite in memory, and PostgreSQL in a
//! fresh database of the server named by `WAND_TEST_DATABASE_URL` (scripts/test starts one).

mod queue;
mod runs;
mod schema;
mod triggers;

use std::sync::Arc;

use storage::{PgStore, SqliteStore, Store};

/// A pinned definition of `blocks` (transformers, no edges), as runs store it.
pub(crate) fn definition(uuid: &str, blocks: &[&str]) -> model::PipelineDefinition {
    model::PipelineDefinition {
        uuid: uuid.to_owned(),
        name: uuid.to_owned(),
        variables: serde_json::Map::new(),
        blocks: blocks
            .iter()
            .map(|block| model::Block::new(block, model::BlockType::Transformer, Vec::new()))
            .collect(),
        settings: Default::default(),
        trigger_name: None,
    }
}

/// Stored outputs: one JSON value at `path`.
pub(crate) fn json_output(path: &str) -> model::BlockOutputs {
    serde_json::from_value(serde_json::json!({"container": "single", "outputs": [
        {"name": "output_0", "kind": "json", "path": path, "type": "int"}]}))
    .expect("the runtime's shape")
}

pub(crate) async fn sqlite() -> Arc<dyn Store> {
    Arc::new(SqliteStore::in_memory().await.expect("in-memory SQLite"))
}

/// A store on a new, empty database of the test PostgreSQL server.
pub(crate) async fn postgres() -> Arc<dyn Store> {
    Arc::new(postgres_store_named().await.0)
}

/// The test PostgreSQL server's URL, from `WAND_TEST_DATABASE_URL`. Without it the test process ends at once with
/// one line naming the variable and what to set it to, rather than every test that needs it panicking.
pub(crate) fn test_database_url() -> String {
    use std::io::Write;
    static ENDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match std::env::var("WAND_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            // Tests run in parallel: the first one to get here speaks for all, the others wait for the exit.
            let _only_one = ENDING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Straight to the process's stderr: the test harness captures `eprintln!` and would never show it.
            let _ = writeln!(
                std::io::stderr().lock(),
                "\nerror: WAND_TEST_DATABASE_URL is not set. The storage tests run on PostgreSQL too: run \
                 `scripts/test` (it starts a temporary server), or set WAND_TEST_DATABASE_URL to a server where the \
                 tests may create databases, e.g. postgres://postgres@127.0.0.1:5432/postgres"
            );
            std::process::exit(2);
        }
    }
}

/// A PostgreSQL store on a new database, and that database's URL.
pub(crate) async fn postgres_store_named() -> (PgStore, String) {
    let url = test_database_url();
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
