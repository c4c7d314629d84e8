//! What the storage benches share: a run to fill the tables with.

use chrono::Utc;
use serde_json::json;
use storage::NewRun;

/// A new run of pipeline `bench` with a block run for each of `blocks` (`block_0`, `block_1`, …).
pub(crate) fn bench_run(blocks: usize) -> NewRun {
    NewRun {
        pipeline_uuid: "bench".to_owned(),
        trigger_id: None,
        variables: serde_json::Map::new(),
        definition: serde_json::from_value(json!({"uuid": "bench", "name": "bench", "blocks": []}))
            .expect("a definition"),
        execution_date: Utc::now(),
        block_uuids: (0..blocks).map(|i| format!("block_{i}")).collect(),
        code_hash: None,
        worker_tags: Default::default(),
        backfill: None,
    }
}
