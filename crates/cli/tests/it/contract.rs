//! The API contract: schemathesis (a property-based tester, from the test Python) generates requests from
//! `/api/v1/openapi.json` and sends them to the real `wand start` on a copied fixture project; every answer must be
//! documented there (status, content type, headers, body schema) and none may be a 5xx. The seed is fixed and the
//! examples per operation bounded, so a run is reproducible and takes well under a minute. `contract.toml` beside
//! this file feeds it the fixture's real pipeline, block and file names.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, python, repo_root};

#[test]
fn the_api_answers_as_its_openapi_document_says() {
    let sandbox = Sandbox::fixture("mage09");
    // Pipelines whose blocks wait for each other, for a GPU worker or for minutes, or take seconds a run (journaled):
    // executing or queueing them (schemathesis finds their names in the answers) would only wait out the request
    // timeout, here or behind them in the one worker's queue.
    for waits in [
        "journaled",
        "parallel",
        "tagged",
        "sleeper",
        "timeout",
        "ticker",
        "kills_itself",
        "survives_restart",
    ] {
        std::fs::remove_dir_all(sandbox.project.join("pipelines").join(waits))
            .expect("the fixture has this pipeline");
    }
    let server = RunningServer::start(&sandbox, &["--workers", "1"]);
    let python = python();
    let has_schemathesis = Command::new(&python)
        .args(["-c", "import schemathesis"])
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        has_schemathesis,
        "{} has no schemathesis: install crates/runtime/python/requirements-test.txt into it (scripts/test does)",
        python.display()
    );
    let run = finished_run(&server, "multiple_outputs");
    assert_eq!(run, 1, "the configuration's run ids expect this run first");
    let config = repo_root().join("crates/cli/tests/it/contract.toml");
    let started = Instant::now();
    let output = Command::new(&python)
        .args(["-m", "schemathesis.cli", "--config-file"])
        .arg(&config)
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.base))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance,unsupported_method",
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "20261202",
            "--max-examples",
            "30",
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "60",
            "--no-color",
            // Installing requirements.txt runs pip against the package index: a side effect outside the sandbox
            // (and minutes of network), so it is the one operation left out.
            "--exclude-path",
            "/python/install",
        ])
        .current_dir(sandbox.root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .output()
        .expect("schemathesis runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found answers that break the API's contract (after {:?}):\n{report}",
        started.elapsed()
    );
}

/// Runs `pipeline` through the API and waits until the run has ended; returns its id.
fn finished_run(server: &RunningServer, pipeline: &str) -> i64 {
    let (status, created) = server.post(
        &format!("/api/v1/pipelines/{pipeline}/runs"),
        serde_json::json!({}),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let run = server.wait_for_run(id, Duration::from_secs(120), finished);
    assert!(
        matches!(run["status"].as_str(), Some("completed" | "failed")),
        "{run}"
    );
    id
}
