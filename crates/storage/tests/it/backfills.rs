//! Backfills in storage: they round-trip, their runs start only within their limits (atomically, even when many
//! starts race on PostgreSQL), and progress counts the latest run of each planned run.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use model::{BackfillRange, BackfillStatus, IntervalType, RunEvent, RunStatus};
use serde_json::{Map, json};
use storage::{BackfillSlot, NewBackfill, NewRun, Store};

use crate::store_test;

fn new_backfill(pipeline: &str, run_limit: Option<u32>, total: i64) -> NewBackfill {
    NewBackfill {
        pipeline_uuid: pipeline.to_owned(),
        name: "january".to_owned(),
        range: BackfillRange::Dates {
            start: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2024, 1, 30, 0, 0, 0).unwrap(),
            interval_type: IntervalType::Day,
            units: 1,
        },
        variables: json!({"region": "eu"}).as_object().unwrap().clone(),
        run_limit,
        run_limit_all: None,
        total_runs: total,
        created_at: Utc::now(),
    }
}

fn run_of(pipeline: &str, backfill: Option<(i64, i64)>) -> NewRun {
    NewRun {
        pipeline_uuid: pipeline.to_owned(),
        trigger_id: None,
        variables: Map::new(),
        definition: crate::definition(pipeline, &["a"]),
        execution_date: Utc::now(),
        block_uuids: vec!["a".to_owned()],
        code_hash: None,
        worker_tags: Default::default(),
        backfill: backfill.map(|(backfill_id, index)| BackfillSlot { backfill_id, index }),
    }
}

/// A backfill of `total` runs with `run_limit`, and its runs' ids.
async fn backfill_with_runs(
    store: &Arc<dyn Store>,
    run_limit: Option<u32>,
    total: i64,
) -> (i64, Vec<i64>) {
    let backfill = store
        .create_backfill(new_backfill("p", run_limit, total))
        .await
        .unwrap();
    let mut runs = Vec::new();
    for index in 0..total {
        runs.push(
            store
                .create_run(run_of("p", Some((backfill.id, index))))
                .await
                .unwrap()
                .id,
        );
    }
    (backfill.id, runs)
}

store_test!(
    a_backfill_round_trips_with_its_range_and_its_runs_carry_it,
    |store: Arc<dyn Store>| async move {
        let created = store
            .create_backfill(new_backfill("p", Some(2), 30))
            .await
            .unwrap();
        assert_eq!(created.status, BackfillStatus::Initial);
        assert_eq!(created.run_limit, Some(2));
        assert_eq!(created.variables["region"], "eu");
        assert_eq!(
            store.backfill(created.id).await.unwrap().as_ref(),
            Some(&created)
        );
        let sets = vec![json!({"region": "us"}).as_object().unwrap().clone()];
        let other = store
            .create_backfill(NewBackfill {
                range: BackfillRange::VariableSets(sets.clone()),
                ..new_backfill("p", None, 1)
            })
            .await
            .unwrap();
        assert_eq!(other.range, BackfillRange::VariableSets(sets));
        store
            .create_backfill(new_backfill("q", None, 1))
            .await
            .unwrap();
        let listed: Vec<i64> = store
            .backfills(Some("p"))
            .await
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(listed, vec![other.id, created.id]);
        assert_eq!(store.backfills(None).await.unwrap().len(), 3);

        let run = store
            .create_run(run_of("p", Some((created.id, 4))))
            .await
            .unwrap();
        assert_eq!(
            (run.backfill_id, run.backfill_index),
            (Some(created.id), Some(4))
        );
        let read = store.run(run.id).await.unwrap().unwrap();
        assert_eq!(
            (read.backfill_id, read.backfill_index),
            (Some(created.id), Some(4))
        );
        let plain = store.create_run(run_of("p", None)).await.unwrap();
        assert_eq!(
            store.run(plain.id).await.unwrap().unwrap().backfill_id,
            None
        );
    }
);

store_test!(
    runs_start_only_while_the_backfill_has_a_free_slot,
    |store: Arc<dyn Store>| async move {
        let (backfill, runs) = backfill_with_runs(&store, Some(2), 5).await;
        let mut started = Vec::new();
        for run in &runs {
            started.push(store.start_backfill_run(*run).await.unwrap());
        }
        assert_eq!(started, vec![true, true, false, false, false]);
        assert_eq!(
            store.waiting_backfill_runs(backfill, 2).await.unwrap(),
            runs[2..4].to_vec()
        );
        let record = store.backfill(backfill).await.unwrap().unwrap();
        assert_eq!(record.status, BackfillStatus::Running);
        assert!(record.started_at.is_some());
        assert_eq!(
            store.backfill_progress(backfill).await.unwrap(),
            vec![(RunStatus::Initial, 3), (RunStatus::Running, 2)]
        );
        // A run that finishes frees its slot.
        store.change_run(runs[0], RunEvent::Complete).await.unwrap();
        assert!(store.start_backfill_run(runs[2]).await.unwrap());
        assert!(!store.start_backfill_run(runs[3]).await.unwrap());
        // A run outside any backfill is not this gate's to start.
        let plain = store.create_run(run_of("p", None)).await.unwrap();
        assert!(!store.start_backfill_run(plain.id).await.unwrap());
        // A cancelled backfill starts nothing more.
        store.change_run(runs[1], RunEvent::Complete).await.unwrap();
        store
            .set_backfill_status(backfill, BackfillStatus::Cancelled)
            .await
            .unwrap();
        assert!(!store.start_backfill_run(runs[3]).await.unwrap());
        assert!(
            store
                .backfill(backfill)
                .await
                .unwrap()
                .unwrap()
                .completed_at
                .is_some()
        );
    }
);

store_test!(racing_starts_never_pass_the_limit, |store: Arc<
    dyn Store,
>| async move {
    let (backfill, runs) = backfill_with_runs(&store, Some(3), 12).await;
    let starts = runs.iter().map(|run| {
        let (store, run) = (store.clone(), *run);
        tokio::spawn(async move { store.start_backfill_run(run).await.unwrap() })
    });
    let started = futures_count(starts).await;
    assert_eq!(started, 3);
    let running = store
        .backfill_runs(backfill, true)
        .await
        .unwrap()
        .iter()
        .filter(|run| run.status == RunStatus::Running)
        .count();
    assert_eq!(running, 3);
});

async fn futures_count(handles: impl Iterator<Item = tokio::task::JoinHandle<bool>>) -> usize {
    let mut count = 0;
    for handle in handles.collect::<Vec<_>>() {
        count += usize::from(handle.await.unwrap());
    }
    count
}

store_test!(
    the_pipeline_wide_limit_counts_every_running_run_of_the_pipeline,
    |store: Arc<dyn Store>| async move {
        let backfill = store
            .create_backfill(NewBackfill {
                run_limit_all: Some(1),
                ..new_backfill("p", None, 2)
            })
            .await
            .unwrap();
        let other = store.create_run(run_of("p", None)).await.unwrap();
        store.change_run(other.id, RunEvent::Start).await.unwrap();
        let mine = store
            .create_run(run_of("p", Some((backfill.id, 0))))
            .await
            .unwrap();
        assert!(!store.start_backfill_run(mine.id).await.unwrap());
        store
            .change_run(other.id, RunEvent::Complete)
            .await
            .unwrap();
        assert!(store.start_backfill_run(mine.id).await.unwrap());
    }
);

store_test!(
    progress_counts_the_latest_run_of_each_planned_run,
    |store: Arc<dyn Store>| async move {
        let (backfill, runs) = backfill_with_runs(&store, None, 3).await;
        for run in &runs {
            assert!(store.start_backfill_run(*run).await.unwrap());
        }
        store.change_run(runs[0], RunEvent::Complete).await.unwrap();
        store.change_run(runs[1], RunEvent::Fail).await.unwrap();
        store.change_run(runs[2], RunEvent::Cancel).await.unwrap();
        store
            .set_backfill_status(backfill, BackfillStatus::Failed)
            .await
            .unwrap();
        let failed = store.backfill(backfill).await.unwrap().unwrap();
        assert!(failed.failed_at.is_some() && failed.completed_at.is_some());
        // A retry: a new run for planned run 1; the failed one no longer counts.
        store
            .set_backfill_status(backfill, BackfillStatus::Initial)
            .await
            .unwrap();
        let retried = store.backfill(backfill).await.unwrap().unwrap();
        assert_eq!((retried.failed_at, retried.completed_at), (None, None));
        let again = store
            .create_run(run_of("p", Some((backfill, 1))))
            .await
            .unwrap();
        assert_eq!(
            store.backfill_progress(backfill).await.unwrap(),
            vec![
                (RunStatus::Cancelled, 1),
                (RunStatus::Completed, 1),
                (RunStatus::Initial, 1)
            ]
        );
        let latest: Vec<i64> = store
            .backfill_runs(backfill, true)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(latest, vec![runs[0], again.id, runs[2]]);
        assert_eq!(store.backfill_runs(backfill, false).await.unwrap().len(), 4);
        assert_eq!(store.open_backfills().await.unwrap().len(), 1);

        // Deleting the backfill keeps its runs, unlinked.
        assert!(store.delete_backfill(backfill).await.unwrap());
        assert!(!store.delete_backfill(backfill).await.unwrap());
        assert_eq!(store.run(runs[0]).await.unwrap().unwrap().backfill_id, None);
    }
);
