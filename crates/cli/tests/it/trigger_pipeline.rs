//! Mage's `trigger_pipeline` in a block: it starts another pipeline of the project and, with `check_status`, waits
//! for it, under `wand run` and under `wand start` (fixtures/mage09: `trigger_parent` starts the pipeline named by its
//! `child` variable). Checked with `../shared/tools/mage-oracle fixtures/mage09 trigger_parent --vars '{"child":
//! "trigger_child", ...}'` on Mage 0.9.80's server: the child wrote `{"x": 3, "pipeline_uuid": "trigger_child"}`, the
//! block's output was `{"id": 2, "pipeline_uuid": "trigger_child", "status": "completed"}`; with `"child": "raises"`
//! the block failed with "Pipeline run 2 for pipeline raises: failed.".

use std::time::Duration;

use serde_json::json;

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, path_str, read_json, runtime_vars};

#[test]
fn wand_run_starts_the_other_pipeline_and_waits_for_it() {
    let sandbox = Sandbox::fixture("mage09");
    let child_out = sandbox.path("child.json");
    let vars = runtime_vars(&[
        ("child", "trigger_child"),
        ("child_out", path_str(&child_out)),
    ]);
    let run = sandbox.run("trigger_parent", &["--runtime-vars", &vars]);
    run.assert_code(0);
    assert_eq!(
        read_json(&child_out),
        json!({"x": 3, "pipeline_uuid": "trigger_child"}),
        "{}",
        run.dump()
    );
    let returned = sandbox.output(run.run_id(), "start_child");
    assert_eq!(returned["pipeline_uuid"], json!("trigger_child"));
    assert_eq!(
        returned["status"],
        json!("completed"),
        "it waited for the end"
    );
    assert_eq!(
        returned["id"],
        json!(run.run_id() + 1),
        "the next run, as in Mage"
    );
}

/// A run started without `check_status` still runs to its end before `wand run` ends.
#[test]
fn wand_run_ends_after_the_runs_its_blocks_started_without_waiting() {
    let sandbox = Sandbox::fixture("mage09");
    let child_out = sandbox.path("child.json");
    let vars = r#"{"child": "trigger_child", "wait": false, "child_out": "OUT"}"#
        .replace("OUT", path_str(&child_out));
    let run = sandbox.run("trigger_parent", &["--runtime-vars", &vars]);
    run.assert_code(0);
    assert_eq!(
        read_json(&child_out),
        json!({"x": 3, "pipeline_uuid": "trigger_child"}),
        "{}",
        run.dump()
    );
}

#[test]
fn a_failed_triggered_run_fails_the_block_with_error_on_failure() {
    let sandbox = Sandbox::fixture("mage09");
    let vars = runtime_vars(&[
        ("child", "raises"),
        ("child_out", path_str(&sandbox.path("unused.json"))),
    ]);
    let run = sandbox.run("trigger_parent", &["--runtime-vars", &vars]);
    run.assert_code(1);
    // Mage's check_pipeline_run_status raises Exception(f'Pipeline run {id} for pipeline {uuid}: {status}.').
    run.assert_stderr_contains("Exception: Pipeline run ");
    run.assert_stderr_contains(" for pipeline raises: failed.");
}

#[test]
fn a_missing_pipeline_fails_the_block_with_the_reason() {
    let sandbox = Sandbox::fixture("mage09");
    let vars = runtime_vars(&[
        ("child", "no_such_pipeline"),
        ("child_out", path_str(&sandbox.path("unused.json"))),
    ]);
    let run = sandbox.run("trigger_parent", &["--runtime-vars", &vars]);
    run.assert_code(1);
    run.assert_stderr_contains("CallFailed: ");
    run.assert_stderr_contains("no_such_pipeline");
}

#[test]
fn wand_start_runs_the_triggered_pipeline_too() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let child_out = sandbox.path("child.json");
    let (status, run) = server.post(
        "/api/v1/pipelines/trigger_parent/runs",
        json!({"variables": {"child": "trigger_child", "child_out": path_str(&child_out)}}),
    );
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(120), finished);
    assert_eq!(run["status"], json!("completed"), "{run}");
    assert_eq!(
        read_json(&child_out),
        json!({"x": 3, "pipeline_uuid": "trigger_child"})
    );
    let (_, page) = server.get("/api/v1/runs?pipeline=trigger_child");
    let statuses: Vec<&str> = page["runs"]
        .as_array()
        .expect("a page of runs")
        .iter()
        .filter_map(|run| run["status"].as_str())
        .collect();
    assert_eq!(statuses, ["completed"], "{page}");
}
