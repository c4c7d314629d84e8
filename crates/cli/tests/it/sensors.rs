//! Sensors wait as Mage's do (`SensorBlock` in Mage 0.9.80: a sensor returning a falsy value is called again every
//! minute until it returns a truthy one, its downstream waits, and its timeout bounds the whole wait), but between
//! checks a waiting sensor is a queued block run with the time of its next check: no process, no worker slot, state
//! in the database (issue 10, point 2). `WAND_SENSOR_INTERVAL` shortens Mage's minute for the tests.

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
    let outputs = sandbox.run_dir("sensor_wait", run_id).join("after_sensor");
    let output = crate::support::read_json(&outputs.join("output_0.json"));
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
        json!("upstream_failed"),
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
