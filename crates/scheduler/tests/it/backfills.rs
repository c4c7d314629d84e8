//! Backfills driven by the scheduler with a fake worker: never more runs at once than `pipeline_run_limit`, each run
//! with its own execution date and interval, cancel stops the rest, retry runs the failed and cancelled ones again.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use model::{BackfillRange, BackfillStatus, BlockRunEvent, IntervalType, RunStatus};
use scheduler::{BackfillRequest, Clock, Event, Scheduler, SchedulerError};
use serde_json::json;
use storage::{BlockRunChange, SqliteStore, Store};
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
}

/// `wand init`'s example pipeline (two blocks) with `concurrency_config` `pipeline_run_limit: 2`.
async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    project::init(&root).unwrap();
    let metadata = root.join("pipelines/example_pipeline/metadata.yaml");
    let text = std::fs::read_to_string(&metadata).unwrap();
    std::fs::write(
        &metadata,
        text.replace(
            "concurrency_config: {}",
            "concurrency_config:\n  pipeline_run_limit: 2",
        ),
    )
    .unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
    let clock = Arc::new(ManualClock(Mutex::new(Utc::now())));
    let (notices, _) = broadcast::channel(1024);
    let project = project::Project::open(&root).unwrap();
    let scheduler = Scheduler::new(store.clone(), notices, clock.clone(), project);
    Setup {
        _dir: dir,
        store,
        clock,
        scheduler,
    }
}

fn days(count: i64) -> BackfillRequest {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    BackfillRequest {
        pipeline_uuid: "example_pipeline".to_owned(),
        name: Some("january".to_owned()),
        range: BackfillRange::Dates {
            start,
            end: start + Duration::days(count - 1),
            interval_type: IntervalType::Day,
            units: 1,
        },
        variables: json!({"region": "eu"}).as_object().unwrap().clone(),
    }
}

impl Setup {
    /// The number of the backfill's runs in `status`.
    async fn count(&self, backfill: i64, status: RunStatus) -> usize {
        let runs = self.store.backfill_runs(backfill, false).await.unwrap();
        runs.iter().filter(|run| run.status == status).count()
    }

    /// Claims one queued block run and completes (or fails) it, then lets the scheduler advance its run. Whether
    /// there was one.
    async fn work_one(&self, fail: bool) -> bool {
        let now = self.clock.now();
        let Some(block_run) = self
            .store
            .claim_block_run("w", &[], now, now + Duration::seconds(30))
            .await
            .unwrap()
        else {
            return false;
        };
        let event = if fail {
            BlockRunEvent::Fail
        } else {
            BlockRunEvent::Complete
        };
        self.store
            .change_block_run(
                block_run.pipeline_run_id,
                &block_run.block_uuid,
                BlockRunChange::event(event),
            )
            .await
            .unwrap();
        self.scheduler
            .handle(Event::RunChanged(block_run.pipeline_run_id))
            .await
            .unwrap();
        true
    }
}

#[tokio::test]
async fn a_backfill_runs_every_date_never_more_than_the_run_limit_at_once() {
    let s = setup().await;
    let backfill = s.scheduler.create_backfill(days(6)).await.unwrap();
    assert_eq!((backfill.total_runs, backfill.run_limit), (6, Some(2)));
    assert_eq!(s.count(backfill.id, RunStatus::Initial).await, 6);
    // Runs are announced as they are created; the scheduler advances each, and only two may start.
    for run in s.store.backfill_runs(backfill.id, false).await.unwrap() {
        s.scheduler.handle(Event::RunChanged(run.id)).await.unwrap();
    }
    assert_eq!(s.count(backfill.id, RunStatus::Running).await, 2);
    let mut most = 0;
    while s.work_one(false).await {
        most = most.max(s.count(backfill.id, RunStatus::Running).await);
    }
    assert_eq!(most, 2);
    assert_eq!(s.count(backfill.id, RunStatus::Completed).await, 6);
    let done = s.store.backfill(backfill.id).await.unwrap().unwrap();
    assert_eq!(done.status, BackfillStatus::Completed);
    assert!(done.started_at.is_some() && done.completed_at.is_some());

    // Each run has its own date, Mage's per-run variables over the backfill's, and its interval.
    let runs = s.store.backfill_runs(backfill.id, true).await.unwrap();
    let dates: Vec<String> = runs
        .iter()
        .map(|run| run.execution_date.format("%m-%d").to_string())
        .collect();
    assert_eq!(
        dates,
        ["01-01", "01-02", "01-03", "01-04", "01-05", "01-06"]
    );
    let third = &runs[2];
    assert_eq!(third.variables["ds"], "2024-01-03");
    assert_eq!(
        third.variables["execution_date"],
        "2024-01-03T00:00:00+00:00"
    );
    assert_eq!(
        third.variables["interval_end_datetime"],
        "2024-01-04T00:00:00+00:00"
    );
    assert_eq!(third.variables["region"], "eu");
    let interval = third.definition.interval.unwrap();
    assert_eq!(
        (interval.start, interval.seconds),
        (third.execution_date, Some(86_400.0))
    );
    assert_eq!(
        third.definition.trigger_name.as_deref(),
        Some("Backfill january")
    );
}

#[tokio::test]
async fn cancelling_stops_the_running_runs_and_the_rest_never_start_then_retry_runs_them_again() {
    let s = setup().await;
    let backfill = s.scheduler.create_backfill(days(5)).await.unwrap();
    s.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(s.count(backfill.id, RunStatus::Running).await, 2);
    assert!(s.work_one(false).await, "a first block of a running run");

    let cancelled = s.scheduler.cancel_backfill(backfill.id).await.unwrap();
    assert_eq!(cancelled.status, BackfillStatus::Cancelled);
    assert_eq!(s.count(backfill.id, RunStatus::Cancelled).await, 5);
    let never_started = s
        .store
        .backfill_runs(backfill.id, false)
        .await
        .unwrap()
        .iter()
        .filter(|run| run.started_at.is_none())
        .count();
    assert_eq!(never_started, 3);
    // Nothing starts afterwards, and the block run the worker holds is asked to stop.
    s.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(s.count(backfill.id, RunStatus::Running).await, 0);
    assert!(matches!(
        s.scheduler.cancel_backfill(backfill.id).await,
        Err(SchedulerError::BackfillState { .. })
    ));

    // Retry: one new run per planned run, started as slots free, and progress counts only the new ones.
    let retried = s.scheduler.retry_backfill(backfill.id).await.unwrap();
    assert_eq!(retried.status, BackfillStatus::Initial);
    s.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(s.count(backfill.id, RunStatus::Running).await, 2);
    assert!(matches!(
        s.scheduler.retry_backfill(backfill.id).await,
        Err(SchedulerError::BackfillState { .. })
    ));
    let mut first = true;
    while s.work_one(std::mem::take(&mut first)).await {}
    let progress = s.store.backfill_progress(backfill.id).await.unwrap();
    assert_eq!(
        progress,
        vec![(RunStatus::Completed, 4), (RunStatus::Failed, 1)]
    );
    let failed = s.store.backfill(backfill.id).await.unwrap().unwrap();
    assert_eq!(failed.status, BackfillStatus::Failed);
    assert!(failed.failed_at.is_some());
    assert_eq!(
        s.store
            .backfill_runs(backfill.id, false)
            .await
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn variable_sets_give_one_run_each_and_bad_backfills_are_refused() {
    let s = setup().await;
    let sets = vec![
        json!({"region": "us"}).as_object().unwrap().clone(),
        json!({"region": "eu"}).as_object().unwrap().clone(),
    ];
    let request = BackfillRequest {
        name: None,
        range: BackfillRange::VariableSets(sets),
        ..days(1)
    };
    assert_eq!(s.scheduler.preview_backfill(&request).unwrap().len(), 2);
    let backfill = s.scheduler.create_backfill(request).await.unwrap();
    assert_eq!(backfill.name, "Backfill 2 variable sets");
    let runs = s.store.backfill_runs(backfill.id, true).await.unwrap();
    let regions: Vec<_> = runs
        .iter()
        .map(|run| run.variables["region"].clone())
        .collect();
    assert_eq!(regions, [json!("us"), json!("eu")]);
    assert!(runs.iter().all(|run| run.definition.interval.is_none()));

    let unknown = BackfillRequest {
        pipeline_uuid: "nope".to_owned(),
        ..days(2)
    };
    assert!(s.scheduler.create_backfill(unknown).await.is_err());
    let empty = BackfillRequest {
        range: BackfillRange::VariableSets(Vec::new()),
        ..days(1)
    };
    assert!(matches!(
        s.scheduler.create_backfill(empty).await,
        Err(SchedulerError::Backfill(_))
    ));
    assert!(matches!(
        s.scheduler.cancel_backfill(999).await,
        Err(SchedulerError::BackfillNotFound(999))
    ));
    assert_eq!(s.store.backfills(None).await.unwrap().len(), 1);
}

#[tokio::test]
async fn two_schedulers_on_one_postgresql_database_never_pass_the_run_limit() {
    let url = crate::test_database_url();
    let name = format!("wand_backfill_{}", uuid::Uuid::new_v4().simple());
    storage::PgStore::connect_admin(&url)
        .await
        .unwrap()
        .create_database(&name)
        .await
        .unwrap();
    let database = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    let local = setup().await;
    let root = local._dir.path().join("proj");
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let store: Arc<dyn Store> = Arc::new(storage::PgStore::connect(&database).await.unwrap());
        let (notices, _) = broadcast::channel(1024);
        let project = project::Project::open(&root).unwrap();
        replicas.push(Setup {
            _dir: tempfile::tempdir().unwrap(),
            store: store.clone(),
            clock: local.clock.clone(),
            scheduler: Scheduler::new(store, notices, local.clock.clone(), project),
        });
    }
    let (a, b) = (&replicas[0], &replicas[1]);
    let backfill = a.scheduler.create_backfill(days(8)).await.unwrap();
    // Both schedulers hear of every run at once and race to start it; the limit holds. (One that lost a race to the
    // other may get a refused transition: the outcome is what counts.)
    for run in a.store.backfill_runs(backfill.id, false).await.unwrap() {
        let (_, _) = tokio::join!(
            a.scheduler.handle(Event::RunChanged(run.id)),
            b.scheduler.handle(Event::RunChanged(run.id))
        );
    }
    assert_eq!(a.count(backfill.id, RunStatus::Running).await, 2);
    let mut most = 0;
    loop {
        let now = a.clock.now();
        let mut claimed = a
            .store
            .claim_block_run("w", &[], now, now + Duration::seconds(30))
            .await
            .unwrap();
        if claimed.is_none() {
            // A start one scheduler missed is caught by the tick's pass.
            a.scheduler.handle(Event::Tick).await.unwrap();
            claimed = a
                .store
                .claim_block_run("w", &[], now, now + Duration::seconds(30))
                .await
                .unwrap();
        }
        let Some(block_run) = claimed else {
            break;
        };
        a.store
            .change_block_run(
                block_run.pipeline_run_id,
                &block_run.block_uuid,
                BlockRunChange::event(BlockRunEvent::Complete),
            )
            .await
            .unwrap();
        let run = block_run.pipeline_run_id;
        let (_, _) = tokio::join!(
            a.scheduler.handle(Event::RunChanged(run)),
            b.scheduler.handle(Event::RunChanged(run))
        );
        most = most.max(a.count(backfill.id, RunStatus::Running).await);
    }
    assert_eq!(most, 2);
    assert_eq!(a.count(backfill.id, RunStatus::Completed).await, 8);
    assert_eq!(
        a.store.backfill(backfill.id).await.unwrap().unwrap().status,
        BackfillStatus::Completed
    );
}
