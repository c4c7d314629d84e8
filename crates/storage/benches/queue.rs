//! The work queue on SQLite in a temp dir: a worker claims the oldest queued block run (under a lease) and
//! records it completed, as `wand start`'s workers do for every block. Run with `cargo bench -p storage`.

mod support;

use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use model::BlockRunEvent;
use serde_json::json;
use storage::{BlockRunChange, RunStore, SqliteStore};

/// Block runs per pipeline run in the queue.
const BLOCKS: usize = 20;

/// Creates runs of `BLOCKS` block runs until `count` block runs are queued.
async fn fill(store: &SqliteStore, count: u64) {
    let mut queued = 0;
    while queued < count {
        let run = store
            .create_run(support::bench_run(BLOCKS))
            .await
            .expect("run");
        for i in 0..BLOCKS {
            store
                .change_block_run(
                    run.id,
                    &format!("block_{i}"),
                    BlockRunChange::event(BlockRunEvent::Enqueue),
                )
                .await
                .expect("enqueue");
            queued += 1;
        }
    }
}

/// Claims and completes `count` block runs; the time this takes.
async fn claim_and_complete(store: &SqliteStore, count: u64) -> Duration {
    let started = Instant::now();
    for _ in 0..count {
        let now = Utc::now();
        let claimed = store
            .claim_block_run(
                "bench-worker",
                &[],
                now,
                now + chrono::Duration::seconds(30),
            )
            .await
            .expect("claim")
            .expect("a queued block run");
        let outputs = serde_json::from_value(
            json!({"container": "single", "outputs": [{"name": "output_0",
            "kind": "json", "path": "/data/runs/bench/1/block/output_0.json", "type": "int"}]}),
        )
        .expect("stored outputs");
        store
            .change_block_run(
                claimed.pipeline_run_id,
                &claimed.block_uuid,
                BlockRunChange {
                    outputs: Some(outputs),
                    log_path: Some("/data/runs/bench/1/logs/block.log".to_owned()),
                    ..BlockRunChange::event(BlockRunEvent::Complete)
                },
            )
            .await
            .expect("complete");
    }
    started.elapsed()
}

fn queue(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = runtime
        .block_on(SqliteStore::open(&dir.path().join("wand.db")))
        .expect("store");
    c.bench_function("sqlite_claim_and_complete", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                fill(&store, iterations).await;
                claim_and_complete(&store, iterations).await
            })
        })
    });
}

criterion_group!(benches, queue);
criterion_main!(benches);
