//! Reading a run's state on SQLite in a temp dir, as the scheduler does after every block run's end: a 100-block
//! run half done, and a 1,000-block one. Run with `cargo bench -p storage --bench run_state`.

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use model::BlockRunEvent;
use storage::{BlockRunChange, RunStore, SqliteStore};

/// A run of `blocks` block runs, the first half completed; its id.
async fn half_done_run(store: &SqliteStore, blocks: usize) -> i64 {
    let run = store
        .create_run(support::bench_run(blocks))
        .await
        .expect("run");
    for i in 0..blocks / 2 {
        for event in [
            BlockRunEvent::Enqueue,
            BlockRunEvent::Start,
            BlockRunEvent::Complete,
        ] {
            store
                .change_block_run(run.id, &format!("block_{i}"), BlockRunChange::event(event))
                .await
                .expect("change");
        }
    }
    run.id
}

fn run_state(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = runtime
        .block_on(SqliteStore::open(&dir.path().join("wand.db")))
        .expect("store");
    for blocks in [100, 1000] {
        let run_id = runtime.block_on(half_done_run(&store, blocks));
        c.bench_function(&format!("sqlite_run_state_{blocks}_blocks"), |b| {
            b.iter(|| {
                let state = runtime.block_on(store.run_state(run_id)).expect("read");
                assert_eq!(state.expect("the run").block_runs.len(), blocks);
            })
        });
    }
}

criterion_group!(benches, run_state);
criterion_main!(benches);
