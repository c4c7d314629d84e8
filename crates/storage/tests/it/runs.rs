//! Pipeline runs and block runs: creation, the state machine at the storage boundary, outputs, errors, listing.

use std::sync::Arc;

use chrono::Utc;
use model::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};
use serde_json::{Map, json};
use storage::{BlockRunChange, NewRun, RunFilter, RunStore, StorageError, Store};

use crate::store_test;

fn new_run(pipeline: &str, blocks: &[&str]) -> NewRun {
    let mut variables = Map::new();
    variables.insert("answer".to_owned(), json!(42));
    NewRun {
        variables,
        ..crate::new_run(pipeline, blocks)
    }
}

store_test!(a_run_pins_a_kept_version_of_the_code, |store: Arc<
    dyn Store,
>| async move {
    assert!(!store.has_code("abc").await.unwrap());
    assert_eq!(store.code("abc").await.unwrap(), None);
    store.save_code("abc", b"archive").await.unwrap();
    store.save_code("abc", b"archive").await.unwrap();
    assert!(store.has_code("abc").await.unwrap());
    assert_eq!(
        store.code("abc").await.unwrap().as_deref(),
        Some(&b"archive"[..])
    );
    let run = store
        .create_run(NewRun {
            code_hash: Some("abc".to_owned()),
            ..new_run("p", &["a"])
        })
        .await
        .unwrap();
    assert_eq!(run.code_hash.as_deref(), Some("abc"));
    let read = store.run(run.id).await.unwrap().unwrap();
    assert_eq!(read.code_hash.as_deref(), Some("abc"));
});

async fn step(
    store: &Arc<dyn Store>,
    run: i64,
    block: &str,
    event: BlockRunEvent,
) -> BlockRunStatus {
    store
        .change_block_run(run, block, BlockRunChange::event(event))
        .await
        .expect("allowed change")
}

store_test!(
    a_new_run_has_initial_block_runs_in_pipeline_order,
    |store: Arc<dyn Store>| async move {
        let run = store
            .create_run(new_run("p", &["load", "transform", "export"]))
            .await
            .unwrap();
        assert_eq!(run.status, RunStatus::Initial);
        let stored = store.run(run.id).await.unwrap().expect("run exists");
        assert_eq!(stored.variables.get("answer"), Some(&json!(42)));
        assert_eq!(
            stored.definition,
            crate::definition("p", &["load", "transform", "export"])
        );
        let blocks = store.block_runs(run.id).await.unwrap();
        let names: Vec<_> = blocks
            .iter()
            .map(|b| (b.block_uuid.as_str(), b.status, b.attempt))
            .collect();
        assert_eq!(
            names,
            [
                ("load", BlockRunStatus::Initial, 0),
                ("transform", BlockRunStatus::Initial, 0),
                ("export", BlockRunStatus::Initial, 0)
            ]
        );
    }
);

store_test!(
    a_block_run_records_times_outputs_and_attempts,
    |store: Arc<dyn Store>| async move {
        let run = store.create_run(new_run("p", &["load"])).await.unwrap();
        step(&store, run.id, "load", BlockRunEvent::Enqueue).await;
        let status = store
            .change_block_run(
                run.id,
                "load",
                BlockRunChange {
                    log_path: Some("/logs/load.log".to_owned()),
                    ..BlockRunChange::event(BlockRunEvent::Start)
                },
            )
            .await
            .unwrap();
        assert_eq!(status, BlockRunStatus::Running);
        store
            .change_block_run(
                run.id,
                "load",
                BlockRunChange {
                    outputs: Some(crate::json_output("/data/load/output_0.json")),
                    ..BlockRunChange::event(BlockRunEvent::Complete)
                },
            )
            .await
            .unwrap();
        let block = store.block_runs(run.id).await.unwrap().remove(0);
        assert_eq!(block.status, BlockRunStatus::Completed);
        assert_eq!(block.attempt, 1);
        assert_eq!(block.log_path.as_deref(), Some("/logs/load.log"));
        assert_eq!(
            block.outputs,
            Some(crate::json_output("/data/load/output_0.json"))
        );
        assert!(block.duration().expect("finished") >= chrono::Duration::zero());
    }
);

store_test!(
    a_retried_block_counts_attempts_and_forgets_the_old_error,
    |store: Arc<dyn Store>| async move {
        let run = store.create_run(new_run("p", &["flaky"])).await.unwrap();
        step(&store, run.id, "flaky", BlockRunEvent::Enqueue).await;
        step(&store, run.id, "flaky", BlockRunEvent::Start).await;
        store
            .change_block_run(
                run.id,
                "flaky",
                BlockRunChange {
                    error: Some("ValueError: nope".to_owned()),
                    ..BlockRunChange::event(BlockRunEvent::Fail)
                },
            )
            .await
            .unwrap();
        let failed = store.block_runs(run.id).await.unwrap().remove(0);
        assert_eq!(failed.error.as_deref(), Some("ValueError: nope"));
        assert!(failed.completed_at.is_some());
        step(&store, run.id, "flaky", BlockRunEvent::Retry).await;
        step(&store, run.id, "flaky", BlockRunEvent::Enqueue).await;
        step(&store, run.id, "flaky", BlockRunEvent::Start).await;
        let again = store.block_runs(run.id).await.unwrap().remove(0);
        assert_eq!((again.status, again.attempt), (BlockRunStatus::Running, 2));
        assert_eq!(again.error, None);
        assert_eq!(again.completed_at, None);
    }
);

store_test!(
    invalid_changes_are_refused_and_leave_the_status_alone,
    |store: Arc<dyn Store>| async move {
        let run = store.create_run(new_run("p", &["a"])).await.unwrap();
        let refused = store
            .change_block_run(run.id, "a", BlockRunChange::event(BlockRunEvent::Complete))
            .await;
        assert!(
            matches!(refused, Err(StorageError::Transition(_))),
            "{refused:?}"
        );
        assert_eq!(
            store.block_runs(run.id).await.unwrap()[0].status,
            BlockRunStatus::Initial
        );
        let missing = store
            .change_block_run(
                run.id,
                "ghost",
                BlockRunChange::event(BlockRunEvent::Enqueue),
            )
            .await;
        assert!(
            matches!(missing, Err(StorageError::BlockRunNotFound { .. })),
            "{missing:?}"
        );
        assert!(matches!(
            store.change_run(9999, RunEvent::Start).await,
            Err(StorageError::RunNotFound(9999))
        ));
    }
);

store_test!(run_status_follows_the_state_machine, |store: Arc<
    dyn Store,
>| async move {
    let run = store.create_run(new_run("p", &["a"])).await.unwrap();
    assert_eq!(
        store.change_run(run.id, RunEvent::Start).await.unwrap(),
        RunStatus::Running
    );
    assert_eq!(
        store.change_run(run.id, RunEvent::Fail).await.unwrap(),
        RunStatus::Failed
    );
    let failed = store.run(run.id).await.unwrap().unwrap();
    assert!(failed.started_at.is_some() && failed.completed_at.is_some());
    assert_eq!(
        store.change_run(run.id, RunEvent::Retry).await.unwrap(),
        RunStatus::Running
    );
    assert_eq!(store.run(run.id).await.unwrap().unwrap().completed_at, None);
    assert!(store.change_run(run.id, RunEvent::Start).await.is_err());
});

store_test!(runs_are_listed_newest_first_with_filters, |store: Arc<
    dyn Store,
>| async move {
    let first = store.create_run(new_run("alpha", &["a"])).await.unwrap();
    let second = store.create_run(new_run("beta", &["a"])).await.unwrap();
    let third = store.create_run(new_run("alpha", &["a"])).await.unwrap();
    store.change_run(third.id, RunEvent::Start).await.unwrap();
    let ids = |runs: Vec<storage::PipelineRun>| runs.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.runs(RunFilter::default()).await.unwrap()),
        [third.id, second.id, first.id]
    );
    let alpha = RunFilter {
        pipeline_uuid: Some("alpha".to_owned()),
        ..RunFilter::default()
    };
    assert_eq!(
        ids(store.runs(alpha.clone()).await.unwrap()),
        [third.id, first.id]
    );
    let running_alpha = RunFilter {
        status: Some(RunStatus::Running),
        ..alpha
    };
    assert_eq!(ids(store.runs(running_alpha).await.unwrap()), [third.id]);
    let limited = RunFilter {
        limit: Some(1),
        ..RunFilter::default()
    };
    assert_eq!(ids(store.runs(limited).await.unwrap()), [third.id]);
});

#[tokio::test]
async fn the_sqlite_file_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wand.db");
    let id = {
        let store = storage::SqliteStore::open(&path).await.unwrap();
        store.create_run(new_run("p", &["a"])).await.unwrap().id
    };
    let store = storage::SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        store.run(id).await.unwrap().map(|r| r.pipeline_uuid),
        Some("p".to_owned())
    );
}

store_test!(runs_are_filtered_by_execution_date, |store: Arc<
    dyn Store,
>| async move {
    let at = |hour: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 5, 1, hour, 0, 0).unwrap();
    for hour in [8, 10, 12] {
        let mut run = new_run("p", &["a"]);
        run.execution_date = at(hour);
        store.create_run(run).await.unwrap();
    }
    let between = RunFilter {
        since: Some(at(9)),
        until: Some(at(12)),
        ..RunFilter::default()
    };
    let hours: Vec<String> = store
        .runs(between)
        .await
        .unwrap()
        .iter()
        .map(|r| r.execution_date.format("%H").to_string())
        .collect();
    assert_eq!(hours, ["10"]);
});

store_test!(
    the_latest_run_in_a_window_is_by_execution_date_with_both_ends_included,
    |store: Arc<dyn Store>| async move {
        let at =
            |hour: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 5, 1, hour, 0, 0).unwrap();
        let mut ids = Vec::new();
        // Created out of date order, so the newest id is not the latest execution date.
        for (pipeline, hour) in [("p", 12), ("p", 8), ("p", 10), ("other", 11), ("p", 13)] {
            let mut run = new_run(pipeline, &["a"]);
            run.execution_date = at(hour);
            ids.push(store.create_run(run).await.unwrap().id);
        }
        let latest = |since, until| {
            let store = store.clone();
            async move {
                store
                    .latest_run_between("p", at(since), at(until))
                    .await
                    .unwrap()
                    .map(|r| r.id)
            }
        };
        assert_eq!(latest(8, 12).await, Some(ids[0]), "the end is included");
        assert_eq!(
            latest(8, 11).await,
            Some(ids[2]),
            "by execution date, not id"
        );
        assert_eq!(latest(8, 9).await, Some(ids[1]), "the start is included");
        assert_eq!(latest(14, 15).await, None);
        assert_eq!(
            store
                .latest_run_between("nope", at(0), at(23))
                .await
                .unwrap(),
            None
        );
    }
);

// A dynamic child's block run is replaced by its instances in one step: 2,500 of them (several insert batches),
// each keeping its origin and inputs; `block_runs_for` reads the named rows and an origin's instances only, and
// `delete_instances` drops them for a retry. Expanding twice is refused by the state machine.
store_test!(a_dynamic_child_expands_into_its_instances, |store: Arc<
    dyn Store,
>| async move {
    let run = store
        .create_run(new_run("p", &["source", "child", "other"]))
        .await
        .unwrap();
    let instances: Vec<storage::NewInstance> = (0..2500)
        .map(|index| storage::NewInstance {
            uuid: format!("child:{index}"),
            dynamic: model::DynamicInstance {
                block: "child".to_owned(),
                index,
                sources: vec![model::Source::Item { index }],
            },
            worker_tag: None,
            status: BlockRunStatus::Initial,
        })
        .collect();
    store
        .expand_block(run.id, "child", instances.clone())
        .await
        .unwrap();
    let all = store.block_runs(run.id).await.unwrap();
    assert_eq!(all.len(), 3 + 2500);
    let child = all.iter().find(|b| b.block_uuid == "child").unwrap();
    assert_eq!(child.status, BlockRunStatus::Completed);
    let last = all.last().unwrap();
    assert_eq!(
        (last.block_uuid.as_str(), last.block(), last.status),
        ("child:2499", "child", BlockRunStatus::Initial)
    );
    assert_eq!(
        last.dynamic.as_ref().unwrap().sources,
        [model::Source::Item { index: 2499 }]
    );
    assert!(matches!(
        store.expand_block(run.id, "child", instances).await,
        Err(StorageError::Transition(_))
    ));
    store
        .change_block_run(
            run.id,
            "child:3",
            BlockRunChange::event(BlockRunEvent::Enqueue),
        )
        .await
        .unwrap();
    let state = store.run_state(run.id).await.unwrap().unwrap();
    assert_eq!(
        state.block_runs.len(),
        3 + 2499,
        "the pipeline's blocks and the instances not queued"
    );
    let counts: Vec<(String, BlockRunStatus, i64)> = store
        .instance_counts(run.id)
        .await
        .unwrap()
        .into_iter()
        .map(|counted| (counted.origin, counted.status, counted.count))
        .collect();
    assert_eq!(
        counts,
        [
            ("child".to_owned(), BlockRunStatus::Initial, 2499),
            ("child".to_owned(), BlockRunStatus::Queued, 1)
        ]
    );

    let read = store
        .block_runs_for(run.id, &["source".to_owned(), "child:7".to_owned()], &[])
        .await
        .unwrap();
    let names: Vec<&str> = read.iter().map(|b| b.block_uuid.as_str()).collect();
    assert_eq!(names, ["source", "child:7"]);
    let gathered = store
        .block_runs_for(run.id, &[], &["child".to_owned()])
        .await
        .unwrap();
    assert_eq!(gathered.len(), 2500);

    assert_eq!(
        store
            .delete_instances(run.id, &["child".to_owned()])
            .await
            .unwrap(),
        2500
    );
    assert_eq!(store.block_runs(run.id).await.unwrap().len(), 3);
});

/// `count` instances of `block`, named and indexed as Mage names a dynamic child's children (`<block>:<index>`).
fn instances(block: &str, count: usize) -> Vec<storage::NewInstance> {
    (0..count)
        .map(|index| storage::NewInstance {
            uuid: format!("{block}:{index}"),
            dynamic: model::DynamicInstance {
                block: block.to_owned(),
                index,
                sources: vec![model::Source::Item { index }],
            },
            worker_tag: None,
            status: BlockRunStatus::Initial,
        })
        .collect()
}

store_test!(
    instances_are_listed_by_page_and_counted_by_status,
    |store: Arc<dyn Store>| async move {
        use storage::{BlockRunFilter, InstanceCount};
        let run = store
            .create_run(new_run("p", &["numbers", "square", "total"]))
            .await
            .unwrap();
        store
            .expand_block(run.id, "square", instances("square", 2500))
            .await
            .unwrap();
        for index in [3, 7] {
            let name = format!("square:{index}");
            step(&store, run.id, &name, BlockRunEvent::Enqueue).await;
            step(&store, run.id, &name, BlockRunEvent::Start).await;
            step(&store, run.id, &name, BlockRunEvent::Fail).await;
        }
        step(&store, run.id, "square:9", BlockRunEvent::ConditionFail).await;

        // Without an origin: the pipeline's own block runs only, the dynamic child among them.
        let own = store
            .block_run_page(run.id, BlockRunFilter::default())
            .await
            .unwrap();
        let names: Vec<_> = own.iter().map(|b| b.block_uuid.as_str()).collect();
        assert_eq!(names, ["numbers", "square", "total"]);
        assert_eq!(own[1].status, BlockRunStatus::Completed);

        let page = store
            .block_run_page(
                run.id,
                BlockRunFilter {
                    origin: Some("square".to_owned()),
                    offset: 2000,
                    limit: Some(3),
                    ..BlockRunFilter::default()
                },
            )
            .await
            .unwrap();
        let names: Vec<_> = page.iter().map(|b| b.block_uuid.as_str()).collect();
        assert_eq!(names, ["square:2000", "square:2001", "square:2002"]);
        assert_eq!(page[0].dynamic.as_ref().unwrap().index, 2000);
        assert_eq!(page[0].block(), "square");

        let failed = store
            .block_run_page(
                run.id,
                BlockRunFilter {
                    origin: Some("square".to_owned()),
                    status: Some(BlockRunStatus::Failed),
                    ..BlockRunFilter::default()
                },
            )
            .await
            .unwrap();
        let names: Vec<_> = failed.iter().map(|b| b.block_uuid.as_str()).collect();
        assert_eq!(names, ["square:3", "square:7"]);

        let count = |status, count| InstanceCount {
            origin: "square".to_owned(),
            status,
            count,
        };
        let mut counts = store.instance_counts(run.id).await.unwrap();
        counts.sort_by_key(|c| c.status.as_str());
        assert_eq!(
            counts,
            [
                count(BlockRunStatus::ConditionFailed, 1),
                count(BlockRunStatus::Failed, 2),
                count(BlockRunStatus::Initial, 2497),
            ]
        );
    }
);

store_test!(
    a_runs_state_follows_its_status_and_block_runs_in_one_read,
    |store: Arc<dyn Store>| async move {
        assert_eq!(store.run_state(404).await.unwrap(), None);
        // In the order they were created, not by name.
        let run = store.create_run(new_run("p", &["z", "a"])).await.unwrap();
        let state = store.run_state(run.id).await.unwrap().unwrap();
        assert_eq!(
            (
                state.head.status,
                state.head.started_at,
                state.head.backfill_id
            ),
            (RunStatus::Initial, None, None)
        );
        let blocks: Vec<_> = state
            .block_runs
            .iter()
            .map(|b| (b.block_uuid.as_str(), b.status))
            .collect();
        assert_eq!(
            blocks,
            [
                ("z", BlockRunStatus::Initial),
                ("a", BlockRunStatus::Initial)
            ]
        );
        store.change_run(run.id, RunEvent::Start).await.unwrap();
        store
            .change_block_run(run.id, "a", BlockRunChange::event(BlockRunEvent::Enqueue))
            .await
            .unwrap();
        let state = store.run_state(run.id).await.unwrap().unwrap();
        let read = store.run(run.id).await.unwrap().unwrap();
        assert_eq!(state.head.status, RunStatus::Running);
        assert_eq!(state.head.started_at, read.started_at);
        assert!(state.head.started_at.is_some());
        assert_eq!(
            (
                state.block_runs[1].block_uuid.as_str(),
                state.block_runs[1].status
            ),
            ("a", BlockRunStatus::Queued)
        );
        // A run with no block runs still has its head.
        let empty = store.create_run(new_run("p", &[])).await.unwrap();
        let state = store.run_state(empty.id).await.unwrap().unwrap();
        assert_eq!(
            (state.head.status, state.block_runs.len()),
            (RunStatus::Initial, 0)
        );
    }
);
