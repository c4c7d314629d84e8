//! The dashboard's and the timeline's routes: runs counted by day and status, failure rates and rankings, the work
//! going on now, next scheduled runs, a pipeline's run and block durations, and a run's block runs on a time axis.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use model::{BlockRunEvent, DynamicInstance, RunEvent, Source};
use serde_json::{Value, json};
use storage::{BlockRunChange, NewInstance};

use crate::support::TestServer;

const PIPELINE: &str = "example_pipeline";

/// A run of the example pipeline taken through `events`; returns its id.
async fn run(server: &TestServer, events: &[RunEvent]) -> i64 {
    let (status, run) = server.run_now(PIPELINE).await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let id = run["id"].as_i64().unwrap();
    for event in events {
        server.store.change_run(id, *event).await.unwrap();
    }
    id
}

async fn block(server: &TestServer, run: i64, block: &str, events: &[BlockRunEvent]) {
    for event in events {
        server
            .store
            .change_block_run(run, block, BlockRunChange::event(*event))
            .await
            .unwrap();
    }
}

async fn get(server: &TestServer, uri: &str) -> Value {
    let (status, body) = server.call(Method::GET, uri, None).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

#[tokio::test]
async fn the_overview_counts_todays_runs_and_lists_the_work_and_the_next_runs() {
    let server = TestServer::new().await;
    let done = run(&server, &[RunEvent::Start, RunEvent::Complete]).await;
    run(&server, &[RunEvent::Start, RunEvent::Fail]).await;
    run(&server, &[RunEvent::Start, RunEvent::Fail]).await;
    let running = run(&server, &[RunEvent::Start]).await;
    block(
        &server,
        running,
        "load_example_data",
        &[BlockRunEvent::Enqueue],
    )
    .await;
    let trigger = json!({"name": "nightly", "schedule_interval": "@daily", "status": "active"});
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/triggers",
            Some(trigger),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let overview = get(&server, "/api/v1/overview?days=7").await;
    let today = Utc::now().date_naive();
    assert_eq!(overview["days"], json!(7));
    let per_day = overview["per_day"].as_array().unwrap();
    assert_eq!(per_day.len(), 7);
    assert_eq!(
        per_day[6]["day"],
        json!(today.format("%Y-%m-%d").to_string())
    );
    assert_eq!(
        per_day[6]["counts"],
        json!({"completed": 1, "failed": 2, "running": 1})
    );
    assert!(per_day[..6].iter().all(|day| day["counts"] == json!({})));
    let since = (today - Duration::days(6))
        .and_time(NaiveTime::MIN)
        .and_utc();
    assert_eq!(
        overview["since"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        since
    );
    let rate = 2.0 / 3.0;
    assert_eq!(
        overview["totals"],
        json!({"runs": 4, "completed": 1, "failed": 2, "cancelled": 0, "failure_rate": rate})
    );
    assert_eq!(
        overview["most_failing"][0]["pipeline_uuid"],
        json!(PIPELINE)
    );
    assert_eq!(overview["most_failing"][0]["failed"], json!(2));
    assert_eq!(overview["most_failing"][0]["failure_rate"], json!(rate));
    assert_eq!(overview["slowest"][0]["pipeline_uuid"], json!(PIPELINE));
    assert!(overview["slowest"][0]["mean_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(overview["now"]["running_runs"], json!(1));
    assert_eq!(overview["now"]["queued_block_runs"], json!(1));
    assert_eq!(overview["now"]["running"][0]["id"], json!(running));
    let next = &overview["next_runs"][0];
    assert_eq!(
        (next["trigger_name"].clone(), next["pipeline_uuid"].clone()),
        (json!("nightly"), json!(PIPELINE))
    );
    let midnight = (today + Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    assert_eq!(
        next["at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        midnight
    );

    // The completed run shows on the pipeline's history with its duration; the running one with its time so far.
    let stats = get(&server, "/api/v1/pipelines/example_pipeline/stats?days=30").await;
    assert_eq!(stats["days"], json!(30));
    let runs = stats["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[0]["id"], json!(done));
    assert_eq!(runs[0]["status"], json!("completed"));
    assert!(
        runs.iter()
            .all(|run| run["duration_seconds"].as_f64().is_some())
    );
    assert_eq!(runs[3]["status"], json!("running"));
}

#[tokio::test]
async fn block_durations_come_from_completed_block_runs() {
    let server = TestServer::new().await;
    for _ in 0..3 {
        let id = run(&server, &[RunEvent::Start]).await;
        block(
            &server,
            id,
            "load_example_data",
            &[
                BlockRunEvent::Enqueue,
                BlockRunEvent::Start,
                BlockRunEvent::Complete,
            ],
        )
        .await;
        block(
            &server,
            id,
            "fill_in_missing_values",
            &[
                BlockRunEvent::Enqueue,
                BlockRunEvent::Start,
                BlockRunEvent::Fail,
            ],
        )
        .await;
    }
    let stats = get(&server, "/api/v1/pipelines/example_pipeline/stats").await;
    assert_eq!(stats["days"], json!(7));
    let blocks = stats["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 1, "only the completed block: {blocks:?}");
    assert_eq!(blocks[0]["block"], json!("load_example_data"));
    assert_eq!(blocks[0]["samples"], json!(3));
    let median = blocks[0]["median_seconds"].as_f64().unwrap();
    let p90 = blocks[0]["p90_seconds"].as_f64().unwrap();
    assert!(0.0 <= median && median <= p90 && p90 <= blocks[0]["max_seconds"].as_f64().unwrap());

    // Another pipeline's stats are empty, not an error.
    let other = get(&server, "/api/v1/pipelines/nothing_here/stats").await;
    assert_eq!(
        (other["runs"].clone(), other["blocks"].clone()),
        (json!([]), json!([]))
    );
}

#[tokio::test]
async fn a_window_out_of_range_is_refused() {
    let server = TestServer::new().await;
    for uri in [
        "/api/v1/overview?days=0",
        "/api/v1/overview?days=367",
        "/api/v1/pipelines/example_pipeline/stats?days=-1",
    ] {
        let (status, body) = server.call(Method::GET, uri, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}: {body}");
        assert_eq!(body["error"]["code"], json!("invalid_input"), "{body}");
    }
}

#[tokio::test]
async fn the_timeline_shows_when_blocks_were_queued_started_and_ended_and_sums_up_instances() {
    let server = TestServer::new().await;
    let id = run(&server, &[RunEvent::Start]).await;
    block(
        &server,
        id,
        "load_example_data",
        &[
            BlockRunEvent::Enqueue,
            BlockRunEvent::Start,
            BlockRunEvent::Complete,
        ],
    )
    .await;
    let child = "fill_in_missing_values";
    let instances = (0..1000)
        .map(|index| NewInstance {
            uuid: format!("{child}:{index}"),
            dynamic: DynamicInstance {
                block: child.to_owned(),
                index,
                sources: vec![Source::Item { index }],
            },
            worker_tag: None,
            status: model::BlockRunStatus::Initial,
        })
        .collect();
    server
        .store
        .expand_block(id, child, instances)
        .await
        .unwrap();
    for index in [3, 7] {
        block(
            &server,
            id,
            &format!("{child}:{index}"),
            &[BlockRunEvent::Enqueue, BlockRunEvent::Start],
        )
        .await;
    }
    block(
        &server,
        id,
        &format!("{child}:7"),
        &[BlockRunEvent::Complete],
    )
    .await;

    let timeline = get(&server, &format!("/api/v1/runs/{id}/timeline")).await;
    assert_eq!(timeline["run_id"], json!(id));
    assert_eq!(timeline["status"], json!("running"));
    let blocks = timeline["blocks"].as_array().unwrap();
    let names: Vec<&str> = blocks
        .iter()
        .map(|b| b["block_uuid"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["load_example_data", child]);
    let time = |value: &Value| value.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    let load = &blocks[0];
    assert_eq!(load["status"], json!("completed"));
    assert!(time(&load["queued_at"]) <= time(&load["started_at"]));
    assert!(time(&load["started_at"]) <= time(&load["completed_at"]));
    assert_eq!(load["instances"], Value::Null);
    let group = &blocks[1]["instances"];
    assert_eq!(group["total"], json!(1000));
    assert_eq!(
        group["counts"],
        json!({"completed": 1, "initial": 998, "running": 1})
    );
    assert!(time(&group["first_queued_at"]) <= time(&group["first_started_at"]));
    assert!(time(&group["last_completed_at"]) <= time(&timeline["now"]));
    assert_eq!(
        blocks[1]["queued_at"],
        Value::Null,
        "the child itself was never queued"
    );

    // An instance's page carries its queued time too.
    let page = get(
        &server,
        &format!("/api/v1/runs/{id}/block_runs?block={child}&offset=7&limit=1"),
    )
    .await;
    assert!(page[0]["queued_at"].is_string(), "{page}");

    let (status, _) = server
        .call(Method::GET, "/api/v1/runs/999999/timeline", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
