//! Scale-out on PostgreSQL: a server without local workers and separate `wand worker` processes sharing one queue
//! (the database named by `WAND_TEST_DATABASE_URL`'s server; each test gets a fresh database).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, path_str, python};

/// A fresh database on the test PostgreSQL server, as a URL.
fn fresh_database() -> String {
    let url = std::env::var("WAND_TEST_DATABASE_URL").expect(
        "WAND_TEST_DATABASE_URL is not set: run scripts/test, which starts a temporary PostgreSQL",
    );
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
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(sandbox: &Sandbox, database: &str) -> WorkerProcess {
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
                "3",
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
