//! The dashboard's statistics and the timeline's spans: a known set of runs, their times set in the database, gives
//! exact counts and durations on both backends.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use model::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};
use storage::{BlockRunChange, BlockSpan, InstanceSpan, RunSpan, RunTotal, Store, WorkNow};

/// A store and a second connection to its database that writes the times a test needs.
struct Seeded {
    store: Arc<dyn Store>,
    raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Raw {
    /// Runs `sql`, an update that sets a time (`$1`) of run `$2` (or of its block run `$3`).
    async fn set(&self, sql: &str, time: Option<DateTime<Utc>>, run: i64, block: Option<&str>) {
        match self {
            Raw::Sqlite(pool) => {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(time.map(stamp))
                    .bind(run);
                let query = match block {
                    Some(block) => query.bind(block.to_owned()),
                    None => query,
                };
                query.execute(pool).await.unwrap();
            }
            Raw::Postgres(pool) => {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(time)
                    .bind(run);
                let query = match block {
                    Some(block) => query.bind(block.to_owned()),
                    None => query,
                };
                query.execute(pool).await.unwrap();
            }
        }
    }

    async fn run_times(
        &self,
        run: i64,
        created: &str,
        started: Option<&str>,
        completed: Option<&str>,
    ) {
        for (column, time) in [
            ("created_at", Some(created)),
            ("started_at", started),
            ("completed_at", completed),
        ] {
            let sql = format!("UPDATE pipeline_runs SET {column} = $1 WHERE id = $2");
            self.set(&sql, time.map(at), run, None).await;
        }
    }

    async fn block_times(&self, run: i64, block: &str, started: &str, completed: &str) {
        for (column, time) in [("started_at", started), ("completed_at", completed)] {
            let sql = format!(
                "UPDATE block_runs SET {column} = $1 WHERE pipeline_run_id = $2 AND block_uuid = $3"
            );
            self.set(&sql, Some(at(time)), run, Some(block)).await;
        }
    }
}

async fn sqlite() -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wand.db");
    let store = storage::SqliteStore::open(&path).await.unwrap();
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    Seeded {
        store: Arc::new(store),
        raw: Raw::Sqlite(pool),
        _dir: Some(dir),
    }
}

async fn postgres() -> Seeded {
    let (store, url) = crate::postgres_store_named().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    Seeded {
        store: Arc::new(store),
        raw: Raw::Postgres(pool),
        _dir: None,
    }
}

/// A run of `pipeline` (one block `a`) taken through `events`, then given these times.
async fn run(
    seeded: &Seeded,
    pipeline: &str,
    events: &[RunEvent],
    times: (&str, Option<&str>, Option<&str>),
) -> i64 {
    let id = seeded
        .store
        .create_run(crate::new_run(pipeline, &["a"]))
        .await
        .unwrap()
        .id;
    for event in events {
        seeded.store.change_run(id, *event).await.unwrap();
    }
    seeded.raw.run_times(id, times.0, times.1, times.2).await;
    id
}

const DONE: &[RunEvent] = &[RunEvent::Start, RunEvent::Complete];
const FAILED: &[RunEvent] = &[RunEvent::Start, RunEvent::Fail];

async fn counts_and_durations(seeded: Seeded) {
    let day = |d: u32, time: &str| format!("2026-01-{d:02}T{time}Z");
    // Before the window: left out.
    run(
        &seeded,
        "p1",
        DONE,
        (
            &day(9, "23:59:59"),
            Some(&day(9, "23:59:59")),
            Some(&day(10, "00:00:59")),
        ),
    )
    .await;
    let first = run(
        &seeded,
        "p1",
        DONE,
        (
            &day(10, "10:00:00"),
            Some(&day(10, "10:00:00")),
            Some(&day(10, "10:01:00")),
        ),
    )
    .await;
    run(
        &seeded,
        "p1",
        FAILED,
        (
            &day(10, "11:00:00"),
            Some(&day(10, "11:00:00")),
            Some(&day(10, "11:00:30")),
        ),
    )
    .await;
    let third = run(
        &seeded,
        "p1",
        DONE,
        (
            &day(11, "23:00:00"),
            Some(&day(11, "23:00:00")),
            Some(&day(11, "23:02:00.500")),
        ),
    )
    .await;
    run(
        &seeded,
        "p2",
        FAILED,
        (
            &day(11, "01:00:00"),
            Some(&day(11, "01:00:00")),
            Some(&day(11, "01:00:10")),
        ),
    )
    .await;
    run(
        &seeded,
        "p2",
        &[RunEvent::Fail],
        (&day(11, "02:00:00"), None, Some(&day(11, "02:00:00"))),
    )
    .await;
    run(
        &seeded,
        "p2",
        &[RunEvent::Start],
        (&day(12, "00:00:00"), Some(&day(12, "00:00:01")), None),
    )
    .await;
    let since = at(&day(10, "00:00:00"));
    let store = &seeded.store;

    let total =
        |day: &str, pipeline: &str, status, runs, timed, sum: Option<f64>, max: Option<f64>| {
            RunTotal {
                day: day.to_owned(),
                pipeline_uuid: pipeline.to_owned(),
                status,
                runs,
                timed,
                total_seconds: sum,
                max_seconds: max,
            }
        };
    assert_eq!(
        store.run_totals(since).await.unwrap(),
        vec![
            total(
                "2026-01-10",
                "p1",
                RunStatus::Completed,
                1,
                1,
                Some(60.0),
                Some(60.0)
            ),
            total(
                "2026-01-10",
                "p1",
                RunStatus::Failed,
                1,
                1,
                Some(30.0),
                Some(30.0)
            ),
            total(
                "2026-01-11",
                "p1",
                RunStatus::Completed,
                1,
                1,
                Some(120.5),
                Some(120.5)
            ),
            total(
                "2026-01-11",
                "p2",
                RunStatus::Failed,
                2,
                1,
                Some(10.0),
                Some(10.0)
            ),
            total("2026-01-12", "p2", RunStatus::Running, 1, 0, None, None),
        ]
    );

    assert_eq!(
        store.work_now().await.unwrap(),
        WorkNow {
            initial_runs: 0,
            running_runs: 1,
            queued_block_runs: 0,
            running_block_runs: 0
        }
    );

    // The newest two runs of p1 in the window, newest first.
    let spans = store.run_spans("p1", since, 2).await.unwrap();
    assert_eq!(
        spans
            .iter()
            .map(|span: &RunSpan| (span.id, span.status))
            .collect::<Vec<_>>(),
        vec![
            (third, RunStatus::Completed),
            (first + 1, RunStatus::Failed)
        ]
    );
    assert_eq!(spans[0].completed_at, Some(at(&day(11, "23:02:00.500"))));

    // Block durations: the block runs with a start and an end, of the newest runs in the window.
    seeded
        .raw
        .block_times(first, "a", &day(10, "10:00:01"), &day(10, "10:00:05"))
        .await;
    seeded
        .raw
        .block_times(third, "a", &day(11, "23:00:01"), &day(11, "23:00:03"))
        .await;
    let spans = store.block_spans("p1", since, 10, 100).await.unwrap();
    assert_eq!(
        spans,
        vec![
            BlockSpan {
                pipeline_run_id: first,
                block_uuid: "a".to_owned(),
                origin: None,
                status: BlockRunStatus::Initial,
                started_at: at(&day(10, "10:00:01")),
                completed_at: at(&day(10, "10:00:05")),
            },
            BlockSpan {
                pipeline_run_id: third,
                block_uuid: "a".to_owned(),
                origin: None,
                status: BlockRunStatus::Initial,
                started_at: at(&day(11, "23:00:01")),
                completed_at: at(&day(11, "23:00:03")),
            },
        ]
    );
    // Only the newest run counts when one is asked for; the row limit holds.
    assert_eq!(
        store.block_spans("p1", since, 1, 100).await.unwrap().len(),
        1
    );
    assert_eq!(
        store.block_spans("p1", since, 10, 1).await.unwrap().len(),
        1
    );
}

async fn queued_times_and_instance_spans(seeded: Seeded) {
    let store = &seeded.store;
    let id = store
        .create_run(crate::new_run("p", &["numbers", "square"]))
        .await
        .unwrap()
        .id;
    let change = |event| BlockRunChange::event(event);
    store
        .change_block_run(id, "numbers", change(BlockRunEvent::Enqueue))
        .await
        .unwrap();
    let queued = store.block_runs(id).await.unwrap()[0]
        .queued_at
        .expect("queued at");
    store
        .change_block_run(id, "numbers", change(BlockRunEvent::Start))
        .await
        .unwrap();
    store
        .change_block_run(id, "numbers", change(BlockRunEvent::Complete))
        .await
        .unwrap();
    let numbers = store.block_runs(id).await.unwrap().remove(0);
    assert_eq!(numbers.queued_at, Some(queued), "kept once it runs");
    assert!(numbers.started_at.unwrap() >= queued);

    assert_eq!(store.instance_spans(id).await.unwrap(), vec![]);
    let instances = (0..3)
        .map(|index| storage::NewInstance {
            uuid: format!("square:{index}"),
            dynamic: model::DynamicInstance {
                block: "square".to_owned(),
                index,
                sources: vec![model::Source::Item { index }],
            },
            worker_tag: None,
            status: BlockRunStatus::Initial,
        })
        .collect();
    store.expand_block(id, "square", instances).await.unwrap();
    let spans = store.instance_spans(id).await.unwrap();
    assert_eq!(
        spans,
        vec![InstanceSpan {
            origin: "square".to_owned(),
            count: 3,
            first_queued_at: None,
            first_started_at: None,
            last_completed_at: None,
        }]
    );
    store
        .change_block_run(id, "square:1", change(BlockRunEvent::Enqueue))
        .await
        .unwrap();
    store
        .change_block_run(id, "square:1", change(BlockRunEvent::Start))
        .await
        .unwrap();
    seeded
        .raw
        .block_times(
            id,
            "square:1",
            "2026-01-10T00:00:01Z",
            "2026-01-10T00:00:04Z",
        )
        .await;
    seeded
        .raw
        .block_times(
            id,
            "square:2",
            "2026-01-10T00:00:02Z",
            "2026-01-10T00:00:09Z",
        )
        .await;
    let span = store.instance_spans(id).await.unwrap().remove(0);
    assert_eq!(span.count, 3);
    assert!(span.first_queued_at.is_some());
    assert_eq!(span.first_started_at, Some(at("2026-01-10T00:00:01Z")));
    assert_eq!(span.last_completed_at, Some(at("2026-01-10T00:00:09Z")));

    // A retried block run is no longer queued.
    store
        .change_block_run(id, "numbers", change(BlockRunEvent::Retry))
        .await
        .unwrap();
    assert_eq!(store.block_runs(id).await.unwrap()[0].queued_at, None);
}

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::sqlite().await).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(super::postgres().await).await;
            }
        }
    };
}

both!(counts_and_durations);
both!(queued_times_and_instance_spans);
