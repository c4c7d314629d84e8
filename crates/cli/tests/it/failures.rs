//! Blocks that fail at run time: exceptions, failing @test functions, timeouts, and blocks that end their own
//! process; what the run reports, and which other blocks still run.

use crate::support::{Sandbox, read_text};

#[test]
fn raising_block_fails_the_run_skips_its_descendants_and_keeps_other_outputs() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("raises", &[]);
    run.assert_code(1)
        .assert_stderr_contains("ValueError: broken on purpose")
        .assert_stderr_contains("transformers/boom.py\", line")
        .assert_stderr_contains("block `boom` failed")
        .assert_stdout_contains("failed");
    let after = run.stderr_line("after:");
    assert!(
        run.stderr
            .lines()
            .nth(after)
            .is_some_and(|line| line.contains("cancelled")),
        "`after` is shown as cancelled (as on Mage's server)\n{}",
        run.dump()
    );
    assert!(
        !run.stderr.contains("after: running"),
        "`after` never started\n{}",
        run.dump()
    );
    run.stderr_line("side: completed");

    let run_dir = sandbox.run_dir("raises", run.run_id());
    assert_eq!(
        sandbox.output(run.run_id(), "ok"),
        serde_json::json!({"fine": true}),
        "ok's output is kept\n{}",
        run.dump()
    );
    assert!(
        !run_dir.join("after").exists() && sandbox.stored_outputs(run.run_id(), "after").is_none(),
        "`after` has no outputs\n{}",
        run.dump()
    );
    assert!(sandbox.stored_outputs(run.run_id(), "boom").is_none());
    assert!(!run_dir.join("boom").exists());
    assert_eq!(
        sandbox.output(run.run_id(), "side"),
        serde_json::json!(["side", "branch"])
    );
    assert!(
        !run_dir.join("logs").join("after.log").exists(),
        "{}",
        run.dump()
    );
    let boom_log = read_text(&run_dir.join("logs").join("boom.log"));
    assert!(
        boom_log.contains("ValueError: broken on purpose") && boom_log.contains("boom.py"),
        "boom.log has the traceback:\n{boom_log}"
    );
}

#[test]
fn failing_test_fails_the_block_unless_tests_are_skipped() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("failing_test", &[]);
    run.assert_code(1)
        .assert_stderr_contains("wrong shape")
        .assert_stderr_contains("test_shape");

    let skipped = sandbox.run("failing_test", &["--skip-tests"]);
    skipped.assert_code(0).assert_stdout_contains("completed");
    assert!(
        !skipped.stderr.contains("wrong shape"),
        "the test did not run\n{}",
        skipped.dump()
    );
}

#[test]
fn block_past_its_timeout_is_stopped_and_its_descendant_does_not_run() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("timeout", &[]);
    run.assert_code(1)
        .assert_stderr_contains("block `sleepy` failed");
    let failure = run.stderr_line("block `sleepy` failed");
    assert!(
        run.stderr
            .lines()
            .nth(failure)
            .is_some_and(|line| line.contains("timeout")),
        "the failure mentions the timeout\n{}",
        run.dump()
    );
    assert!(
        run.stderr.contains("after_sleep: cancelled"),
        "{}",
        run.dump()
    );
    let run_dir = sandbox.run_dir("timeout", run.run_id());
    assert!(!run_dir.join("after_sleep").exists(), "{}", run.dump());
    assert!(sandbox.stored_outputs(run.run_id(), "sleepy").is_none());
    assert!(!run_dir.join("sleepy").exists());
    assert!(
        read_text(&run_dir.join("logs").join("sleepy.log")).contains("sleepy: going to sleep"),
        "what the block printed before it was stopped is in its log"
    );
}

#[test]
fn blocks_that_end_their_own_process_fail_and_the_worker_goes_on() {
    let sandbox = Sandbox::fixture("mage09");
    // One block at a time, in file order: witness, kill_self, exit_three, survivor; failures do not stop the others.
    let run = sandbox.run(
        "kills_itself",
        &["--concurrency", "1", "--allow-blocks-to-fail"],
    );
    run.assert_code(1)
        .assert_stderr_contains("block `kill_self` failed")
        .assert_stderr_contains("block `exit_three` failed")
        .assert_stdout_contains("2 block(s) failed");
    let killed = run.stderr_line("block `kill_self` failed");
    assert!(
        run.stderr
            .lines()
            .nth(killed)
            .is_some_and(|line| line.contains("signal 9")),
        "the failure names signal 9\n{}",
        run.dump()
    );
    let exited = run.stderr_line("block `exit_three` failed");
    assert!(
        run.stderr
            .lines()
            .nth(exited)
            .is_some_and(|line| line.contains("sys.exit")),
        "the failure names sys.exit\n{}",
        run.dump()
    );
    assert!(
        run.stderr_line("kill_self: failed") < run.stderr_line("survivor: completed"),
        "survivor ran after kill_self\n{}",
        run.dump()
    );

    let witness = sandbox.output(run.run_id(), "witness");
    let survivor = sandbox.output(run.run_id(), "survivor");
    assert_eq!(survivor["value"], "still here");
    assert_eq!(
        survivor["supervisor_pid"],
        witness["supervisor_pid"],
        "the same warm supervisor ran the blocks before and after the crash\n{}",
        run.dump()
    );
}

#[test]
fn a_failed_block_is_retried_per_its_retry_config() {
    let sandbox = Sandbox::fixture("mage09");
    let run = sandbox.run("retries", &[]);
    run.assert_code(0)
        .assert_stderr_contains("first attempt fails on purpose; retrying")
        .assert_stderr_contains("(attempt 2)");
    let run_dir = sandbox.run_dir("retries", run.run_id());
    assert_eq!(
        sandbox.output(run.run_id(), "flaky"),
        serde_json::json!("second attempt")
    );
    let log = read_text(&run_dir.join("logs").join("flaky.log"));
    assert!(
        log.contains("first attempt fails on purpose"),
        "the failed attempt stays in the log:\n{log}"
    );
}
