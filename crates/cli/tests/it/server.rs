//! `wand start` as a user runs it: the real binary serving a copied fixture project, driven over HTTP on a free
//! loopback port; including a kill -9 in the middle of a run and a restart.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{
    Changes, Sandbox, is_running, path_str, python, read_json, read_text, wait_for_exit,
};

/// A `wand start` process; killed when dropped.
pub(crate) struct RunningServer {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    pub(crate) agent: ureq::Agent,
    /// Wakes waits on this server's work (files under the sandbox, its PostgreSQL database's announcements).
    changes: Changes,
}

impl RunningServer {
    /// Starts `wand start <project> --port 0 ...` and waits for its "serving" line.
    pub(crate) fn start(sandbox: &Sandbox, extra: &[&str]) -> RunningServer {
        RunningServer::start_with_env(sandbox, extra, &[])
    }

    /// `start`, with more environment variables for the server.
    pub(crate) fn start_with_env(
        sandbox: &Sandbox,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> RunningServer {
        RunningServer::start_logging(sandbox, extra, env, Stdio::null())
    }

    /// `start_with_env`, with the server's standard error (its own log) going to `stderr`.
    pub(crate) fn start_logging(
        sandbox: &Sandbox,
        extra: &[&str],
        env: &[(&str, &str)],
        stderr: Stdio,
    ) -> RunningServer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wand"))
            .args([
                "start",
                path_str(&sandbox.project),
                "--port",
                "0",
                "--data-dir",
                path_str(&sandbox.data_dir),
            ])
            .args(extra)
            .current_dir(sandbox.root())
            .env("WAND_PYTHON", python())
            .env_remove("WAND_DATA_DIR")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(stderr)
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
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let database = extra
            .iter()
            .position(|arg| *arg == "--database-url")
            .and_then(|at| extra.get(at + 1).copied());
        RunningServer {
            child,
            base,
            agent,
            changes: Changes::watch(sandbox.root(), database),
        }
    }

    pub(crate) fn get(&self, path: &str) -> (u16, Value) {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .expect("GET answers");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_json().unwrap_or(Value::Null),
        )
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.base))
            .send_json(&body)
            .expect("POST answers");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_json().unwrap_or(Value::Null),
        )
    }

    /// Polls the run until `done` holds for it, for at most `limit`.
    pub(crate) fn wait_for_run(
        &self,
        run_id: i64,
        limit: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        self.until(
            limit,
            &format!("run {run_id} did not get there in time"),
            || {
                let (_, run) = self.get(&format!("/api/v1/runs/{run_id}"));
                if done(&run) {
                    Ok(run)
                } else {
                    Err(run.to_string())
                }
            },
        )
    }

    /// Checks `check` now and whenever something changes, until it gives a value or `limit` has passed.
    pub(crate) fn until<T>(
        &self,
        limit: Duration,
        what: &str,
        check: impl FnMut() -> Result<T, String>,
    ) -> T {
        self.changes.until(limit, what, check)
    }

    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) fn finished(run: &Value) -> bool {
    matches!(
        run["status"].as_str(),
        Some("completed" | "failed" | "cancelled")
    )
}

#[test]
fn an_api_trigger_runs_the_pipeline_and_the_api_serves_its_block_runs_and_logs() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let (status, health) = server.get("/api/v1/health");
    assert_eq!((status, health["status"].clone()), (200, json!("ok")));
    let (status, trigger) = server.post(
        "/api/v1/pipelines/variables/triggers",
        json!({"name": "hook", "schedule_type": "api"}),
    );
    assert_eq!(status, 201, "{trigger}");
    let out = sandbox.path("report.json");
    let (status, created) = server.post(
        trigger["api_url"].as_str().unwrap(),
        json!({"pipeline_run": {"variables": {
            "out": path_str(&out),
            "echo_out": path_str(&sandbox.path("echo.json")),
            "c": "from the API",
        }}}),
    );
    assert_eq!(status, 200, "{created}");
    let run_id = created["pipeline_run"]["id"].as_i64().unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(run["status"], json!("completed"), "{run}\n{block_runs}");
    assert_eq!(read_json(&out)["variables"]["c"], json!("from the API"));
    for block_run in block_runs.as_array().unwrap() {
        assert_eq!(block_run["status"], json!("completed"), "{block_run}");
        assert!(block_run["duration_seconds"].as_f64().is_some());
    }
    let (_, log) = server.get(&format!("/api/v1/runs/{run_id}/logs/report"));
    let lines: Vec<&str> = log["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert!(lines.contains(&"report: printed to stdout"), "{log}");
}

#[test]
fn start_creates_a_missing_project_and_refuses_no_auth_off_loopback() {
    let sandbox = Sandbox::empty();
    let refused = sandbox.wand(&[
        "start",
        path_str(&sandbox.project),
        "--host",
        "0.0.0.0",
        "--no-auth",
    ]);
    refused
        .assert_code(2)
        .assert_stderr_contains("refusing --no-auth on 0.0.0.0");
    assert!(
        !sandbox.project.exists(),
        "nothing is created when the server refuses to start"
    );
    let server = RunningServer::start(&sandbox, &["--workers", "0"]);
    assert!(sandbox.project.join("metadata.yaml").is_file());
    let (_, pipelines) = server.get("/api/v1/pipelines");
    assert_eq!(pipelines[0]["uuid"], json!("example_pipeline"));
}

#[test]
fn a_server_killed_mid_run_recovers_the_run_after_the_lease_and_never_runs_a_block_twice_at_once() {
    let sandbox = Sandbox::fixture("mage09");
    let lease = ["--lease-seconds", "2"];
    let mut first = RunningServer::start(&sandbox, &lease);
    let (_, run) = first.post("/api/v1/pipelines/survives_restart/runs", json!({}));
    let run_id = run["id"].as_i64().unwrap();
    let marker = sandbox.project.join("resumable.first_attempt");
    first.until(
        Duration::from_secs(60),
        "the first attempt never started",
        || {
            marker
                .exists()
                .then_some(())
                .ok_or_else(|| "no marker file".to_owned())
        },
    );
    first.kill();

    let second = RunningServer::start(&sandbox, &lease);
    let run = second.wait_for_run(run_id, Duration::from_secs(60), finished);
    assert_eq!(run["status"], json!("completed"), "{run}");
    let (_, block_runs) = second.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(
        block_runs[0]["attempt"],
        json!(2),
        "the lost attempt counts: {block_runs}"
    );
    // The side-effect journal: the first attempt started and never ended; the second started after it and ended.
    let journal = read_text(&sandbox.project.join("resumable.journal"));
    let events: Vec<(&str, &str)> = journal
        .lines()
        .map(|line| {
            let mut parts = line.split(' ');
            (parts.next().unwrap(), parts.next().unwrap())
        })
        .collect();
    assert_eq!(events.len(), 3, "{journal}");
    assert_eq!(
        (events[0].0, events[1].0, events[2].0),
        ("start", "start", "end"),
        "{journal}"
    );
    assert_ne!(events[0].1, events[1].1, "the retry is a new process");
    assert_eq!(events[1].1, events[2].1);
    let first_pid: i32 = events[0].1.parse().unwrap();
    assert!(
        !is_running(first_pid),
        "the first attempt's process died with its server"
    );
}

#[test]
fn cancelling_a_run_stops_its_sleeping_block_and_the_processes_it_started() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let (_, run) = server.post("/api/v1/pipelines/sleeper/runs", json!({}));
    let run_id = run["id"].as_i64().unwrap();
    let pids_file = sandbox.project.join("sleeper.pids");
    let pids = server.until(
        Duration::from_secs(60),
        "the sleeping block never started",
        || read_pids(&pids_file).ok_or_else(|| "no pids file".to_owned()),
    );
    let (status, cancelled) = server.post(&format!("/api/v1/runs/{run_id}/cancel"), json!({}));
    assert_eq!(
        (status, cancelled["status"].clone()),
        (200, json!("cancelled")),
        "{cancelled}"
    );
    wait_for_exit(
        &pids,
        Duration::from_secs(1),
        "the block's processes outlived the cancel by a second",
    );
    server.until(
        Duration::from_secs(10),
        "the block run is recorded cancelled",
        || {
            let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
            (block_runs[0]["status"] == json!("cancelled"))
                .then_some(())
                .ok_or_else(|| block_runs.to_string())
        },
    );
    let (status, again) = server.post(&format!("/api/v1/runs/{run_id}/cancel"), json!({}));
    assert_eq!(
        (status, again["error"]["code"].clone()),
        (409, json!("invalid_transition"))
    );
}

#[test]
fn a_failed_run_is_retried_whole_or_from_a_block() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let (_, run) = server.post("/api/v1/pipelines/raises/runs", json!({}));
    let run_id = run["id"].as_i64().unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(60), finished);
    assert_eq!(run["status"], json!("failed"));
    let attempts = || -> Vec<(String, String, i64)> {
        let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
        block_runs
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["block_uuid"].as_str().unwrap().to_owned(),
                    b["status"].as_str().unwrap().to_owned(),
                    b["attempt"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let before = attempts();

    let (status, _) = server.post(&format!("/api/v1/runs/{run_id}/retry"), json!({}));
    assert_eq!(status, 200);
    server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let after_retry = attempts();
    let attempt_of =
        |rows: &[(String, String, i64)], block: &str| rows.iter().find(|r| r.0 == block).unwrap().2;
    assert_eq!(
        attempt_of(&after_retry, "ok"),
        attempt_of(&before, "ok"),
        "completed blocks keep their run"
    );
    assert_eq!(
        attempt_of(&after_retry, "boom"),
        attempt_of(&before, "boom") + 1,
        "the failed block runs again"
    );

    let (status, _) = server.post(
        &format!("/api/v1/runs/{run_id}/retry"),
        json!({"from_block": "ok"}),
    );
    assert_eq!(status, 200);
    server.wait_for_run(run_id, Duration::from_secs(60), finished);
    let after_from = attempts();
    assert_eq!(
        attempt_of(&after_from, "ok"),
        attempt_of(&before, "ok") + 1,
        "the chosen block runs again"
    );
    assert_eq!(
        attempt_of(&after_from, "boom"),
        attempt_of(&after_retry, "boom") + 1,
        "and its descendants"
    );
    assert_eq!(
        attempt_of(&after_from, "side"),
        attempt_of(&before, "side"),
        "other branches do not"
    );

    let (status, error) = server.post(
        &format!("/api/v1/runs/{run_id}/retry"),
        json!({"from_block": "ghost"}),
    );
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (422, json!("invalid_input")),
        "{error}"
    );
}

fn read_pids(path: &std::path::Path) -> Option<Vec<i32>> {
    let text = std::fs::read_to_string(path).ok()?;
    let pids: Vec<i32> = text
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect();
    (pids.len() == 2).then_some(pids)
}

#[test]
fn triggers_yaml_edits_show_up_in_the_api_and_api_edits_in_the_file() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &["--workers", "0"]);
    let file = sandbox.project.join("pipelines/variables/triggers.yaml");
    std::fs::write(
        &file,
        "triggers:\n- name: from_yaml\n  schedule_interval: '@daily'\n  status: active\n",
    )
    .unwrap();
    let trigger = server.until(
        Duration::from_secs(10),
        "the trigger from triggers.yaml never appeared",
        || {
            let (_, triggers) = server.get("/api/v1/pipelines/variables/triggers");
            let found = triggers
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == json!("from_yaml"))
                .cloned();
            found.ok_or_else(|| triggers.to_string())
        },
    );
    assert_eq!(trigger["schedule_interval"], json!("@daily"));
    let id = trigger["id"].as_i64().unwrap();
    let mut response = server
        .agent
        .put(format!("{}/api/v1/triggers/{id}", server.base))
        .send_json(
            json!({"name": "from_yaml", "schedule_interval": "0 6 * * 1", "status": "active"}),
        )
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{:?}",
        response.body_mut().read_to_string()
    );
    let text = read_text(&file);
    assert!(
        text.contains("0 6 * * 1"),
        "the API's change is written to triggers.yaml:\n{text}"
    );
    std::fs::write(&file, "triggers: []\n").unwrap();
    server.until(
        Duration::from_secs(10),
        "the trigger removed from triggers.yaml stayed",
        || {
            let (status, trigger) = server.get(&format!("/api/v1/triggers/{id}"));
            (status == 404)
                .then_some(())
                .ok_or_else(|| trigger.to_string())
        },
    );
}

#[test]
fn a_block_log_streams_live_and_ends_with_the_block_status() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let (_, run) = server.post("/api/v1/pipelines/ticker/runs", json!({}));
    let run_id = run["id"].as_i64().unwrap();
    let response = server
        .agent
        .get(format!(
            "{}/api/v1/runs/{run_id}/logs/ticker/stream",
            server.base
        ))
        .call()
        .expect("the stream opens");
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let reader = BufReader::new(response.into_body().into_reader());
    let mut events = Vec::new();
    let mut name = String::new();
    for line in reader.lines() {
        let line = line.unwrap();
        if let Some(event) = line.strip_prefix("event: ") {
            name = event.to_owned();
        } else if let Some(data) = line.strip_prefix("data: ") {
            let data: Value = serde_json::from_str(data).unwrap();
            events.push((name.clone(), data));
            if name == "end" {
                break;
            }
        }
    }
    let texts: Vec<&str> = events
        .iter()
        .filter(|(n, _)| n == "line")
        .map(|(_, d)| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["tick 0", "tick 1", "tick 2", "tick 3", "done ticking"],
        "{events:?}"
    );
    let indexes: Vec<i64> = events
        .iter()
        .filter(|(n, _)| n == "line")
        .map(|(_, d)| d["index"].as_i64().unwrap())
        .collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4]);
    assert_eq!(
        events.last().unwrap(),
        &("end".to_owned(), json!({"status": "completed"}))
    );
    assert_eq!(events[4].1["stream"], json!("stderr"));
}

#[test]
fn executing_a_block_from_the_editor_returns_its_output_preview() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let (status, execution) = server.post(
        "/api/v1/pipelines/multiple_outputs/blocks/frame_and_dict/execute",
        json!({}),
    );
    assert_eq!(status, 200, "{execution}");
    assert_eq!(execution["run"]["status"], json!("completed"));
    let outputs = execution["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 2, "a tuple gives two outputs: {execution}");
    let table = &outputs[0]["table"];
    let columns: Vec<(&str, &str)> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["data_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(columns[0], ("x", "Int64"));
    assert!(
        columns[1].0 == "name" && ["Utf8", "LargeUtf8", "Utf8View"].contains(&columns[1].1),
        "a text column (pandas versions differ in Arrow string types): {columns:?}"
    );
    assert_eq!(table["rows"][2], json!(["3", "three"]));
    assert_eq!(table["total_rows"], json!(3));
    assert_eq!(outputs[1]["value"], json!({"k": 1}));
    let (_, again) = server.get(&format!(
        "/api/v1/runs/{}/outputs/frame_and_dict",
        execution["run"]["id"]
    ));
    assert_eq!(again.as_array().unwrap().len(), 2);
    // With its upstream blocks: the chain runs and the child's output comes back.
    let (status, chained) = server.post(
        "/api/v1/pipelines/multiple_outputs/blocks/check/execute",
        json!({"with_upstream": true, "variables": {"out": path_str(&sandbox.path("check.json"))}}),
    );
    assert_eq!(status, 200, "{chained}");
    assert_eq!(
        chained["block_runs"].as_array().unwrap().len(),
        5,
        "{chained}"
    );
}

#[test]
fn a_pipeline_built_through_the_api_runs_from_run_now_and_from_the_mage_url() {
    let sandbox = Sandbox::empty();
    let server = RunningServer::start(&sandbox, &[]);
    let (status, _) = server.post("/api/v1/pipelines", json!({"name": "numbers"}));
    assert_eq!(status, 201);
    let blocks = "/api/v1/pipelines/numbers/blocks";
    for (name, kind, upstream) in [
        ("make", "data_loader", vec![]),
        ("double", "transformer", vec!["make"]),
    ] {
        let (status, body) = server.post(
            blocks,
            json!({"name": name, "type": kind, "upstream_blocks": upstream}),
        );
        assert_eq!(status, 201, "{body}");
    }
    let code = [
        (
            "make",
            "@data_loader\ndef make(*args, **kwargs):\n    return [1, 2, 3]\n",
        ),
        (
            "double",
            "@transformer\ndef double(numbers, *args, **kwargs):\n    print('doubling', numbers)\n    return [n * 2 for n in numbers]\n",
        ),
    ];
    for (block, source) in code {
        let (_, current) = server.get(&format!("{blocks}/{block}/code"));
        let mut response = server
            .agent
            .put(format!("{}{blocks}/{block}/code", server.base))
            .send_json(json!({"content": source, "version": current["version"]}))
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            200,
            "{:?}",
            response.body_mut().read_to_string()
        );
    }
    let (_, trigger) = server.post(
        "/api/v1/pipelines/numbers/triggers",
        json!({"name": "on demand", "schedule_type": "api", "status": "active"}),
    );
    let (status, run) = server.post(
        &format!("/api/v1/triggers/{}/runs", trigger["id"]),
        json!({}),
    );
    assert_eq!(status, 201, "{run}");
    let first = server.wait_for_run(
        run["id"].as_i64().unwrap(),
        Duration::from_secs(60),
        finished,
    );
    assert_eq!(first["status"], json!("completed"), "{first}");
    let (_, created) = server.post(trigger["api_url"].as_str().unwrap(), json!({}));
    let second_id = created["pipeline_run"]["id"].as_i64().unwrap();
    let second = server.wait_for_run(second_id, Duration::from_secs(60), finished);
    assert_eq!(second["status"], json!("completed"));
    let (_, outputs) = server.get(&format!("/api/v1/runs/{second_id}/outputs/double"));
    assert_eq!(outputs[0]["value"], json!([2, 4, 6]));
    let (_, log) = server.get(&format!("/api/v1/runs/{second_id}/logs/double"));
    assert_eq!(log["lines"][0]["text"], json!("doubling [1, 2, 3]"));
    let yaml = read_text(&sandbox.project.join("pipelines/numbers/triggers.yaml"));
    assert!(
        yaml.contains("name: on demand") && yaml.contains("schedule_type: api"),
        "{yaml}"
    );
}

#[test]
fn the_terminal_runs_a_shell_in_the_project_folder() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &["--workers", "0"]);
    let url = format!(
        "{}/api/v1/terminal",
        server.base.replacen("http://", "ws://", 1)
    );
    let (mut socket, _) = tungstenite::connect(url).expect("the terminal accepts a WebSocket");
    let command = json!({"type": "input", "data": "echo ok-$((40+2)) && pwd\n"}).to_string();
    socket.send(tungstenite::Message::text(command)).unwrap();
    socket
        .send(tungstenite::Message::text(
            json!({"type": "resize", "cols": 100, "rows": 30}).to_string(),
        ))
        .unwrap();
    let mut seen = String::new();
    // The shell computes 42: the echo of the typed line alone cannot produce `ok-42`.
    while !(seen.contains("ok-42") && seen.contains(path_str(&sandbox.project))) {
        match socket.read().expect("the terminal answers") {
            tungstenite::Message::Binary(bytes) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            tungstenite::Message::Close(_) => panic!("the terminal closed early: {seen}"),
            _ => {}
        }
    }
    socket
        .send(tungstenite::Message::text(
            json!({"type": "input", "data": "exit\n"}).to_string(),
        ))
        .unwrap();
    loop {
        match socket.read() {
            Ok(tungstenite::Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

/// Issue 9, finding 1: any web page could open the terminal's WebSocket. A foreign `Origin` and a rebinding `Host`
/// are refused before a shell starts (the shell here leaves a mark when it starts); the server's own page gets one.
#[test]
fn the_terminal_refuses_other_sites_without_starting_a_shell() {
    use tungstenite::client::IntoClientRequest;

    let sandbox = Sandbox::fixture("mage09");
    let mark = sandbox.path("shell-started");
    let shell = sandbox.path("marking-shell.sh");
    std::fs::write(
        &shell,
        format!(
            "#!/bin/sh\ntouch '{}'\nexec /bin/sh \"$@\"\n",
            path_str(&mark)
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shell, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let server = RunningServer::start_with_env(
        &sandbox,
        &["--workers", "0"],
        &[("SHELL", path_str(&shell))],
    );
    let url = format!(
        "{}/api/v1/terminal",
        server.base.replacen("http://", "ws://", 1)
    );
    let request = |header: &str, value: &str| {
        let mut request = url.as_str().into_client_request().unwrap();
        request.headers_mut().insert(
            header.parse::<tungstenite::http::HeaderName>().unwrap(),
            value.parse().unwrap(),
        );
        request
    };
    for (header, value) in [
        ("origin", "http://evil.example"),
        ("origin", "null"),
        ("host", "evil.example:6789"),
    ] {
        match tungstenite::connect(request(header, value)) {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{header}: {value}")
            }
            Ok(_) => panic!("the terminal opened for {header}: {value}"),
            Err(error) => panic!("unexpected error for {header}: {value}: {error}"),
        }
    }
    assert!(!mark.exists(), "a refused connection started a shell");

    let (mut socket, _) = tungstenite::connect(request("origin", &server.base))
        .expect("the server's own page opens the terminal");
    server
        .changes
        .until(Duration::from_secs(30), "the shell starts", || {
            if mark.exists() {
                Ok(())
            } else {
                Err("no mark yet".to_owned())
            }
        });
    let _ = socket.close(None);
}

/// Issue 10, point 6: `kwargs['trigger_name']` was always `None`; Mage passes the name of the run's trigger.
#[test]
fn a_triggered_run_tells_its_blocks_the_trigger_name() {
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start(&sandbox, &[]);
    let out = sandbox.path("report.json");
    let echo_out = sandbox.path("echo.json");
    let (status, trigger) = server.post(
        "/api/v1/pipelines/variables/triggers",
        json!({"name": "nightly report", "schedule_type": "api", "status": "active",
               "variables": {"out": path_str(&out), "echo_out": path_str(&echo_out)}}),
    );
    assert_eq!(status, 201, "{trigger}");
    let (status, run) = server.post(
        &format!("/api/v1/triggers/{}/runs", trigger["id"]),
        json!({}),
    );
    assert_eq!(status, 201, "{run}");
    let run = server.wait_for_run(
        run["id"].as_i64().unwrap(),
        Duration::from_secs(60),
        finished,
    );
    assert_eq!(run["status"], json!("completed"), "{run}");
    assert_eq!(
        read_json(&out)["values"]["trigger_name"],
        json!("nightly report")
    );
}

#[test]
fn requirements_are_installed_from_the_settings_page_with_live_output() {
    let sandbox = Sandbox::fixture("mage09");
    std::fs::write(sandbox.project.join("requirements.txt"), "pyyaml\n").unwrap();
    let server = RunningServer::start(&sandbox, &["--workers", "0"]);
    let response = server
        .agent
        .post(format!("{}/api/v1/python/install", server.base))
        .send_json(json!({}))
        .expect("the install starts");
    let mut lines = Vec::new();
    let mut end = Value::Null;
    for line in BufReader::new(response.into_body().into_reader()).lines() {
        let line = line.unwrap();
        if let Some(data) = line.strip_prefix("data: ") {
            match serde_json::from_str::<Value>(data) {
                Ok(value) if value.get("ok").is_some() => {
                    end = value;
                    break;
                }
                _ => lines.push(data.to_owned()),
            }
        }
    }
    assert_eq!(end["ok"], json!(true), "{end} after {lines:?}");
    assert!(
        lines.iter().any(|l| l.to_lowercase().contains("pyyaml")),
        "the installer's output streams: {lines:?}"
    );
    let (_, python) = server.get("/api/v1/python");
    assert!(
        python["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p[0].as_str().unwrap().eq_ignore_ascii_case("pyyaml"))
    );
}
