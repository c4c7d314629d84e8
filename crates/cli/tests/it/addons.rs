//! Mage's conditionals and callbacks under `wand run` (issue 13). The expected results come from Mage 0.9.80's
//! server, run with `../shared/tools/mage-oracle fixtures/mage09 <pipeline>` (Mage's CLI ignores both): a false
//! conditional leaves its block `condition_failed` and the run `completed`; a success callback runs after its block.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{RunningServer, finished};
use crate::support::{
    Outcome, Sandbox, file_names, path_str, read_json, read_text, reported_status, runtime_vars,
};

/// `conditionals` (fixtures/mage09): `never` returns False for `ok`. On Mage's server `ok` ended
/// `condition_failed` and the pipeline run `completed`. This pipeline was refused before issue 13.
#[test]
fn a_false_conditional_skips_its_block_and_the_run_completes() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("conditionals", &[]);
    run.assert_code(0);
    assert_eq!(
        reported_status(&run.stderr, "ok"),
        Some("condition_failed"),
        "{}",
        run.dump()
    );
    assert!(
        !sandbox
            .run_dir("conditionals", run.run_id())
            .join("ok")
            .exists(),
        "the gated block stored nothing\n{}",
        run.dump()
    );
    // The pipeline's other keys are still named: warnings are not dropped because the run goes ahead.
    run.assert_stderr_contains("`tags` is [\"nightly\"]: Wand does not show");
}

/// `callbacks` (fixtures/mage09): `on_done` prints after `ok` succeeds. This pipeline was refused before issue 13.
#[test]
fn a_success_callback_runs_after_its_block_in_its_log() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("callbacks", &[]);
    run.assert_code(0);
    assert_eq!(
        reported_status(&run.stderr, "ok"),
        Some("completed"),
        "{}",
        run.dump()
    );
    let log = crate::support::read_text(
        &sandbox
            .run_dir("callbacks", run.run_id())
            .join("logs")
            .join("ok.log"),
    );
    assert!(log.contains("the block finished"), "{log}");
}

/// What Mage's server did with `pipeline` (fixtures/mage09), recorded in `addons_expected/<pipeline>/` (see its
/// README): the statuses and every file the blocks, conditionals and callbacks wrote. `wand run` must give the same,
/// except for Mage's `pipeline_run` kwarg (its database object).
fn runs_as_on_mages_server(pipeline: &str) {
    runs_as_on_mages_server_with(pipeline, pipeline, &[]);
}

/// `runs_as_on_mages_server` for `wand run pipeline extra...`, against `addons_expected/<expected>/`; the sandbox
/// (which holds the run's logs) and the run.
fn runs_as_on_mages_server_with(
    expected: &str,
    pipeline: &str,
    extra: &[&str],
) -> (Sandbox, Outcome) {
    let expected_dir = expected_dir(expected);
    let sandbox = Sandbox::fixture("mage09");
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out_dir))]);
    let mut args = vec!["--runtime-vars", vars.as_str()];
    args.extend_from_slice(extra);
    let run = sandbox.run(pipeline, &args);

    let statuses = read_json(&expected_dir.join("statuses.json"));
    let run_status = statuses["run"].as_str().unwrap();
    run.assert_code(if run_status == "completed" { 0 } else { 1 });
    for (block, status) in statuses["block_runs"].as_object().unwrap() {
        assert_eq!(
            reported_status(&run.stderr, block),
            status.as_str(),
            "{pipeline}: block {block}\n{}",
            run.dump()
        );
    }

    if let Err(difference) = out_dir_as_on_mages_server(&out_dir, &expected_dir) {
        panic!("{pipeline}: {difference}\n{}", run.dump());
    }
    (sandbox, run)
}

fn expected_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/addons_expected")
        .join(name)
}

/// Whether `out_dir` holds the files Mage's server wrote (`expected_dir`, without `statuses.json`), with the same
/// contents, except for Mage's `pipeline_run` kwarg (its database object).
fn out_dir_as_on_mages_server(out_dir: &Path, expected_dir: &Path) -> Result<(), String> {
    let expected_files: Vec<String> = file_names(expected_dir)
        .into_iter()
        .filter(|name| name != "statuses.json" && name != "README.md")
        .collect();
    let files = file_names(out_dir);
    if files != expected_files {
        return Err(format!("files {files:?}, expected {expected_files:?}"));
    }
    for name in expected_files {
        let without_pipeline_run = |mut calls: Value| {
            for call in calls.as_array_mut().into_iter().flatten() {
                if let Some(Value::Array(keys)) = call.get_mut("kwargs_keys") {
                    keys.retain(|key| key != "pipeline_run");
                }
            }
            calls
        };
        // A file still being written is not there yet.
        let got: Value = std::fs::read_to_string(out_dir.join(&name))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .ok_or_else(|| format!("{name} is not (yet) JSON"))?;
        let expected = without_pipeline_run(read_json(&expected_dir.join(&name)));
        if got != expected {
            return Err(format!("{name}: {got:#}\nexpected {expected:#}"));
        }
    }
    Ok(())
}

/// A false conditional, a true one, and a block with both (`cond_gate`): each gets the gated block's inputs; the
/// gated blocks and everything below them are `condition_failed`; the run completes.
#[test]
fn conditionals_gate_their_blocks_as_on_mages_server() {
    runs_as_on_mages_server("cond_gate");
}

/// A conditional that raises counts as false (`cond_raises`).
#[test]
fn a_conditional_that_raises_gates_its_block_as_on_mages_server() {
    runs_as_on_mages_server("cond_raises");
}

/// Success callbacks get the block's output (or `__input` when they take keywords only), the failure callback an
/// empty list and `__error`; the failed block's child is cancelled (`cb_data`).
#[test]
fn callbacks_get_the_output_or_the_error_as_on_mages_server() {
    runs_as_on_mages_server("cb_data");
}

/// A success callback that raises stops its own file's later functions, not the next callback, and leaves the
/// block and the run completed (`cb_raises`).
#[test]
fn a_callback_that_raises_changes_no_status_as_on_mages_server() {
    runs_as_on_mages_server("cb_raises");
}

/// `has_callback: true` runs `callbacks/<uuid>_callback.py`'s `@on_success` / `@on_failure` with kwargs only
/// (`cb_legacy`).
#[test]
fn legacy_block_callbacks_run_as_on_mages_server() {
    runs_as_on_mages_server("cb_legacy");
}

/// Callbacks run once, after the last attempt, with `retry` counting the attempts (`cb_retry`).
#[test]
fn callbacks_run_after_the_last_retry_as_on_mages_server() {
    runs_as_on_mages_server("cb_retry");
}

/// A run stopped by its timeout with `timeout_status: cancelled` (`wand run --timeout 2 --timeout-status cancelled`
/// on `cb_cancel`): the sleeping block is stopped, its child cancelled, and both get their `cancelled` callbacks,
/// with no positional argument and Mage's kwargs, in processes of their own. On Mage's server (the trigger setting
/// `{"timeout": 5, "timeout_status": "cancelled"}`, and a cancel through its API) the files were the same
/// (`addons_expected/cb_cancel`, see its README). `cb_explode`'s cancelled function raises: the block run stays
/// cancelled, its log names the callback, its error says what failed, and `cb_record` still runs.
#[test]
fn a_run_timing_out_as_cancelled_runs_the_cancelled_callbacks_as_on_mages_server() {
    let (_sandbox, run) = runs_as_on_mages_server_with(
        "cb_cancel",
        "cb_cancel",
        &["--timeout", "2", "--timeout-status", "cancelled"],
    );
    run.assert_stderr_contains(
        "block `cb_sleeper` cancelled: cancelled callback `cb_explode` failed: RuntimeError: \
         cb_explode_cancelled raises on purpose",
    );
    let log_line = run
        .stderr
        .lines()
        .skip_while(|line| !line.contains("block `cb_sleeper` cancelled"))
        .find_map(|line| line.trim().strip_prefix("log: "))
        .unwrap_or_else(|| panic!("no log named\n{}", run.dump()));
    let log = read_text(Path::new(log_line));
    assert!(
        log.contains("Failed to execute cancelled callback block cb_explode for block cb_sleeper."),
        "{log}"
    );
}

/// A run stopped by its timeout as `failed` (the default): its block runs are cancelled but no callback runs, as
/// on Mage's server, whose cancellation job runs them only for a cancelled run (`addons_expected/cb_run_timeout_failed`).
#[test]
fn a_run_timing_out_as_failed_runs_no_callback_as_on_mages_server() {
    runs_as_on_mages_server_with("cb_run_timeout_failed", "cb_cancel", &["--timeout", "2"]);
}

/// A block stopped by its own `timeout` fails without its failure callback (its process is killed, as Mage's
/// scheduler kills it), and its child is cancelled without a cancelled callback, the run having failed
/// (`addons_expected/cb_block_timeout`).
#[test]
fn a_block_stopped_by_its_timeout_runs_no_callback_as_on_mages_server() {
    runs_as_on_mages_server("cb_block_timeout");
}

/// `wand start` on PostgreSQL with no worker of its own and one `wand worker` process: a run cancelled through the
/// API while its block sleeps gets its `cancelled` callbacks run once, by the worker, for the stopped block run and
/// the one that never started, as on Mage's server (`addons_expected/cb_cancel`, cancelled through Mage's API).
#[test]
fn a_cancelled_run_gets_its_cancelled_callbacks_from_a_separate_worker_as_on_mages_server() {
    let sandbox = Sandbox::fixture("mage09");
    let database = crate::scale_out::fresh_database();
    let server = RunningServer::start(&sandbox, &["--workers", "0", "--database-url", &database]);
    let _worker = crate::scale_out::WorkerProcess::start(&sandbox, &database);
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let (status, run) = server.post(
        "/api/v1/pipelines/cb_cancel/runs",
        json!({"variables": {"out_dir": path_str(&out_dir)}}),
    );
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    server.until(
        Duration::from_secs(60),
        "the sleeping block never started",
        || {
            out_dir
                .join("ran.cb_sleeper.json")
                .exists()
                .then_some(())
                .ok_or_else(|| "not yet".to_owned())
        },
    );
    let (status, cancelled) = server.post(&format!("/api/v1/runs/{run_id}/cancel"), json!({}));
    assert_eq!((status, &cancelled["status"]), (200, &json!("cancelled")));
    let expected = expected_dir("cb_cancel");
    server.until(
        Duration::from_secs(60),
        "the cancelled callbacks wrote what they wrote on Mage's server",
        || out_dir_as_on_mages_server(&out_dir, &expected),
    );
    let run = server.wait_for_run(run_id, Duration::from_secs(10), finished);
    assert_eq!(run["status"], json!("cancelled"));
    let block_runs = server.until(
        Duration::from_secs(30),
        "the failing callback is recorded on its block run",
        || {
            let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
            block_runs[0]["error"]
                .as_str()
                .is_some_and(|error| error.contains("cb_explode"))
                .then(|| block_runs.clone())
                .ok_or_else(|| block_runs.to_string())
        },
    );
    let statuses: Vec<(&str, &str)> = block_runs
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["block_uuid"].as_str().unwrap(),
                b["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("cb_sleeper", "cancelled"), ("cb_sleep_after", "cancelled")]
    );
    assert_eq!(block_runs[1]["error"], Value::Null, "{block_runs}");
}
