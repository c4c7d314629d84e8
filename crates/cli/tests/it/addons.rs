//! Mage's conditionals and callbacks under `wand run` (issue 13). The expected results come from Mage 0.9.80's
//! server, run with `../shared/tools/mage-oracle fixtures/mage09 <pipeline>` (Mage's CLI ignores both): a false
//! conditional leaves its block `condition_failed` and the run `completed`; a success callback runs after its block.

use std::path::Path;

use serde_json::Value;

use crate::support::{Sandbox, file_names, path_str, read_json, reported_status, runtime_vars};

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
    let expected_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/addons_expected")
        .join(pipeline);
    let sandbox = Sandbox::fixture("mage09");
    let out_dir = sandbox.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let vars = runtime_vars(&[("out_dir", path_str(&out_dir))]);
    let run = sandbox.run(pipeline, &["--runtime-vars", &vars]);

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

    let expected_files: Vec<String> = file_names(&expected_dir)
        .into_iter()
        .filter(|name| name != "statuses.json" && name != "README.md")
        .collect();
    assert_eq!(
        file_names(&out_dir),
        expected_files,
        "{pipeline}\n{}",
        run.dump()
    );
    for name in expected_files {
        let without_pipeline_run = |mut calls: Value| {
            for call in calls.as_array_mut().into_iter().flatten() {
                if let Some(Value::Array(keys)) = call.get_mut("kwargs_keys") {
                    keys.retain(|key| key != "pipeline_run");
                }
            }
            calls
        };
        assert_eq!(
            read_json(&out_dir.join(&name)),
            without_pipeline_run(read_json(&expected_dir.join(&name))),
            "{pipeline}: {name}\n{}",
            run.dump()
        );
    }
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
