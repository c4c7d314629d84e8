//! Retention with the real binary: runs older than the project's periods (their records backdated rather than
//! waited for) lose their outputs and logs from the disk to `wand clean-cached-variables`, `wand clean-old-logs`
//! and the cleanup `wand start` runs at start, stay listed, and their outputs answer that they were pruned.

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::server::RunningServer;
use crate::support::{Sandbox, path_str, python};

const PIPELINE: &str = "parallel";

/// Sets a run's creation and end back by `days`, as if it had run then.
fn backdate(sandbox: &Sandbox, run_id: i64, days: i64) {
    let script = "import sqlite3, sys\n\
        db = sqlite3.connect(sys.argv[1])\n\
        stamp = lambda column: f\"strftime('%Y-%m-%dT%H:%M:%fZ', {column}, '-{sys.argv[3]} days')\"\n\
        db.execute(f\"UPDATE pipeline_runs SET created_at = {stamp('created_at')}, \
            completed_at = {stamp('completed_at')} WHERE id = ?\", (int(sys.argv[2]),))\n\
        db.commit()\n";
    let status = Command::new(python())
        .args([
            "-c",
            script,
            path_str(&sandbox.data_dir.join("wand.db")),
            &run_id.to_string(),
            &days.to_string(),
        ])
        .status()
        .expect("python runs");
    assert!(status.success());
}

fn clean(sandbox: &Sandbox, command: &str, extra: &[&str]) -> String {
    let mut args = vec![
        command,
        path_str(&sandbox.project),
        "--data-dir",
        path_str(&sandbox.data_dir),
    ];
    args.extend_from_slice(extra);
    let outcome = sandbox.wand(&args);
    outcome.assert_code(0);
    outcome.stdout.clone()
}

#[test]
fn old_runs_lose_their_outputs_and_logs_and_stay_listed() {
    let sandbox = Sandbox::fixture("mage09");
    let old = sandbox.run(PIPELINE, &[]).assert_code(0).run_id();
    let newest = sandbox.run(PIPELINE, &[]).assert_code(0).run_id();
    let old_dir = sandbox.run_dir(PIPELINE, old);
    // The blocks' outputs are small strings, kept in their block runs' records (the server's retention tests
    // cover output files).
    let kept =
        |run_id| sandbox.stored_outputs(run_id, "meet_left").unwrap().outputs[0].inline_value();
    assert_eq!(kept(old), Some(serde_json::json!("left met right")));
    assert!(old_dir.join("logs").exists());

    // The project keeps outputs 90 days and logs 15 (its metadata.yaml): nothing is that old yet.
    let nothing = clean(&sandbox, "clean-old-logs", &[]);
    assert!(
        nothing.starts_with(
            "Removed the logs of 0 run(s) of every pipeline that ended more than 15d ago: 0 file(s)"
        ),
        "{nothing}"
    );
    let none_yet = clean(&sandbox, "clean-cached-variables", &[]);
    assert!(
        none_yet.starts_with(
            "Removed the outputs of 0 run(s) of every pipeline that ended more than 90d ago"
        ),
        "{none_yet}"
    );

    backdate(&sandbox, old, 100);
    backdate(&sandbox, newest, 100);
    let removed = clean(&sandbox, "clean-cached-variables", &[]);
    assert!(
        removed.starts_with("Removed the outputs of 1 run(s) of every pipeline that ended more than 90d ago: 0 file(s)"),
        "{removed}"
    );
    assert_eq!(kept(old), None, "the old run's values are gone");
    assert!(old_dir.join("logs").exists(), "logs have their own period");
    assert_eq!(
        kept(newest),
        Some(serde_json::json!("left met right")),
        "the newest completed run of a pipeline keeps its outputs"
    );

    let logs = clean(
        &sandbox,
        "clean-old-logs",
        &["--pipeline-uuid", PIPELINE, "--retention-period", "7d"],
    );
    assert!(
        logs.starts_with(&format!(
            "Removed the logs of 2 run(s) of pipeline `{PIPELINE}` that ended more than 7d ago: 4 file(s)"
        )),
        "{logs}"
    );
    assert!(!old_dir.exists());
    let invalid = sandbox.wand(&[
        "clean-old-logs",
        path_str(&sandbox.project),
        "--retention-period",
        "soon",
    ]);
    invalid.assert_code(2);

    let server = RunningServer::start(&sandbox, &[]);
    let (_, page) = server.get(&format!("/api/v1/runs?pipeline={PIPELINE}"));
    let ids: Vec<i64> = page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![newest, old], "the runs stay listed");
    let (status, answer) = server.get(&format!("/api/v1/runs/{old}/outputs/meet_left"));
    assert_eq!(status, 410, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("the block outputs of run {old} were pruned on "))
            && message.ends_with("by the retention period (90d); the run record stays"),
        "{message}"
    );
    let (status, answer) = server.get(&format!("/api/v1/runs/{old}/logs/meet_left"));
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (410, json!("pruned"))
    );
    let (status, run) = server.get(&format!("/api/v1/runs/{old}"));
    assert_eq!((status, run["logs_pruned_by"].clone()), (200, json!("7d")));
}

#[test]
fn wand_start_cleans_up_at_start() {
    let sandbox = Sandbox::fixture("mage09");
    let old = sandbox.run(PIPELINE, &[]).assert_code(0).run_id();
    let newest = sandbox.run(PIPELINE, &[]).assert_code(0).run_id();
    backdate(&sandbox, old, 100);
    let old_dir = sandbox.run_dir(PIPELINE, old);

    let server = RunningServer::start(&sandbox, &[]);
    // 100 days is past both periods of the project (outputs 90d, logs 15d).
    let run = server.wait_for_run(old, Duration::from_secs(60), |run| {
        run["outputs_pruned_at"].is_string() && run["logs_pruned_at"].is_string()
    });
    assert_eq!(
        (
            run["outputs_pruned_by"].clone(),
            run["logs_pruned_by"].clone()
        ),
        (json!("90d"), json!("15d"))
    );
    assert!(!old_dir.exists());
    let (_, newest_run) = server.get(&format!("/api/v1/runs/{newest}"));
    assert_eq!(
        (
            newest_run["outputs_pruned_at"].clone(),
            newest_run["logs_pruned_at"].clone()
        ),
        (json!(null), json!(null))
    );
    let (status, usage) = server.get("/api/v1/disk_usage");
    assert_eq!(status, 200);
    assert_eq!(usage["outputs_retention"], json!("90d"));
    assert_eq!(usage["pipelines"][0]["pipeline_uuid"], json!(PIPELINE));
    assert_eq!(usage["pipelines"][0]["runs"], json!(1));
}
