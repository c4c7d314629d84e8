//! `wand run --block-uuid`: rerunning one block with its upstream outputs from the run history.

use crate::support::{Sandbox, file_names, path_str, read_json, runtime_vars, wand_in};

#[test]
fn block_uuid_reruns_one_block_with_the_newest_stored_upstream_outputs() {
    let sandbox = Sandbox::fixture("mage09");
    let out = sandbox.path("report.json");
    let echo_out = sandbox.path("echo.json");
    let vars = |c: &str| {
        runtime_vars(&[
            ("c", c),
            ("out", path_str(&out)),
            ("echo_out", path_str(&echo_out)),
        ])
    };
    let first = sandbox.run("variables", &["--runtime-vars", &vars("first")]);
    first.assert_code(0);
    let second = sandbox.run("variables", &["--runtime-vars", &vars("second")]);
    second.assert_code(0);
    std::fs::remove_file(&out).expect("the full runs wrote the report");

    let rerun = sandbox.run(
        "variables",
        &["--runtime-vars", &vars("third"), "--block-uuid", "echo"],
    );
    rerun.assert_code(0);
    let rerun_id = rerun.run_id();
    assert!(
        first.run_id() < second.run_id() && second.run_id() < rerun_id,
        "each run is recorded in the history\n{}",
        rerun.dump()
    );

    let echo = read_json(&echo_out);
    assert_eq!(
        echo["received"],
        serde_json::json!({"c": "second"}),
        "echo gets report's output from the newest run that has it\n{}",
        rerun.dump()
    );
    assert_eq!(echo["c"], "third", "echo gets this run's variables");
    assert_eq!(echo["pipeline_run_id"], rerun_id);
    assert!(!out.exists(), "report did not run again\n{}", rerun.dump());
    // Only echo ran and stored an output (small: kept in its block run's record, no folder); echo prints nothing,
    // so its log folder holds no file.
    assert_eq!(
        sandbox.output(rerun_id, "echo"),
        serde_json::json!({"c": "second"})
    );
    let run_dir = sandbox.run_dir("variables", rerun_id);
    assert_eq!(file_names(&run_dir), ["logs"], "{}", rerun.dump());
    assert_eq!(file_names(&run_dir.join("logs")), Vec::<String>::new());
}

#[test]
fn block_uuid_finds_stored_outputs_from_another_working_directory_with_a_relative_data_dir() {
    let sandbox = Sandbox::fixture("mage09");
    let echo_out = sandbox.path("echo.json");
    let vars = runtime_vars(&[
        ("out", path_str(&sandbox.path("report.json"))),
        ("echo_out", path_str(&echo_out)),
    ]);
    // The full run from the sandbox, the rerun from a folder below it: both name the same data folder.
    let full = wand_in(
        sandbox.root(),
        &[
            "run",
            "mage09",
            "variables",
            "--data-dir",
            "data",
            "--runtime-vars",
            &vars,
        ],
    );
    full.assert_code(0);
    let elsewhere = sandbox.path("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("create a folder");
    let rerun = wand_in(
        &elsewhere,
        &[
            "run",
            "../mage09",
            "variables",
            "--data-dir",
            "../data",
            "--runtime-vars",
            &vars,
            "--block-uuid",
            "echo",
        ],
    );
    rerun.assert_code(0);
    assert_eq!(read_json(&echo_out)["pipeline_run_id"], rerun.run_id());
}

#[test]
fn block_uuid_on_a_fresh_data_dir_asks_to_run_the_pipeline_first() {
    let sandbox = Sandbox::fixture("mage09");
    let echo_out = sandbox.path("echo.json");
    let vars = runtime_vars(&[("echo_out", path_str(&echo_out))]);
    let run = sandbox.run(
        "variables",
        &["--runtime-vars", &vars, "--block-uuid", "echo"],
    );
    run.assert_code(2)
        .assert_stderr_contains("report")
        .assert_stderr_contains("run the whole pipeline first");
    assert!(!echo_out.exists(), "echo did not run\n{}", run.dump());
}

#[test]
fn block_uuid_names_the_blocks_when_the_block_is_unknown() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("variables", &["--block-uuid", "nope"]);
    run.assert_code(2)
        .assert_stderr_contains("nope")
        .assert_stderr_contains("report")
        .assert_stderr_contains("echo");
}
