//! Storage tests: every body runs against each backend through `store_test!`: SQLite in memory, and PostgreSQL in a
//! fresh database of the server named by `WAND_TEST_DATABASE_URL` (scripts/test starts one).

mod audit;
mod backfills;
mod cancelled_callbacks;
mod gauges;
mod notifications;
mod queue;
#[path = "../../../../tests/required_env.rs"]
mod required_env;
mod retention;
mod runs;
mod schema;
mod secrets;
mod stats;
mod triggers;
mod users;

use std::sync::Arc;

use required_env::test_database_url;
use storage::{PgStore, SqliteStore, Store};

/// A pinned definition of `blocks` (transformers, no edges), as runs store it.
/// A run of `pipeline` with `blocks` (transformers in a row), no trigger, no variables, created now.
pub(crate) fn new_run(pipeline: &str, blocks: &[&str]) -> storage::NewRun {
    storage::NewRun {
        pipeline_uuid: pipeline.to_owned(),
        trigger_id: None,
        variables: serde_json::Map::new(),
        definition: definition(pipeline, blocks),
        execution_date: chrono::Utc::now(),
        block_uuids: blocks.iter().map(|b| (*b).to_owned()).collect(),
        code_hash: None,
        worker_tags: Default::default(),
        backfill: None,
    }
}

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
        interval: None,
        global_data_product: None,
        streaming: false,
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
