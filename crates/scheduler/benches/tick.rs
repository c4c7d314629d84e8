//! One scheduler tick over 10,000 active cron triggers (SQLite in a temp dir, an injected clock) in the steady
//! state where no slot is due: read the triggers, check `triggers.yaml`, work out each trigger's due slots, recover
//! leases and advance unfinished runs. Run with `cargo bench -p scheduler --bench tick`.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use model::{ScheduleType, TriggerSettings, TriggerSpec, TriggerStatus};
use scheduler::{Clock, Event, Scheduler};
use storage::{SqliteStore, Store};
use tokio::sync::broadcast;

const TRIGGERS: usize = 10_000;

struct ManualClock(Mutex<DateTime<Utc>>);

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    scheduler: Scheduler,
}

/// A project with `TRIGGERS` hourly triggers (at distinct minutes) on its example pipeline, enabled at `now`.
async fn setup(now: DateTime<Utc>) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("proj");
    project::init(&root).expect("project");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("wand.db"))
            .await
            .expect("store"),
    );
    let clock = Arc::new(ManualClock(Mutex::new(now)));
    let (notices, _) = broadcast::channel(16);
    let project = project::Project::open(&root).expect("open project");
    let scheduler = Scheduler::new(store.clone(), notices, clock, project);
    for i in 0..TRIGGERS {
        let spec = TriggerSpec {
            pipeline_uuid: "example_pipeline".to_owned(),
            name: format!("trigger_{i}"),
            description: None,
            schedule_type: ScheduleType::Time,
            schedule_interval: Some(format!("{} * * * *", i % 60)),
            timezone: "UTC".to_owned(),
            start_time: None,
            end_time: None,
            status: TriggerStatus::Active,
            variables: serde_json::Map::new(),
            settings: TriggerSettings::default(),
        };
        store
            .create_trigger(spec, None, now)
            .await
            .expect("trigger");
    }
    scheduler
        .save_triggers_file("example_pipeline")
        .await
        .expect("triggers.yaml");
    Setup {
        _dir: dir,
        scheduler,
    }
}

fn tick(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("tokio");
    let start: DateTime<Utc> = "2026-11-27T12:00:30Z".parse().expect("time");
    let setup = runtime.block_on(setup(start));
    // The first tick records where each trigger stands; later ticks in the same minute owe no run.
    runtime
        .block_on(setup.scheduler.handle(Event::Tick))
        .expect("tick");
    let mut group = c.benchmark_group("scheduler_tick");
    group.sample_size(10);
    group.bench_function("10k_triggers_nothing_due", |b| {
        b.iter(|| {
            runtime
                .block_on(setup.scheduler.handle(Event::Tick))
                .expect("tick")
        })
    });
    group.finish();
}

criterion_group!(benches, tick);
criterion_main!(benches);
