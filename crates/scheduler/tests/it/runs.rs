//! Runs moved forward by the scheduler, with a fake worker that claims and finishes block runs by hand.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use model::{BlockRunEvent, BlockRunStatus, Notice, PipelineDefinition, RunSettings, RunStatus};
use scheduler::{Clock, Event, Scheduler};
use serde_json::Map;
use storage::{BlockRunChange, NewRun, SqliteStore, Store};
use tokio::sync::broadcast;

struct ManualClock(Mutex<DateTime<Utc>>);

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    scheduler: Scheduler,
    run_id: i64,
}

/// A run of `wand init`'s example pipeline (load_example_data -> fill_in_missing_values), with `retries`.
async fn setup(retries: u32) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    project::init(&root).unwrap();
    let project = project::Project::open(&root).unwrap();
    let mut pipeline = project.load_pipeline("example_pipeline").unwrap().pipeline;
    let mut blocks: Vec<_> = pipeline.dag.blocks().to_vec();
    for block in &mut blocks {
        block.retry.retries = Some(retries);
    }
    pipeline.dag = model::Dag::new(blocks).unwrap();
    let definition = PipelineDefinition::pin(&pipeline, None, RunSettings::default());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let run_id = create_run(&store, &definition).await;
    let clock = Arc::new(ManualClock(Mutex::new(Utc::now())));
    let (notices, _) = broadcast::channel(64);
    let scheduler = Scheduler::new(store.clone(), notices, clock.clone(), project);
    Setup {
        _dir: dir,
        store,
        clock,
        scheduler,
        run_id,
    }
}

/// Records a run of `definition`, all its block runs initial.
async fn create_run(store: &Arc<dyn Store>, definition: &PipelineDefinition) -> i64 {
    let run = NewRun {
        pipeline_uuid: definition.uuid.clone(),
        trigger_id: None,
        variables: Map::new(),
        definition: definition.clone(),
        execution_date: Utc::now(),
        block_uuids: definition.blocks.iter().map(|b| b.uuid.clone()).collect(),
        code_hash: None,
        worker_tags: Default::default(),
        backfill: None,
    };
    store.create_run(run).await.unwrap().id
}

async fn statuses(store: &Arc<dyn Store>, run_id: i64) -> Vec<(String, BlockRunStatus, i64)> {
    store
        .block_runs(run_id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.block_uuid, b.status, b.attempt))
        .collect()
}

#[tokio::test]
async fn a_run_advances_block_by_block_to_completion() {
    let s = setup(0).await;
    assert_eq!(
        s.scheduler.advance_run(s.run_id).await.unwrap(),
        RunStatus::Running
    );
    let now = s.clock.now();
    let first = s
        .store
        .claim_block_run("w", &[], now, now + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.block_uuid, "load_example_data");
    assert!(
        s.store
            .claim_block_run("w", &[], now, now)
            .await
            .unwrap()
            .is_none(),
        "the child waits for its parent"
    );
    s.store
        .change_block_run(
            s.run_id,
            &first.block_uuid,
            BlockRunChange::event(BlockRunEvent::Complete),
        )
        .await
        .unwrap();
    s.scheduler
        .handle(Event::RunChanged(s.run_id))
        .await
        .unwrap();
    let second = s
        .store
        .claim_block_run("w", &[], now, now + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.block_uuid, "fill_in_missing_values");
    s.store
        .change_block_run(
            s.run_id,
            &second.block_uuid,
            BlockRunChange::event(BlockRunEvent::Complete),
        )
        .await
        .unwrap();
    assert_eq!(
        s.scheduler.advance_run(s.run_id).await.unwrap(),
        RunStatus::Completed
    );
    let run = s.store.run(s.run_id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Completed);
}

#[tokio::test]
async fn an_expired_lease_requeues_the_block_run_while_retries_are_left_then_fails_it() {
    let s = setup(1).await;
    s.scheduler.advance_run(s.run_id).await.unwrap();
    let start = s.clock.now();
    let claimed = s
        .store
        .claim_block_run("lost-worker", &[], start, start + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    // Before the lease runs out nothing happens.
    *s.clock.0.lock().unwrap() = start + Duration::seconds(29);
    s.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(
        statuses(&s.store, s.run_id).await[0].1,
        BlockRunStatus::Running
    );
    // After it, the block run goes back to the queue for its retry.
    *s.clock.0.lock().unwrap() = start + Duration::seconds(31);
    s.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(
        statuses(&s.store, s.run_id).await[0],
        (claimed.block_uuid.clone(), BlockRunStatus::Queued, 1)
    );
    // The second attempt's worker is lost too: no retries left, so the block fails and the run with it.
    let later = start + Duration::seconds(31);
    s.store
        .claim_block_run("lost-again", &[], later, later + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    *s.clock.0.lock().unwrap() = later + Duration::seconds(31);
    s.scheduler.handle(Event::Tick).await.unwrap();
    let after = statuses(&s.store, s.run_id).await;
    assert_eq!(
        after[0],
        (claimed.block_uuid.clone(), BlockRunStatus::Failed, 2)
    );
    assert_eq!(after[1].1, BlockRunStatus::Cancelled);
    let error = s.store.block_runs(s.run_id).await.unwrap()[0]
        .error
        .clone()
        .unwrap();
    assert!(error.contains("lease expired"), "{error}");
    assert_eq!(
        s.store.run(s.run_id).await.unwrap().unwrap().status,
        RunStatus::Failed
    );
}

#[tokio::test]
async fn notices_announce_each_change_the_scheduler_makes() {
    let s = setup(0).await;
    let (sender, mut receiver) = broadcast::channel(64);
    let scheduler = Scheduler::new(s.store.clone(), sender, s.clock.clone(), {
        let root = s._dir.path().join("proj");
        project::Project::open(&root).unwrap()
    });
    scheduler.advance_run(s.run_id).await.unwrap();
    assert_eq!(
        receiver.recv().await.unwrap(),
        Notice::Run {
            run_id: s.run_id,
            status: RunStatus::Running
        }
    );
    assert_eq!(
        receiver.recv().await.unwrap(),
        Notice::BlockRun {
            run_id: s.run_id,
            block_uuid: "load_example_data".to_owned(),
            status: BlockRunStatus::Queued,
            detail: String::new(),
        }
    );
    drop(s.scheduler);
}

#[tokio::test]
async fn a_run_past_its_timeout_is_stopped_with_the_timeout_status() {
    for (status, expected) in [
        (model::TimeoutStatus::Failed, RunStatus::Failed),
        (model::TimeoutStatus::Cancelled, RunStatus::Cancelled),
    ] {
        let s = setup(0).await;
        let mut definition = s.store.run(s.run_id).await.unwrap().unwrap().definition;
        definition.settings.timeout = Some(60.0);
        definition.settings.timeout_status = status;
        let run_id = create_run(&s.store, &definition).await;
        *s.clock.0.lock().unwrap() = Utc::now();
        s.scheduler.advance_run(run_id).await.unwrap();
        let now = s.clock.now();
        s.store
            .claim_block_run("w", &[], now, now + Duration::seconds(600))
            .await
            .unwrap()
            .unwrap();
        *s.clock.0.lock().unwrap() = now + Duration::seconds(30);
        assert_eq!(
            s.scheduler.advance_run(run_id).await.unwrap(),
            RunStatus::Running
        );
        *s.clock.0.lock().unwrap() = now + Duration::seconds(61);
        assert_eq!(s.scheduler.advance_run(run_id).await.unwrap(), expected);
        let blocks = statuses(&s.store, run_id).await;
        assert_eq!(
            blocks[1].1,
            BlockRunStatus::Cancelled,
            "the waiting block is cancelled"
        );
        assert_eq!(
            blocks[0].1,
            BlockRunStatus::Running,
            "the running block is asked to stop by its worker"
        );
    }
}

/// A block run cancelled when its run is cancelled (by a cancel, or by its timeout with `timeout_status:
/// cancelled`) has its block's `cancelled` callbacks due, if it has callbacks; a run stopped as failed has none due,
/// as Mage's cancellation job runs them only for a cancelled run (fixtures/mage09 `cb_cancel` on Mage 0.9.80's
/// server: crates/cli/tests/it/addons_expected/README.md).
#[tokio::test]
async fn a_cancelled_runs_blocks_with_callbacks_get_their_cancelled_callbacks_due() {
    use storage::CancelledCallbacks::{None, Pending};
    for (how, expected) in [
        ("cancel", [None, Pending]),
        ("timeout cancelled", [None, Pending]),
        ("timeout failed", [None, None]),
    ] {
        let s = setup(0).await;
        let mut definition = s.store.run(s.run_id).await.unwrap().unwrap().definition;
        // The second block (fill_in_missing_values) has a callback, the first none.
        definition.blocks[1].callbacks = vec![model::AddonBlock {
            uuid: "notify".to_owned(),
            file: "callbacks/notify.py".to_owned(),
        }];
        definition.settings.timeout = Some(60.0);
        if how == "timeout cancelled" {
            definition.settings.timeout_status = model::TimeoutStatus::Cancelled;
        }
        let run_id = create_run(&s.store, &definition).await;
        *s.clock.0.lock().unwrap() = Utc::now();
        s.scheduler.advance_run(run_id).await.unwrap();
        if how == "cancel" {
            s.scheduler.cancel_run(run_id).await.unwrap();
        } else {
            *s.clock.0.lock().unwrap() = s.clock.now() + Duration::seconds(61);
            s.scheduler.advance_run(run_id).await.unwrap();
        }
        let due: Vec<_> = s
            .store
            .block_runs(run_id)
            .await
            .unwrap()
            .into_iter()
            .map(|b| {
                assert_eq!(b.status, BlockRunStatus::Cancelled, "{how}");
                b.cancelled_callbacks
            })
            .collect();
        assert_eq!(due, expected, "{how}");
    }
}
