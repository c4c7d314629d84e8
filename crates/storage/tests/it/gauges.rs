//! The gauges of `/metrics`: unfinished runs per pipeline and status, and the block runs in the queue.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::{BlockRunEvent, RunEvent, RunStatus};
use storage::{BlockRunChange, Gauges, Store};

use crate::store_test;

async fn new_run(store: &Arc<dyn Store>, pipeline: &str, blocks: &[&str]) -> i64 {
    store
        .create_run(crate::new_run(pipeline, blocks))
        .await
        .unwrap()
        .id
}

store_test!(
    gauges_count_unfinished_runs_and_queued_block_runs,
    |store: Arc<dyn Store>| async move {
        assert_eq!(store.gauges().await.unwrap(), Gauges::default());
        let _waiting = new_run(&store, "a", &["x"]).await;
        let going = new_run(&store, "a", &["x", "y", "z"]).await;
        let done = new_run(&store, "b", &["x"]).await;
        store.change_run(going, RunEvent::Start).await.unwrap();
        for block in ["x", "y"] {
            store
                .change_block_run(going, block, BlockRunChange::event(BlockRunEvent::Enqueue))
                .await
                .unwrap();
        }
        // A claimed block run has left the queue.
        let now = Utc::now();
        store
            .claim_block_run("w", &[], now, now + Duration::seconds(30))
            .await
            .unwrap()
            .expect("a queued block run");
        store.change_run(done, RunEvent::Start).await.unwrap();
        store.change_run(done, RunEvent::Cancel).await.unwrap();
        assert_eq!(
            store.gauges().await.unwrap(),
            Gauges {
                unfinished_runs: vec![
                    ("a".to_owned(), RunStatus::Initial, 1),
                    ("a".to_owned(), RunStatus::Running, 1),
                ],
                queued_block_runs: 1,
            }
        );
    }
);
