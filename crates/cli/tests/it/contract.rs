//! The API contract: schemathesis (a property-based tester, from the test Python) generates requests from
//! `/api/v1/openapi.json` and sends them to the real `wand start` on a copied fixture project; every answer must be
//! documented there (status, content type, headers, body schema) and none may be a 5xx. The seed is fixed and the
//! examples per operation bounded, so a run is reproducible and takes well under a minute. `contract.toml` beside
//! this file feeds it the fixture's real pipeline, block and file names.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Changes, Sandbox, path_str, python, repo_root};

/// A `wand start` on a free loopback port; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `wand start <project> --port 0 ...` and waits for the line that says where it serves.
    fn start(sandbox: &Sandbox) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wand"))
            .args([
                "start",
                path_str(&sandbox.project),
                "--port",
                "0",
                "--data-dir",
                path_str(&sandbox.data_dir),
                "--workers",
                "1",
            ])
            .current_dir(sandbox.root())
            .env("WAND_PYTHON", python())
            .env_remove("WAND_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("wand start runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let line = received
            .recv_timeout(Duration::from_secs(60))
            .expect("wand start prints where it serves");
        let base = line
            .split(" on ")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .trim()
            .to_owned();
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    let server = Server::start(&sandbox);
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
    let changes = Changes::watch(sandbox.root(), None);
    let run = finished_run(&server, &changes, "multiple_outputs");
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
             response_headers_conformance,response_schema_conformance",
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
fn finished_run(server: &Server, changes: &Changes, pipeline: &str) -> i64 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let created: Value = agent
        .post(format!("{}/api/v1/pipelines/{pipeline}/runs", server.base))
        .send_json(serde_json::json!({}))
        .expect("POST answers")
        .body_mut()
        .read_json()
        .expect("a run");
    let id = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no run: {created}"));
    changes.until(
        Duration::from_secs(120),
        &format!("run {id} of {pipeline} did not end"),
        || {
            let run: Value = agent
                .get(format!("{}/api/v1/runs/{id}", server.base))
                .call()
                .map_err(|error| error.to_string())?
                .body_mut()
                .read_json()
                .map_err(|error| error.to_string())?;
            match run["status"].as_str() {
                Some("completed" | "failed") => Ok(id),
                _ => Err(run.to_string()),
            }
        },
    )
}
