//! Pipelines and command lines that `wand run` rejects before running anything (exit code 2): cycles, unknown
//! upstream blocks, missing block files, unknown pipelines and malformed runtime variables.

use crate::support::Sandbox;

/// Checks what every rejected run has in common: exit code 2, no panic, and no run recorded.
fn assert_rejected(sandbox: &Sandbox, run: &crate::support::Outcome) {
    run.assert_code(2);
    assert!(!run.stderr.contains("panicked"), "{}", run.dump());
    assert!(
        !sandbox.data_dir.join("runs").exists(),
        "nothing ran\n{}",
        run.dump()
    );
}

#[test]
fn cycle_is_reported_with_its_blocks_and_file() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("cycle", &[]);
    assert_rejected(&sandbox, &run);
    run.assert_stderr_contains("cycle_a")
        .assert_stderr_contains("cycle_b")
        .assert_stderr_contains("cycle_c")
        .assert_stderr_contains("pipelines/cycle/metadata.yaml")
        .assert_stderr_contains("cycle");
}

#[test]
fn unknown_upstream_block_is_reported_with_the_block_and_the_missing_name() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("unknown_upstream", &[]);
    assert_rejected(&sandbox, &run);
    run.assert_stderr_contains("`orphan`")
        .assert_stderr_contains("`ghost`")
        .assert_stderr_contains("pipelines/unknown_upstream/metadata.yaml");
}

#[test]
fn missing_block_file_is_reported_with_the_path_and_the_block() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("missing_file", &[]);
    assert_rejected(&sandbox, &run);
    run.assert_stderr_contains("data_loaders/does_not_exist.py")
        .assert_stderr_contains("`lost`");
}

#[test]
fn unknown_pipeline_is_reported_with_the_pipelines_there_are() {
    let sandbox = Sandbox::fixture("mage08");
    let run = sandbox.run("no_such_pipeline", &[]);
    assert_rejected(&sandbox, &run);
    run.assert_stderr_contains("no_such_pipeline")
        .assert_stderr_contains("fan_in")
        .assert_stderr_contains("utils_import");
}

#[test]
fn runtime_vars_must_be_a_json_object() {
    let sandbox = Sandbox::fixture("mage08");
    for bad in ["[1, 2]", "{not json"] {
        let run = sandbox.run("fan_in", &["--runtime-vars", bad]);
        assert_rejected(&sandbox, &run);
        run.assert_stderr_contains("--runtime-vars");
    }
}

/// Issue 10, point 6: the reason was printed twice ("No such file or directory (os error 2): No such file ...").
#[test]
fn a_missing_project_folder_is_named_once_with_the_reason() {
    let sandbox = Sandbox::empty();
    let missing = sandbox.path("no_such_project");
    let run = sandbox.wand(&["run", crate::support::path_str(&missing), "p"]);
    run.assert_code(2);
    let reason = "No such file or directory";
    assert_eq!(run.stderr.matches(reason).count(), 1, "{}", run.dump());
    run.assert_stderr_contains("no_such_project");
}

/// Issue 10, point 1: a SQL block used to pass validation and fail when run with `AttributeError: 'NoneType'
/// object has no attribute 'loader'`. Wand runs SQL blocks now (issue 12); one without a database to run on is
/// refused at load time with its file and line, and never reaches Python.
#[test]
fn a_sql_block_without_a_provider_is_refused_at_load_time_with_its_file_and_line() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("sql_block", &[]);
    assert_rejected(&sandbox, &run);
    run.assert_stderr_contains(
        "pipelines/sql_block/metadata.yaml:2: block `count_rows`: a SQL block needs `configuration.data_provider`",
    );
    assert!(!run.stderr.contains("AttributeError"), "{}", run.dump());
}
