//! Time triggers firing under an injected clock: slots, catch-up after a pause, skip-if-running, run limits,
//! start and end times, time zones and the initial run.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use model::{CatchUpPolicy, RunEvent, ScheduleType, TriggerSettings, TriggerSpec, TriggerStatus};
use scheduler::{Clock, Event, Scheduler};
use serde_json::json;
use storage::{RunFilter, SqliteStore, Store};
use tokio::sync::broadcast;

/// A clock the test sets; once `run_from_here` is called it moves on in real time from where it was set.
struct ManualClock(Mutex<DateTime<Utc>>, Mutex<Option<std::time::Instant>>);

impl ManualClock {
    fn at(now: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(now), Mutex::new(None))
    }

    fn run_from_here(&self) {
        *self.1.lock().unwrap() = Some(std::time::Instant::now());
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        let set = *self.0.lock().unwrap();
        match *self.1.lock().unwrap() {
            Some(since) => set + since.elapsed(),
            None => set,
        }
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    scheduler: Scheduler,
    /// The scheduler's bus: a test waits on it for the runs it creates.
    notices: broadcast::Sender<model::Notice>,
}

impl Setup {
    async fn new(now: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        project::init(&root).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
        let clock = Arc::new(ManualClock::at(utc(now)));
        let (notices, _) = broadcast::channel(1024);
        let project = project::Project::open(&root).unwrap();
        let scheduler = Scheduler::new(store.clone(), notices.clone(), clock.clone(), project);
        Setup {
            _dir: dir,
            store,
            clock,
            scheduler,
            notices,
        }
    }

    /// An active trigger of the example pipeline, enabled at the clock's time.
    async fn trigger(&self, interval: &str, zone: &str, settings: TriggerSettings) -> i64 {
        self.trigger_between(interval, zone, settings, None, None)
            .await
    }

    async fn trigger_between(
        &self,
        interval: &str,
        zone: &str,
        settings: TriggerSettings,
        start: Option<&str>,
        end: Option<&str>,
    ) -> i64 {
        let spec = TriggerSpec {
            pipeline_uuid: "example_pipeline".to_owned(),
            name: "scheduled".to_owned(),
            description: None,
            schedule_type: ScheduleType::Time,
            schedule_interval: Some(interval.to_owned()),
            timezone: zone.to_owned(),
            start_time: start.map(utc),
            end_time: end.map(utc),
            status: TriggerStatus::Active,
            variables: json!({"source": "trigger"}).as_object().cloned().unwrap(),
            settings,
        };
        let id = self
            .store
            .create_trigger(spec, None, self.clock.now())
            .await
            .unwrap()
            .id;
        // As the API does: the file follows the database, so the next tick's sync keeps the trigger.
        self.scheduler
            .save_triggers_file("example_pipeline")
            .await
            .unwrap();
        id
    }

    /// Sets the clock and runs one scheduler tick.
    async fn tick_at(&self, now: &str) {
        *self.clock.0.lock().unwrap() = utc(now);
        self.scheduler.handle(Event::Tick).await.unwrap();
    }

    /// The execution dates of the trigger's runs, oldest first, as `HH:MM` (or `MM-DD HH:MM` when `long`).
    async fn slots(&self, trigger: i64, format: &str) -> Vec<String> {
        let filter = RunFilter {
            trigger_id: Some(trigger),
            ..RunFilter::default()
        };
        let mut runs = self.store.runs(filter).await.unwrap();
        runs.reverse();
        runs.iter()
            .map(|run| run.execution_date.format(format).to_string())
            .collect()
    }

    /// Ends every unfinished run of the trigger, as if it completed.
    async fn finish_runs(&self, trigger: i64) {
        let filter = RunFilter {
            trigger_id: Some(trigger),
            ..RunFilter::default()
        };
        for run in self.store.runs(filter).await.unwrap() {
            if !run.status.is_finished() {
                if run.status == model::RunStatus::Initial {
                    self.store
                        .change_run(run.id, RunEvent::Start)
                        .await
                        .unwrap();
                }
                self.store
                    .change_run(run.id, RunEvent::Complete)
                    .await
                    .unwrap();
            }
        }
    }
}

impl Setup {
    /// `count` active `* * * * *` triggers of the example pipeline, enabled at the clock's time.
    async fn every_minute(&self, count: usize) -> Vec<i64> {
        let mut ids = Vec::new();
        for index in 0..count {
            let spec = TriggerSpec {
                pipeline_uuid: "example_pipeline".to_owned(),
                name: format!("minutely {index}"),
                description: None,
                schedule_type: ScheduleType::Time,
                schedule_interval: Some("* * * * *".to_owned()),
                timezone: "UTC".to_owned(),
                start_time: None,
                end_time: None,
                status: TriggerStatus::Active,
                variables: Default::default(),
                settings: TriggerSettings::default(),
            };
            let trigger = self.store.create_trigger(spec, None, self.clock.now());
            ids.push(trigger.await.unwrap().id);
        }
        self.scheduler
            .save_triggers_file("example_pipeline")
            .await
            .unwrap();
        ids
    }

    async fn run_count(&self) -> usize {
        let filter = RunFilter {
            limit: Some(100_000),
            ..RunFilter::default()
        };
        self.store.runs(filter).await.unwrap().len()
    }
}

#[tokio::test]
async fn a_tick_creates_the_runs_of_many_due_triggers_in_batches_once_each() {
    let s = Setup::new("2026-05-01T09:59:30Z").await;
    let ids = s.every_minute(1234).await;
    s.tick_at("2026-05-01T10:00:00.002Z").await;
    let filter = RunFilter {
        limit: Some(100_000),
        ..RunFilter::default()
    };
    let runs = s.store.runs(filter).await.unwrap();
    let mut triggers: Vec<i64> = runs.iter().filter_map(|run| run.trigger_id).collect();
    triggers.sort_unstable();
    assert_eq!(triggers, ids, "one run per trigger");
    assert!(
        runs.iter()
            .all(|run| run.execution_date == utc("2026-05-01T10:00:00Z"))
    );
    let blocks = s.store.block_runs(runs[0].id).await.unwrap().len();
    assert!(blocks > 0);
    assert_eq!(
        s.store.block_runs(runs[1233].id).await.unwrap().len(),
        blocks
    );
    s.tick_at("2026-05-01T10:00:30Z").await;
    assert_eq!(s.run_count().await, 1234, "a slot is not run twice");
    s.tick_at("2026-05-01T10:01:00Z").await;
    assert_eq!(s.run_count().await, 2468);
}

#[tokio::test]
async fn a_running_scheduler_fires_due_triggers_on_a_loop_of_its_own() {
    let s = Setup::new("2026-05-01T09:59:30Z").await;
    let ids = s.every_minute(3).await;
    // The clock stands still past the slot: each tick finds the slot due, whatever was planned ahead.
    *s.clock.0.lock().unwrap() = utc("2026-05-01T10:00:00.5Z");
    let runs = run_scheduler_until(s, ids.len()).await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(
        runs.iter()
            .all(|run| run.execution_date == utc("2026-05-01T10:00:00Z"))
    );
}

#[tokio::test]
async fn a_running_scheduler_creates_the_runs_it_planned_before_their_slot() {
    let s = Setup::new("2026-05-01T09:59:30Z").await;
    let ids = s.every_minute(3).await;
    // The clock moves: the runs of 10:00:00 are worked out during the second before it and created when it comes.
    *s.clock.0.lock().unwrap() = utc("2026-05-01T09:59:58.7Z");
    s.clock.run_from_here();
    let runs = run_scheduler_until(s, ids.len()).await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(
        runs.iter()
            .all(|run| run.execution_date == utc("2026-05-01T10:00:00Z"))
    );
}

/// Runs the scheduler's own loops until it has created `count` runs (20 s at most), stops it and returns the runs.
async fn run_scheduler_until(s: Setup, count: usize) -> Vec<storage::PipelineRun> {
    let Setup {
        _dir,
        store,
        clock,
        scheduler,
        notices,
    } = s;
    let mut created = notices.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(Arc::new(scheduler).run(stopped, std::time::Duration::from_secs(1)));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let runs = loop {
        let runs = store.runs(RunFilter::default()).await.unwrap();
        if runs.len() >= count || std::time::Instant::now() > deadline {
            break runs;
        }
        // Each run the scheduler creates is announced on its bus.
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let _ = tokio::time::timeout(left, created.recv()).await;
    };
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(20), running)
        .await
        .expect("the scheduler and its trigger loop stop")
        .unwrap();
    drop(clock);
    runs
}

fn settings(catch_up: CatchUpPolicy) -> TriggerSettings {
    TriggerSettings {
        catch_up,
        ..TriggerSettings::default()
    }
}

#[tokio::test]
async fn an_hourly_trigger_creates_one_run_per_slot_with_its_variables() {
    let s = Setup::new("2026-05-01T09:59:00Z").await;
    let trigger = s
        .trigger("@hourly", "UTC", settings(CatchUpPolicy::Latest))
        .await;
    s.tick_at("2026-05-01T09:59:30Z").await;
    assert!(
        s.slots(trigger, "%H:%M").await.is_empty(),
        "nothing before the first slot"
    );
    s.tick_at("2026-05-01T10:00:01Z").await;
    s.tick_at("2026-05-01T10:00:02Z").await;
    assert_eq!(
        s.slots(trigger, "%H:%M").await,
        ["10:00"],
        "one run per slot, however many ticks"
    );
    s.tick_at("2026-05-01T11:00:00Z").await;
    assert_eq!(s.slots(trigger, "%H:%M").await, ["10:00", "11:00"]);
    let run = &s.store.runs(RunFilter::default()).await.unwrap()[0];
    assert_eq!(run.variables["source"], json!("trigger"));
    assert_eq!(run.trigger_id, Some(trigger));
}

#[tokio::test]
async fn after_a_pause_the_catch_up_policy_decides_which_missed_slots_run() {
    for (policy, expected) in [
        (CatchUpPolicy::None, vec![]),
        (CatchUpPolicy::Latest, vec!["13:00"]),
        (CatchUpPolicy::All, vec!["11:00", "12:00", "13:00"]),
    ] {
        let s = Setup::new("2026-05-01T10:30:00Z").await;
        let trigger = s.trigger("@hourly", "UTC", settings(policy)).await;
        // Wand was down from 10:30 to 13:20.
        s.tick_at("2026-05-01T13:20:00Z").await;
        assert_eq!(s.slots(trigger, "%H:%M").await, expected, "{policy:?}");
        s.finish_runs(trigger).await;
        s.tick_at("2026-05-01T14:00:05Z").await;
        let mut with_next = expected.clone();
        with_next.push("14:00");
        assert_eq!(
            s.slots(trigger, "%H:%M").await,
            with_next,
            "{policy:?}: on-time slots always run"
        );
    }
}

#[tokio::test]
async fn skip_if_previous_running_skips_slots_and_run_limits_make_them_wait() {
    let s = Setup::new("2026-05-01T09:30:00Z").await;
    let skipping = s
        .trigger(
            "@hourly",
            "UTC",
            TriggerSettings {
                skip_if_previous_running: true,
                ..TriggerSettings::default()
            },
        )
        .await;
    s.tick_at("2026-05-01T10:00:00Z").await;
    s.tick_at("2026-05-01T11:00:00Z").await;
    assert_eq!(
        s.slots(skipping, "%H:%M").await,
        ["10:00"],
        "11:00 is skipped while 10:00 runs"
    );
    s.finish_runs(skipping).await;
    s.tick_at("2026-05-01T11:30:00Z").await;
    assert_eq!(
        s.slots(skipping, "%H:%M").await,
        ["10:00"],
        "a skipped slot stays skipped"
    );

    let s = Setup::new("2026-05-01T09:30:00Z").await;
    let limited = s
        .trigger(
            "@hourly",
            "UTC",
            TriggerSettings {
                pipeline_run_limit: Some(1),
                ..TriggerSettings::default()
            },
        )
        .await;
    s.tick_at("2026-05-01T10:00:00Z").await;
    s.tick_at("2026-05-01T11:00:00Z").await;
    assert_eq!(
        s.slots(limited, "%H:%M").await,
        ["10:00"],
        "11:00 waits for a free place"
    );
    s.finish_runs(limited).await;
    s.tick_at("2026-05-01T11:00:30Z").await;
    assert_eq!(s.slots(limited, "%H:%M").await, ["10:00", "11:00"]);
}

#[tokio::test]
async fn start_and_end_times_bound_the_runs() {
    let s = Setup::new("2026-05-01T00:00:00Z").await;
    let trigger = s
        .trigger_between(
            "@hourly",
            "UTC",
            settings(CatchUpPolicy::All),
            Some("2026-05-01T02:00:00Z"),
            Some("2026-05-01T03:00:00Z"),
        )
        .await;
    for now in [
        "2026-05-01T01:00:00Z",
        "2026-05-01T02:00:00Z",
        "2026-05-01T03:00:00Z",
        "2026-05-01T04:00:00Z",
    ] {
        s.tick_at(now).await;
        s.finish_runs(trigger).await;
    }
    assert_eq!(s.slots(trigger, "%H:%M").await, ["02:00", "03:00"]);
}

#[tokio::test]
async fn a_daily_trigger_follows_its_time_zone_across_daylight_saving() {
    let s = Setup::new("2026-03-07T12:00:00Z").await;
    let trigger = s
        .trigger(
            "@daily",
            "America/New_York",
            settings(CatchUpPolicy::Latest),
        )
        .await;
    for now in ["2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"] {
        s.tick_at(now).await;
        s.finish_runs(trigger).await;
    }
    // Midnight in New York: UTC-5 before the change on March 8, UTC-4 after.
    assert_eq!(
        s.slots(trigger, "%m-%d %H:%M").await,
        ["03-08 05:00", "03-09 04:00"]
    );
}

#[tokio::test]
async fn once_runs_once_and_the_initial_run_is_created_on_request() {
    let s = Setup::new("2026-05-01T10:30:00Z").await;
    let once = s.trigger("@once", "UTC", TriggerSettings::default()).await;
    s.tick_at("2026-05-01T10:30:01Z").await;
    s.finish_runs(once).await;
    s.tick_at("2026-05-02T10:30:01Z").await;
    assert_eq!(s.slots(once, "%H:%M").await.len(), 1);

    let s = Setup::new("2026-05-01T10:30:00Z").await;
    let initial = s
        .trigger(
            "@daily",
            "UTC",
            TriggerSettings {
                create_initial_pipeline_run: true,
                ..TriggerSettings::default()
            },
        )
        .await;
    s.tick_at("2026-05-01T10:30:01Z").await;
    assert_eq!(
        s.slots(initial, "%m-%d %H:%M").await,
        ["05-01 00:00"],
        "the slot current when enabled"
    );
}

#[tokio::test]
async fn the_pipelines_concurrency_config_limits_runs_across_triggers() {
    let s = Setup::new("2026-05-01T09:30:00Z").await;
    let metadata = s
        ._dir
        .path()
        .join("proj/pipelines/example_pipeline/metadata.yaml");
    let text = std::fs::read_to_string(&metadata).unwrap();
    std::fs::write(
        &metadata,
        text.replace(
            "concurrency_config: {}",
            "concurrency_config:\n  pipeline_run_limit_all_triggers: 1",
        ),
    )
    .unwrap();
    let hourly = s
        .trigger("@hourly", "UTC", TriggerSettings::default())
        .await;
    let mut spec = s.store.trigger(hourly).await.unwrap().unwrap().spec();
    spec.name = "also hourly".to_owned();
    let other = s
        .store
        .create_trigger(spec, None, s.clock.now())
        .await
        .unwrap()
        .id;
    s.scheduler
        .save_triggers_file("example_pipeline")
        .await
        .unwrap();
    s.tick_at("2026-05-01T10:00:00Z").await;
    let created = s.slots(hourly, "%H:%M").await.len() + s.slots(other, "%H:%M").await.len();
    assert_eq!(created, 1, "one run at a time for the whole pipeline");
    s.finish_runs(hourly).await;
    s.finish_runs(other).await;
    s.tick_at("2026-05-01T10:00:30Z").await;
    let created = s.slots(hourly, "%H:%M").await.len() + s.slots(other, "%H:%M").await.len();
    assert_eq!(created, 2, "the waiting slot runs once the first run ended");
}

#[tokio::test]
async fn every_interval_type_fires_at_its_first_slot() {
    // 2026-05-01 is a Friday.
    for (interval, first) in [
        ("@hourly", "05-01 11:00"),
        ("@daily", "05-02 00:00"),
        ("@weekly", "05-04 00:00"),
        ("@monthly", "06-01 00:00"),
        ("15 14 * * 2", "05-05 14:15"),
    ] {
        let s = Setup::new("2026-05-01T10:30:00Z").await;
        let trigger = s.trigger(interval, "UTC", TriggerSettings::default()).await;
        let due = chrono::NaiveDateTime::parse_from_str(&format!("2026-{first}"), "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc();
        s.tick_at(&(due - chrono::Duration::seconds(1)).to_rfc3339())
            .await;
        assert!(
            s.slots(trigger, "%m-%d %H:%M").await.is_empty(),
            "{interval}: nothing before {first}"
        );
        s.tick_at(&due.to_rfc3339()).await;
        assert_eq!(s.slots(trigger, "%m-%d %H:%M").await, [first], "{interval}");
    }
}

#[tokio::test]
async fn two_servers_on_one_postgresql_database_create_one_run_per_slot() {
    let url = crate::test_database_url();
    let name = format!("wand_sched_{}", uuid::Uuid::new_v4().simple());
    storage::PgStore::connect_admin(&url)
        .await
        .unwrap()
        .create_database(&name)
        .await
        .unwrap();
    let database = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    project::init(&root).unwrap();
    let clock = Arc::new(ManualClock::at(utc("2026-05-01T09:59:30Z")));
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let store: Arc<dyn Store> = Arc::new(storage::PgStore::connect(&database).await.unwrap());
        let (notices, _) = broadcast::channel(64);
        let project = project::Project::open(&root).unwrap();
        replicas.push((
            store.clone(),
            Scheduler::new(store, notices, clock.clone(), project),
        ));
    }
    let spec = TriggerSpec {
        pipeline_uuid: "example_pipeline".to_owned(),
        name: "every minute".to_owned(),
        description: None,
        schedule_type: ScheduleType::Time,
        schedule_interval: Some("* * * * *".to_owned()),
        timezone: "UTC".to_owned(),
        start_time: None,
        end_time: None,
        status: TriggerStatus::Active,
        variables: Default::default(),
        settings: TriggerSettings::default(),
    };
    replicas[0]
        .0
        .create_trigger(spec, None, clock.now())
        .await
        .unwrap();
    replicas[0]
        .1
        .save_triggers_file("example_pipeline")
        .await
        .unwrap();
    for minute in 0..5 {
        *clock.0.lock().unwrap() = utc("2026-05-01T10:00:00Z") + chrono::Duration::minutes(minute);
        for (_, scheduler) in &replicas {
            scheduler.handle(Event::Tick).await.unwrap();
        }
    }
    let runs = replicas[1].0.runs(RunFilter::default()).await.unwrap();
    let mut slots: Vec<String> = runs
        .iter()
        .map(|run| run.execution_date.format("%H:%M").to_string())
        .collect();
    slots.sort();
    assert_eq!(slots, ["10:00", "10:01", "10:02", "10:03", "10:04"]);
}
