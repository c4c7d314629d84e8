//! Scale-out on PostgreSQL: a server without local workers and separate `wand worker` processes sharing one queue
//! (the database named by `WAND_TEST_DATABASE_URL`'s server; each test gets a fresh database).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::server::{RunningServer, finished};
use crate::support::{
    Sandbox, descends_from, is_running, path_str, python, test_database_url, wait_for_exit,
};

/// A fresh database on the test PostgreSQL server, as a URL.
pub(crate) fn fresh_database() -> String {
    let url = test_database_url();
    let name = format!("wand_e2e_{}", uuid::Uuid::new_v4().simple());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let admin = storage::PgStore::connect_admin(&url)
            .await
            .expect("the test PostgreSQL answers");
        admin.create_database(&name).await.expect("a test database");
    });
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// A `wand worker` process; killed when dropped.
pub(crate) struct WorkerProcess(Child);

impl WorkerProcess {
    pub(crate) fn start(sandbox: &Sandbox, database: &str) -> WorkerProcess {
        let child = Command::new(env!("CARGO_BIN_EXE_wand"))
            .args([
                "worker",
                path_str(&sandbox.project),
                "--database-url",
                database,
                "--concurrency",
                "2",
            ])
            .args([
                "--data-dir",
                path_str(&sandbox.data_dir),
                "--lease-seconds",
                "5",
            ])
            .current_dir(sandbox.root())
            .env("WAND_PYTHON", python())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("wand worker runs");
        WorkerProcess(child)
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn separate_worker_processes_run_the_servers_runs_from_postgresql() {
    let sandbox = Sandbox::fixture("mage09");
    let database = fresh_database();
    let server = RunningServer::start(&sandbox, &["--workers", "0", "--database-url", &database]);
    let (_, project) = server.get("/api/v1/project");
    assert!(
        project["database"]
            .as_str()
            .unwrap()
            .starts_with("postgres://"),
        "{project}"
    );
    let _workers = [
        WorkerProcess::start(&sandbox, &database),
        WorkerProcess::start(&sandbox, &database),
    ];
    let runs: Vec<i64> = (0..3)
        .map(|_| {
            let (status, run) = server.post(
                "/api/v1/pipelines/multiple_outputs/runs",
                json!({"variables": {
                    "out": path_str(&sandbox.path("check.json"))
                }}),
            );
            assert_eq!(status, 201, "{run}");
            run["id"].as_i64().unwrap()
        })
        .collect();
    for run_id in runs {
        let run = server.wait_for_run(run_id, Duration::from_secs(120), finished);
        let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
        assert_eq!(run["status"], json!("completed"), "{run}\n{block_runs}");
        assert!(
            block_runs
                .as_array()
                .unwrap()
                .iter()
                .all(|b| b["attempt"] == json!(1)),
            "{block_runs}"
        );
    }
}

/// A PostgreSQL server of the test's own (initdb in a temporary folder, a free loopback port), so the test can
/// restart it without disturbing other tests.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            Command::new("chown")
                .args(["-R", "postgres", path_str(dir.path())])
                .status()
                .unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = PrivatePostgres { dir, port };
        server.pg(&format!(
            "{}/initdb -D {} -U postgres --auth=trust -E UTF8",
            bin(),
            server.data()
        ));
        server.ctl("start");
        server
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        format!("{}/data", path_str(self.dir.path()))
    }

    /// `pg_ctl <action>`, waiting until it is done.
    fn ctl(&self, action: &str) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            path_str(self.dir.path())
        );
        let log = format!("{}/log", path_str(self.dir.path()));
        self.pg(&format!(
            "{}/pg_ctl -D {} -l {log} -w -m fast -o '{options}' {action}",
            bin(),
            self.data()
        ));
    }

    fn pg(&self, command: &str) {
        let status = if is_root() {
            Command::new("su")
                .args(["postgres", "-s", "/bin/sh", "-c", command])
                .stdout(Stdio::null())
                .status()
        } else {
            Command::new("sh")
                .args(["-c", command])
                .stdout(Stdio::null())
                .status()
        };
        assert!(status.unwrap().success(), "`{command}` failed");
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let command = format!("{}/pg_ctl -D {} -m immediate stop", bin(), self.data());
        let _ = if is_root() {
            Command::new("su")
                .args(["postgres", "-s", "/bin/sh", "-c", &command])
                .stdout(Stdio::null())
                .status()
        } else {
            Command::new("sh")
                .args(["-c", &command])
                .stdout(Stdio::null())
                .status()
        };
    }
}

fn bin() -> String {
    std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".to_owned())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Counts journal lines of a kind (`start`, `end`, `overlap`).
fn journal(sandbox: &Sandbox) -> Vec<(String, String)> {
    std::fs::read_to_string(sandbox.project.join("journal/journal.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
        })
        .collect()
}

/// The processes of blocks that wrote a `held` line (see `journal/hold`).
fn held_pids(sandbox: &Sandbox) -> Vec<i32> {
    std::fs::read_to_string(sandbox.project.join("journal/journal.log"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.strip_prefix("held "))
        .filter_map(|rest| rest.split(' ').nth(1)?.parse().ok())
        .collect()
}

fn wait_for_starts(server: &RunningServer, sandbox: &Sandbox, count: usize) {
    server.until(
        Duration::from_secs(180),
        &format!("fewer than {count} block starts"),
        || {
            let starts = journal(sandbox)
                .iter()
                .filter(|(kind, _)| kind == "start")
                .count();
            (starts >= count)
                .then_some(())
                .ok_or_else(|| format!("{starts} starts"))
        },
    );
}

#[test]
fn three_workers_finish_300_block_runs_exactly_once_despite_a_killed_worker_and_a_database_restart()
{
    let postgres = PrivatePostgres::start();
    let sandbox = Sandbox::fixture("mage09");
    let lease = ["--lease-seconds", "5"];
    let server = RunningServer::start(
        &sandbox,
        &[
            "--workers",
            "0",
            "--database-url",
            &postgres.url(),
            lease[0],
            lease[1],
        ],
    );
    let mut workers: Vec<WorkerProcess> = (0..3)
        .map(|_| WorkerProcess::start(&sandbox, &postgres.url()))
        .collect();
    let runs: Vec<i64> = (0..30)
        .map(|_| {
            server.post("/api/v1/pipelines/journaled/runs", json!({})).1["id"]
                .as_i64()
                .unwrap()
        })
        .collect();

    wait_for_starts(&server, &sandbox, 40);
    // Hold every block mid-run, and kill the victim once both its slots hold one: it is then surely inside blocks,
    // never between a block's end and the record of it (which would rightly run that block again).
    let hold = sandbox.project.join("journal/hold");
    std::fs::write(&hold, "").unwrap();
    let victim = workers.remove(0);
    let victim_pid = i32::try_from(victim.0.id()).expect("a pid");
    let victims_blocks = server.until(
        Duration::from_secs(60),
        "both slots of the victim worker hold a block",
        || {
            let held: Vec<i32> = held_pids(&sandbox)
                .into_iter()
                .filter(|pid| is_running(*pid) && descends_from(*pid, victim_pid))
                .collect();
            (held.len() == 2)
                .then(|| held.clone())
                .ok_or_else(|| format!("held: {held:?}"))
        },
    );
    drop(victim); // SIGKILL, mid-block: its claims expire after the lease and go to the others.
    wait_for_exit(
        &victims_blocks,
        Duration::from_secs(30),
        "the killed worker's block processes end with it",
    );
    std::fs::remove_file(&hold).unwrap();
    wait_for_starts(&server, &sandbox, 120);
    postgres.ctl("restart");

    for run_id in &runs {
        let run = server.wait_for_run(*run_id, Duration::from_secs(300), finished);
        assert_eq!(run["status"], json!("completed"), "run {run_id}: {run}");
    }
    assert!(
        !sandbox.data_dir.join("code").exists(),
        "workers that share the project folder run the code in place"
    );
    let lines = journal(&sandbox);
    let overlaps: Vec<_> = lines.iter().filter(|(kind, _)| kind == "overlap").collect();
    assert!(
        overlaps.is_empty(),
        "a block ran twice at the same time: {overlaps:?}"
    );
    let mut ends: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, key) in lines.iter().filter(|(kind, _)| kind == "end") {
        *ends.entry(key.as_str()).or_default() += 1;
    }
    let missing: Vec<String> = runs
        .iter()
        .flat_map(|run| {
            std::iter::once("root".to_owned())
                .chain((1..10).map(|leaf| format!("leaf_{leaf}")))
                .map(move |block| format!("{run}:{block}"))
        })
        .filter(|key| !ends.contains_key(key.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "every block run of the 30 runs ended in the journal; missing: {missing:?}"
    );
    assert!(
        ends.values().all(|count| *count == 1),
        "each completed exactly once: {ends:?}"
    );
    let starts = lines.iter().filter(|(kind, _)| kind == "start").count();
    assert!(starts >= 300, "{starts} starts");
}

/// A `wand worker` of "another machine": no project folder, its own data folder and working directory.
fn remote_worker(folder: &std::path::Path, database: &str, extra: &[&str]) -> WorkerProcess {
    std::fs::create_dir_all(folder).unwrap();
    WorkerProcess(
        Command::new(env!("CARGO_BIN_EXE_wand"))
            .args(["worker", "--database-url", database, "--concurrency", "1"])
            .args(["--data-dir", path_str(&folder.join("data"))])
            .args(extra)
            .current_dir(folder)
            .env("WAND_PYTHON", python())
            .env_remove("WAND_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("wand worker runs"),
    )
}

#[test]
fn outputs_reach_workers_on_other_machines_through_the_shared_output_store() {
    let sandbox = Sandbox::fixture("mage09");
    // An output too big to keep in the block run's record (wand_runtime.outputs.INLINE_MAX_BYTES): a file, which
    // travels through the shared store.
    let report = sandbox.project.join("data_loaders/report_kwargs.py");
    let code = std::fs::read_to_string(&report).unwrap();
    let padded = "return {'c': kwargs['c'], 'padding': 'x' * 5000}";
    std::fs::write(&report, code.replace("return {'c': kwargs['c']}", padded)).unwrap();
    let database = fresh_database();
    let shared = format!("file://{}", path_str(&sandbox.path("shared-store")));
    std::fs::create_dir_all(sandbox.path("shared-store")).unwrap();
    let server = RunningServer::start(
        &sandbox,
        &[
            "--workers",
            "0",
            "--database-url",
            &database,
            "--output-store",
            &shared,
        ],
    );
    let first_machine = sandbox.path("machine-a");
    let worker = remote_worker(&first_machine, &database, &["--output-store", &shared]);
    let (status, run) = server.post(
        "/api/v1/pipelines/variables/runs",
        json!({"variables": {
            "out": path_str(&sandbox.path("report.json")),
            "echo_out": path_str(&sandbox.path("echo.json")),
        }}),
    );
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let run = server.wait_for_run(run_id, Duration::from_secs(120), finished);
    assert_eq!(run["status"], json!("completed"), "{run}");
    // The first machine goes away with everything it wrote.
    drop(worker);
    std::fs::remove_dir_all(&first_machine).unwrap();
    std::fs::remove_file(sandbox.path("echo.json")).unwrap();

    let second_machine = sandbox.path("machine-b");
    let _worker = remote_worker(&second_machine, &database, &["--output-store", &shared]);
    let (status, retried) = server.post(
        &format!("/api/v1/runs/{run_id}/retry"),
        json!({"from_block": "echo"}),
    );
    assert_eq!(status, 200, "{retried}");
    let run = server.wait_for_run(run_id, Duration::from_secs(120), |run| {
        finished(run) && run["completed_at"] != retried["completed_at"]
    });
    let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
    assert_eq!(run["status"], json!("completed"), "{run}\n{block_runs}");
    let echoed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sandbox.path("echo.json")).unwrap()).unwrap();
    assert_eq!(
        (
            &echoed["received"]["c"],
            echoed["received"]["padding"].as_str().map(str::len)
        ),
        (&json!("pipeline"), Some(5000)),
        "echo got report's output"
    );
    assert!(
        second_machine
            .join(format!("data/runs/variables/{run_id}/report/output_0.json"))
            .exists(),
        "the second machine fetched the output into its own data folder"
    );
    // The server shows logs and previews outputs that other machines wrote.
    let (_, log) = server.get(&format!("/api/v1/runs/{run_id}/logs/report"));
    assert!(
        log.to_string().contains("report: printed to stdout"),
        "the first machine's log: {log}"
    );
    let (status, outputs) = server.get(&format!("/api/v1/runs/{run_id}/outputs/report"));
    assert_eq!(status, 200, "{outputs}");
    assert_eq!(outputs[0]["value"]["c"], json!("pipeline"), "{outputs}");
}

#[test]
fn a_worker_without_the_project_runs_the_code_version_each_run_pinned() {
    let sandbox = Sandbox::fixture("mage09");
    let database = fresh_database();
    let server = RunningServer::start(&sandbox, &["--workers", "0", "--database-url", &database]);
    let run = |out: &str| {
        let (status, run) = server.post(
            "/api/v1/pipelines/variables/runs",
            json!({"variables": {
                "out": path_str(&sandbox.path("report.json")),
                "echo_out": path_str(&sandbox.path(out)),
            }}),
        );
        assert_eq!(status, 201, "{run}");
        run["id"].as_i64().unwrap()
    };
    let before = run("before.json");
    // The block changes after its run was created: that run still runs the code it pinned.
    let echo = sandbox.project.join("transformers/echo.py");
    let code = std::fs::read_to_string(&echo).unwrap();
    std::fs::write(&echo, code.replace("'c': kwargs['c']", "'c': 'edited'")).unwrap();
    let after = run("after.json");

    let elsewhere = sandbox.path("other-machine");
    let _worker = remote_worker(&elsewhere, &database, &[]);
    for run_id in [before, after] {
        let run = server.wait_for_run(run_id, Duration::from_secs(120), finished);
        let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
        assert_eq!(run["status"], json!("completed"), "{run}\n{block_runs}");
    }
    let echoed = |out: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(sandbox.path(out)).unwrap()).unwrap()
    };
    assert_eq!(
        echoed("before.json")["c"],
        json!("pipeline"),
        "the pinned version ran"
    );
    assert_eq!(echoed("after.json")["c"], json!("edited"));
    let versions = std::fs::read_dir(elsewhere.join("data/code"))
        .unwrap()
        .count();
    assert_eq!(
        versions, 2,
        "each version is unpacked once into the worker's cache"
    );
}

#[test]
fn tagged_blocks_wait_for_a_worker_with_their_tag() {
    let sandbox = Sandbox::fixture("mage09");
    // The blocks print, so each leaves a log file where it ran (a silent block leaves none).
    let loader = sandbox.project.join("data_loaders/ok.py");
    let code = std::fs::read_to_string(&loader).unwrap();
    let loud = "print('ran here')\n    return {'fine': True}";
    std::fs::write(&loader, code.replace("return {'fine': True}", loud)).unwrap();
    let database = fresh_database();
    let server = RunningServer::start(&sandbox, &["--workers", "0", "--database-url", &database]);
    let untagged_machine = sandbox.path("cpu-machine");
    let _untagged = remote_worker(&untagged_machine, &database, &[]);
    let (status, run) = server.post("/api/v1/pipelines/tagged/runs", json!({}));
    assert_eq!(status, 201, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let block_status = |block: &str| {
        let (_, block_runs) = server.get(&format!("/api/v1/runs/{run_id}/block_runs"));
        block_runs
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["block_uuid"] == block)
            .map(|b| b["status"].clone())
            .unwrap()
    };
    server.until(
        Duration::from_secs(120),
        "the untagged block runs on the untagged worker",
        || {
            let status = block_status("anywhere");
            (status == json!("completed"))
                .then_some(())
                .ok_or_else(|| status.to_string())
        },
    );
    assert_eq!(
        block_status("on_gpu"),
        json!("queued"),
        "no worker has its tag yet"
    );

    let gpu_machine = sandbox.path("gpu-machine");
    let _gpu = remote_worker(&gpu_machine, &database, &["--tags", "gpu"]);
    let run = server.wait_for_run(run_id, Duration::from_secs(120), finished);
    assert_eq!(run["status"], json!("completed"), "{run}");
    let ran_on = |machine: &std::path::Path, block: &str| {
        machine
            .join(format!("data/runs/tagged/{run_id}/logs/{block}.log"))
            .exists()
    };
    assert!(ran_on(&gpu_machine, "on_gpu") && !ran_on(&untagged_machine, "on_gpu"));
    assert!(ran_on(&untagged_machine, "anywhere") && !ran_on(&gpu_machine, "anywhere"));

    // `wand run` runs every block itself, tagged or not.
    sandbox.run("tagged", &[]).assert_code(0);
}
