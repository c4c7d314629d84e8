//! The `cancelled` callbacks of block runs: due only for block runs cancelled with the flag in a cancelled run
//! (Mage's cancellation job runs them only then), claimed once, for workers with the block's tag, and finished
//! with what failed in them while the block run stays cancelled.

use std::sync::Arc;

use model::{BlockRunEvent, BlockRunStatus, RunEvent};
use storage::{BlockRunChange, CancelledCallbacks, NewRun, Store};

use crate::store_test;

/// A started run of `blocks` (`gpu_*` ones tagged `gpu`), all `initial`.
async fn started_run(store: &Arc<dyn Store>, blocks: &[&str]) -> i64 {
    let run = store
        .create_run(NewRun {
            worker_tags: blocks
                .iter()
                .filter(|b| b.starts_with("gpu_"))
                .map(|b| ((*b).to_owned(), "gpu".to_owned()))
                .collect(),
            ..crate::new_run("p", blocks)
        })
        .await
        .unwrap();
    store.change_run(run.id, RunEvent::Start).await.unwrap();
    run.id
}

/// Cancels block run `block`, saying whether its block has callbacks.
async fn cancel(store: &Arc<dyn Store>, run_id: i64, block: &str, callbacks: bool) {
    let change = BlockRunChange {
        cancelled_callbacks: callbacks,
        ..BlockRunChange::event(BlockRunEvent::Cancel)
    };
    store.change_block_run(run_id, block, change).await.unwrap();
}

async fn states(store: &Arc<dyn Store>, run_id: i64) -> Vec<(String, CancelledCallbacks)> {
    store
        .block_runs(run_id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.block_uuid, b.cancelled_callbacks))
        .collect()
}

async fn claim(store: &Arc<dyn Store>, tags: &[&str]) -> Option<String> {
    let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
    store
        .claim_cancelled_callbacks(&tags)
        .await
        .unwrap()
        .map(|b| b.block_uuid)
}

store_test!(
    cancelled_callbacks_are_claimed_once_and_finished_with_their_error,
    |store: Arc<dyn Store>| async move {
        let run = started_run(&store, &["loader", "plain", "child"]).await;
        store.change_run(run, RunEvent::Cancel).await.unwrap();
        cancel(&store, run, "loader", true).await;
        cancel(&store, run, "plain", false).await;
        cancel(&store, run, "child", true).await;
        use CancelledCallbacks::{Done, None, Pending, Running};
        assert_eq!(
            states(&store, run).await,
            [
                ("loader".to_owned(), Pending),
                ("plain".to_owned(), None),
                ("child".to_owned(), Pending)
            ]
        );
        assert_eq!(claim(&store, &[]).await.as_deref(), Some("loader"));
        assert_eq!(claim(&store, &[]).await.as_deref(), Some("child"));
        assert_eq!(claim(&store, &[]).await, Option::None, "each runs once");
        assert_eq!(states(&store, run).await[0].1, Running);

        let loader = store.block_runs(run).await.unwrap()[0].id;
        store
            .finish_cancelled_callbacks(
                loader,
                Some("cancelled callback `cb` failed: boom".to_owned()),
                Some("logs/loader.log".to_owned()),
            )
            .await
            .unwrap();
        let loader = &store.block_runs(run).await.unwrap()[0];
        assert_eq!(
            (
                loader.status,
                loader.cancelled_callbacks,
                loader.error.as_deref(),
                loader.log_path.as_deref()
            ),
            (
                BlockRunStatus::Cancelled,
                Done,
                Some("cancelled callback `cb` failed: boom"),
                Some("logs/loader.log")
            )
        );
    }
);

store_test!(a_failed_run_has_no_cancelled_callbacks_due, |store: Arc<
    dyn Store,
>| async move {
    // A run stopped by its timeout as `failed`: its block runs are cancelled, but Mage's cancellation job runs
    // no callback for a run that is not `cancelled`.
    let run = started_run(&store, &["loader"]).await;
    store.change_run(run, RunEvent::Fail).await.unwrap();
    cancel(&store, run, "loader", true).await;
    assert_eq!(
        states(&store, run).await,
        [("loader".to_owned(), CancelledCallbacks::None)]
    );
    assert_eq!(claim(&store, &[]).await, None);
});

store_test!(
    cancelled_callbacks_go_to_workers_with_the_blocks_tag,
    |store: Arc<dyn Store>| async move {
        let run = started_run(&store, &["gpu_train", "plain"]).await;
        store.change_run(run, RunEvent::Cancel).await.unwrap();
        cancel(&store, run, "gpu_train", true).await;
        cancel(&store, run, "plain", true).await;
        assert_eq!(claim(&store, &["gpu"]).await.as_deref(), Some("gpu_train"));
        assert_eq!(claim(&store, &["gpu"]).await, None);
        assert_eq!(claim(&store, &[]).await.as_deref(), Some("plain"));
    }
);

store_test!(
    retrying_a_cancelled_block_run_drops_its_due_callbacks,
    |store: Arc<dyn Store>| async move {
        let run = started_run(&store, &["loader"]).await;
        store.change_run(run, RunEvent::Cancel).await.unwrap();
        cancel(&store, run, "loader", true).await;
        store.change_run(run, RunEvent::Retry).await.unwrap();
        store
            .change_block_run(run, "loader", BlockRunChange::event(BlockRunEvent::Retry))
            .await
            .unwrap();
        assert_eq!(
            states(&store, run).await,
            [("loader".to_owned(), CancelledCallbacks::None)]
        );
        assert_eq!(claim(&store, &[]).await, None);
    }
);
