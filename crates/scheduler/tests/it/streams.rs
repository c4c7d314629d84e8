//! A streaming pipeline's restart waits for the source of the run it stopped: the new run (a second consumer) is
//! created only once the worker has recorded the old source's end, which the test announces on the bus as a
//! worker does. No sleeps: the test waits on the scheduler's notices.

use std::sync::Arc;

use chrono::{Duration, Utc};
use model::{BlockRunEvent, BlockRunStatus, Notice, RunStatus};
use scheduler::{Scheduler, SystemClock};
use storage::{BlockRunChange, RunFilter, SqliteStore, Store};
use tokio::sync::broadcast;

const PIPELINE: &str = "rabbit_to_pg";
const SOURCE: &str = "consume_events";

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn a_restart_starts_the_new_run_only_once_the_stopped_source_has_ended() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/mage_streaming");
    copy_tree(&fixture, &root);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let (notices, _) = broadcast::channel(1024);
    let project = project::Project::open(&root).unwrap();
    let scheduler = Arc::new(Scheduler::new(
        store.clone(),
        notices.clone(),
        Arc::new(SystemClock),
        project,
    ));

    // The stream runs: its source's block run is queued, then claimed by a worker.
    let first = scheduler.start_stream(PIPELINE).await.unwrap();
    scheduler.advance_run(first.id).await.unwrap();
    let now = Utc::now();
    let claimed = store
        .claim_block_run("w", &[], now, now + Duration::seconds(30))
        .await
        .unwrap()
        .expect("the source is queued");
    assert_eq!(
        (claimed.pipeline_run_id, claimed.block_uuid.as_str()),
        (first.id, SOURCE)
    );

    let mut bus = notices.subscribe();
    let restart = tokio::spawn({
        let scheduler = scheduler.clone();
        async move { scheduler.restart_stream(PIPELINE).await }
    });
    // The stop asks the worker to end the source, which keeps running meanwhile (the engine stores its batch).
    loop {
        match bus.recv().await.unwrap() {
            Notice::CancelRequested { run_id, block_uuid } if run_id == first.id => {
                assert_eq!(block_uuid, SOURCE);
                break;
            }
            _ => {}
        }
    }
    assert_eq!(
        store.run(first.id).await.unwrap().unwrap().status,
        RunStatus::Cancelled
    );
    assert!(
        !restart.is_finished(),
        "the restart did not wait for the source"
    );
    let all = RunFilter {
        pipeline_uuid: Some(PIPELINE.to_owned()),
        ..RunFilter::default()
    };
    assert_eq!(store.runs(all.clone()).await.unwrap().len(), 1);

    // The worker records the source cancelled and says so on the bus: the restart goes on.
    let status = store
        .change_block_run(
            first.id,
            SOURCE,
            BlockRunChange::event(BlockRunEvent::Cancel),
        )
        .await
        .unwrap();
    assert_eq!(status, BlockRunStatus::Cancelled);
    let _ = notices.send(Notice::BlockRun {
        run_id: first.id,
        block_uuid: SOURCE.to_owned(),
        status,
        detail: String::new(),
    });
    let (stopped, second) = tokio::time::timeout(std::time::Duration::from_secs(20), restart)
        .await
        .expect("the restart ends once the source has")
        .unwrap()
        .unwrap();
    assert_eq!(stopped, [first.id]);
    assert_ne!(second.id, first.id);
    let statuses: Vec<_> = store
        .runs(all)
        .await
        .unwrap()
        .into_iter()
        .map(|run| (run.id, run.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (second.id, RunStatus::Initial),
            (first.id, RunStatus::Cancelled)
        ]
    );
}
