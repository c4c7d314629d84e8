//! Sensors wait as Mage's do (`SensorBlock` in Mage 0.9.80: a sensor returning a falsy value is called again every
//! minute until it returns a truthy one, its downstream waits, and its timeout bounds the whole wait), but between
//! checks a waiting sensor is a queued block run with the time of its next check: no process, no worker slot, state
//! in the database (issue 10, point 2). `WAND_SENSOR_INTERVAL` shortens Mage's minute for the tests. Checked on
//! Mage 0.9.80's server (shared/tools/mage-oracle): a sensor whose first check returned False was checked again
//! 60 s later, held, and only then did its downstream block run (receiving `([],)`).

use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, path_str};

const FAST_CHECKS: &[(&str, &str)] = &[("WAND_SENSOR_INTERVAL", "0.2")];

fn block_run<'a>(block_runs: &'a Value, uuid: &str) -> &'a Value {
    block_runs
        .as_array()
        .and_then(|runs| runs.iter().find(|b| b["block_uuid"] == json!(uuid)))
        .unwrap_or_else(|| panic!("no block run `{uuid}` in {block_runs}"))
}

#[test]
fn a_sensor_waits_in_the_queue_until_it_holds_and_its_downstream_waits_for_it() {
    let sandbox = Sandbox::fixture("mage09");
    let flag = sandbox.path("flag");
    let server = RunningServer::start_with_env(&sandbox, &["--workers", "1"], FAST_CHECKS);
    let (status, run) = server.post(
        "/api/v1/pipelines/sensor_wait/runs",
        json!({"variables": {"flag": path_str(&flag)}}),
    );
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let log = sandbox
        .run_dir("sensor_wait", run_id)
        .join("logs/file_exists.log");

    // Checked again and again, and between checks queued with the time of the next one.
    let waiting = server.until(
        Duration::from_secs(60),
        "the sensor was not seen waiting after three checks",
        || {
            let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
            let checks = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .matches("Sensor sleeping for 0.2 seconds...")
                .count();
            let sensor = block_run(&block_runs, "file_exists");
            if checks >= 3
                && sensor["status"] == json!("queued")
                && sensor["waiting_until"].is_string()
            {
                Ok(block_runs)
            } else {
                Err(format!("{checks} checks: {block_runs}"))
            }
        },
    );
    let sensor = block_run(&waiting, "file_exists");
    assert_eq!(
        sensor["attempt"],
        json!(0),
        "a check that waited is no attempt: {waiting}"
    );
    assert_eq!(
        block_run(&waiting, "after_sensor")["status"],
        json!("initial"),
        "the downstream block does not start while the sensor waits: {waiting}"
    );
    let (_, run) = server.get(&format!("/api/v1/runs/{run_id}"));
    assert_eq!(run["status"], json!("running"), "{run}");

    std::fs::write(&flag, "").unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(run["status"], json!("completed"), "{run}\n{block_runs}");
    let sensor = block_run(&block_runs, "file_exists");
    assert_eq!(
        (
            &sensor["status"],
            &sensor["attempt"],
            &sensor["waiting_until"]
        ),
        (&json!("completed"), &json!(1), &Value::Null),
        "{block_runs}"
    );
    let output = sandbox.output(run_id, "after_sensor");
    assert_eq!(
        output,
        json!({"flag_existed": true}),
        "the downstream ran after the file appeared"
    );
}

#[test]
fn a_sensor_that_does_not_hold_within_its_timeout_fails_and_its_downstream_does_not_run() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start_with_env(&sandbox, &["--workers", "1"], FAST_CHECKS);
    let (status, run) = server.post("/api/v1/pipelines/sensor_timeout/runs", json!({}));
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(run["status"], json!("failed"), "{run}\n{block_runs}");
    let sensor = block_run(&block_runs, "file_exists");
    assert_eq!(sensor["status"], json!("failed"), "{block_runs}");
    assert_eq!(
        sensor["error"],
        json!("the sensor did not hold within its timeout of 1 s"),
        "{block_runs}"
    );
    assert_eq!(
        block_run(&block_runs, "after_sensor")["status"],
        json!("cancelled"),
        "{block_runs}"
    );
    let log = std::fs::read_to_string(
        sandbox
            .run_dir("sensor_timeout", run_id)
            .join("logs/file_exists.log"),
    )
    .unwrap();
    assert!(
        log.contains("Sensor sleeping for 0.2 seconds..."),
        "it was checked and waited before its timeout ended the wait: {log}"
    );
}

/// The `checking <upstream>` lines the sensor of `sensor_upstream_run` printed: one per round of a check.
fn checks(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("checking sensor_wait")
        .count()
}

#[test]
fn a_sensor_waits_on_another_pipelines_run_with_check_status() {
    // Mage's `check_status` takes the other pipeline's run with the latest execution date in the hours before the
    // sensor's own: here a run of `sensor_wait` that waits on its own sensor (a flag file) until the test lets it.
    let sandbox = Sandbox::fixture("mage09");
    let flag = sandbox.path("flag");
    let server = RunningServer::start_with_env(&sandbox, &["--workers", "1"], FAST_CHECKS);
    let (status, upstream) = server.post(
        "/api/v1/pipelines/sensor_wait/runs",
        json!({"variables": {"flag": path_str(&flag)}}),
    );
    assert_eq!(status, 201, "{upstream}");
    let upstream_id = upstream["id"].as_i64().unwrap();
    let (status, run) = server.post("/api/v1/pipelines/sensor_upstream_run/runs", json!({}));
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let log = sandbox
        .run_dir("sensor_upstream_run", run_id)
        .join("logs/upstream_run_done.log");

    let waiting = server.until(
        Duration::from_secs(60),
        "the sensor was not seen waiting on the other pipeline's run",
        || {
            let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
            let sensor = block_run(&block_runs, "upstream_run_done");
            // Each check asks once (a round without the answer) and runs again with it.
            if checks(&log) >= 4
                && sensor["status"] == json!("queued")
                && sensor["waiting_until"].is_string()
            {
                Ok(block_runs)
            } else {
                Err(format!("{} checks: {block_runs}", checks(&log)))
            }
        },
    );
    assert_eq!(
        block_run(&waiting, "after_upstream_run")["status"],
        json!("initial"),
        "the downstream block does not start while the other pipeline's run is running: {waiting}"
    );
    let (_, upstream) = server.get(&format!("/api/v1/runs/{upstream_id}"));
    assert_eq!(upstream["status"], json!("running"), "{upstream}");

    std::fs::write(&flag, "").unwrap();
    let upstream = server.wait_for_run(upstream_id, Duration::from_secs(60), finished);
    assert_eq!(upstream["status"], json!("completed"), "{upstream}");
    let run = server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(run["status"], json!("completed"), "{run}\n{block_runs}");
    let sensor = block_run(&block_runs, "upstream_run_done");
    assert_eq!(
        (&sensor["status"], &sensor["waiting_until"]),
        (&json!("completed"), &Value::Null),
        "{block_runs}"
    );
    let output = sandbox.output(run_id, "after_upstream_run");
    assert_eq!(output, json!({"held": true}));
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        !log.contains("Traceback"),
        "a question is no failure in the log: {log}"
    );
}

#[test]
fn a_sensor_checking_the_status_of_an_unknown_pipeline_fails_with_mages_message() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start_with_env(&sandbox, &["--workers", "1"], FAST_CHECKS);
    let (status, run) = server.post(
        "/api/v1/pipelines/sensor_upstream_run/runs",
        json!({"variables": {"upstream": "no_such_pipeline"}}),
    );
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(run["status"], json!("failed"), "{run}\n{block_runs}");
    let sensor = block_run(&block_runs, "upstream_run_done");
    assert_eq!(sensor["status"], json!("failed"), "{block_runs}");
    assert!(
        sensor["error"]
            .as_str()
            .is_some_and(|error| error.contains("Pipeline not found, stopping sensor...")),
        "{block_runs}"
    );
    assert_eq!(
        block_run(&block_runs, "after_upstream_run")["status"],
        json!("cancelled"),
        "{block_runs}"
    );
}
