//! Retention: which runs a cleanup may prune (finished, old enough, not yet pruned; never a run still going, nor
//! the outputs of a pipeline's newest completed run), marking them pruned once, and deleting runs (refused while
//! one is still going).

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::{RunEvent, RunStatus};
use storage::{Prunable, PruneQuery, StorageError, Store};

use crate::store_test;

/// A run of pipeline `pipeline` taken through `events`.
async fn run(store: &Arc<dyn Store>, pipeline: &str, events: &[RunEvent]) -> i64 {
    let run = store
        .create_run(crate::new_run(pipeline, &["a", "b"]))
        .await
        .unwrap();
    for event in events {
        store.change_run(run.id, *event).await.unwrap();
    }
    run.id
}

async fn prunable(
    store: &Arc<dyn Store>,
    what: Prunable,
    pipeline: Option<&str>,
    age: Duration,
) -> Vec<i64> {
    store
        .prunable_runs(PruneQuery {
            what,
            pipeline_uuid: pipeline.map(str::to_owned),
            ended_before: Utc::now() - age,
            limit: 100,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|run| run.id)
        .collect()
}

use RunEvent::{Cancel, Complete, Fail, Start};

store_test!(finished_runs_past_the_period_are_prunable, |store: Arc<
    dyn Store,
>| async move {
    let old_failed = run(&store, "p", &[Start, Fail]).await;
    let old_completed = run(&store, "p", &[Start, Complete]).await;
    let cancelled = run(&store, "p", &[Cancel]).await;
    let newest_completed = run(&store, "p", &[Start, Complete]).await;
    let running = run(&store, "p", &[Start]).await;
    let other = run(&store, "q", &[Start, Complete]).await;
    let other_failed = run(&store, "q", &[Start, Fail]).await;
    let _ = running;

    // Everything ended before now + 1 minute: all finished runs are old enough, the newest completed run of
    // each pipeline keeps its outputs, and a running run is never pruned.
    let future = Duration::minutes(-1);
    assert_eq!(
        prunable(&store, Prunable::Outputs, None, future).await,
        vec![old_failed, old_completed, cancelled, other_failed]
    );
    assert_eq!(
        prunable(&store, Prunable::Logs, None, future).await,
        vec![
            old_failed,
            old_completed,
            cancelled,
            newest_completed,
            other,
            other_failed
        ]
    );
    assert_eq!(
        prunable(&store, Prunable::Logs, Some("q"), future).await,
        vec![other, other_failed]
    );
    // Nothing ended an hour ago.
    assert!(
        prunable(&store, Prunable::Logs, None, Duration::hours(1))
            .await
            .is_empty()
    );

    // Marked once: a second mark changes nothing, and the run is prunable no more.
    let at = Utc::now();
    let marked = store
        .mark_pruned(Prunable::Outputs, &[old_failed, old_completed], at, "90d")
        .await
        .unwrap();
    assert_eq!(marked, 2);
    let again = store
        .mark_pruned(
            Prunable::Outputs,
            &[old_failed],
            at + Duration::hours(1),
            "1d",
        )
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(
        prunable(&store, Prunable::Outputs, None, future).await,
        vec![cancelled, other_failed]
    );
    let pruned = store.run(old_failed).await.unwrap().unwrap().pruned;
    assert_eq!(pruned.outputs_pruned_by.as_deref(), Some("90d"));
    assert_eq!(
        pruned.outputs_pruned_at.map(|t| t.timestamp_micros()),
        Some(at.timestamp_micros())
    );
    assert_eq!(pruned.logs_pruned_at, None);
    // The run is still listed, with its block runs.
    assert_eq!(store.block_runs(old_failed).await.unwrap().len(), 2);
});

store_test!(
    deleting_runs_takes_their_block_runs_and_refuses_a_running_one,
    |store: Arc<dyn Store>| async move {
        let done = run(&store, "p", &[Start, Complete]).await;
        let failed = run(&store, "p", &[Start, Fail]).await;
        let running = run(&store, "p", &[Start]).await;

        let error = store.delete_runs(&[done, running]).await.unwrap_err();
        assert!(
            matches!(&error, StorageError::Conflict(message) if message == &format!("run {running} of `p` is still going (running): cancel it first, then delete it")),
            "{error}"
        );
        // Nothing was deleted.
        assert!(store.run(done).await.unwrap().is_some());

        let deleted = store.delete_runs(&[done, failed, 999_999]).await.unwrap();
        assert_eq!(
            deleted
                .iter()
                .map(|run| (run.id, run.status))
                .collect::<Vec<_>>(),
            vec![(done, RunStatus::Completed), (failed, RunStatus::Failed)]
        );
        assert!(store.run(done).await.unwrap().is_none());
        assert!(store.block_runs(done).await.unwrap().is_empty());
        assert!(store.run(running).await.unwrap().is_some());
        assert!(store.delete_runs(&[]).await.unwrap().is_empty());
    }
);

store_test!(
    pruning_outputs_drops_the_values_kept_in_block_runs_records,
    |store: Arc<dyn Store>| async move {
        use model::BlockRunEvent;
        use storage::BlockRunChange;
        let kept: model::BlockOutputs = serde_json::from_value(serde_json::json!({
            "container": "tuple", "outputs": [
                {"name": "output_0", "kind": "json", "text": "{\"secret\": \"s3\"}", "type": "dict"},
                {"name": "output_1", "kind": "json", "path": "/d/output_1.json", "type": "list"}]}))
        .unwrap();
        let mut runs = Vec::new();
        for _ in 0..2 {
            let run = store.create_run(crate::new_run("p", &["a"])).await.unwrap();
            store.change_run(run.id, Start).await.unwrap();
            for event in [BlockRunEvent::Enqueue, BlockRunEvent::Start] {
                store
                    .change_block_run(run.id, "a", BlockRunChange::event(event))
                    .await
                    .unwrap();
            }
            let complete = BlockRunChange {
                outputs: Some(kept.clone()),
                ..BlockRunChange::event(BlockRunEvent::Complete)
            };
            store.change_block_run(run.id, "a", complete).await.unwrap();
            store.change_run(run.id, Complete).await.unwrap();
            runs.push(run.id);
        }
        let outputs = |run_id| {
            let store = store.clone();
            async move { store.block_runs(run_id).await.unwrap()[0].outputs.clone() }
        };
        let marked = store
            .mark_pruned(Prunable::Outputs, &[runs[0]], Utc::now(), "1d")
            .await
            .unwrap();
        assert_eq!(marked, 1);
        let mut pruned = kept.clone();
        pruned.outputs[0].text = None;
        assert_eq!(
            outputs(runs[0]).await,
            Some(pruned),
            "the value is gone, the file's description stays"
        );
        assert_eq!(
            outputs(runs[1]).await,
            Some(kept),
            "another run keeps its values"
        );
        // Logs are not outputs.
        store
            .mark_pruned(Prunable::Logs, &[runs[1]], Utc::now(), "1d")
            .await
            .unwrap();
        assert_eq!(
            outputs(runs[1]).await.unwrap().outputs[0].text.as_deref(),
            Some("{\"secret\": \"s3\"}")
        );
    }
);
