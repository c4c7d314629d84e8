//! The worker role as the binary runs it: prepare the project's Python (in the background, so a server answers at
//! once), then claim and execute block runs until told to stop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use project::Project;
use runtime::Supervisor;
use tokio::sync::{broadcast, watch};
use worker::Worker;

use crate::config;

/// A worker with what it needs to start: in `wand start`'s process, or alone in `wand worker`.
pub(crate) struct WorkerRole {
    pub(crate) store: Arc<dyn storage::Store>,
    pub(crate) notices: broadcast::Sender<model::Notice>,
    pub(crate) logs: broadcast::Sender<model::LogEvent>,
    /// The worker's copy of the project; without one, it runs the code versions runs pinned, from the database.
    pub(crate) project: Option<Project>,
    pub(crate) data_dir: PathBuf,
    pub(crate) outputs: runtime::OutputStore,
    pub(crate) tags: Vec<String>,
    pub(crate) python: Option<PathBuf>,
    pub(crate) concurrency: usize,
    pub(crate) lease: Duration,
    /// How long a sensor whose check did not hold waits for its next check.
    pub(crate) sensor_interval: Duration,
    /// The scheduler of this process, through which blocks start other pipelines' runs (none in `wand worker`).
    pub(crate) launcher: Option<Arc<dyn worker::RunLauncher>>,
    /// The project's secrets, which blocks read and their logs hide.
    pub(crate) secrets: Arc<storage::Vault>,
    /// Names the worker in leases: `wand-start`, `wand-worker`.
    pub(crate) name: &'static str,
}

impl WorkerRole {
    /// Prepares the Python environment, then claims block runs until `stopped`; stops its Python at the end.
    pub(crate) async fn run(self, stopped: watch::Receiver<bool>) {
        let root = self
            .project
            .as_ref()
            .map(|project| project.root().to_owned());
        let python = match start_python(root.as_deref(), &self.data_dir, self.python).await {
            Ok(python) => python,
            Err(error) => {
                eprintln!(
                    "error: no block can run, the project's Python environment is not usable: {error:#}"
                );
                return;
            }
        };
        let mut worker = Worker::new(
            self.store,
            python.clone(),
            self.notices,
            self.logs,
            worker::WorkerConfig {
                id: format!(
                    "{}-{}-{}",
                    self.name,
                    std::process::id(),
                    chrono::Utc::now().timestamp_millis()
                ),
                project_root: root,
                data_dir: self.data_dir,
                outputs: self.outputs,
                tags: self.tags,
                concurrency: self.concurrency,
                lease: self.lease,
                poll: Duration::from_millis(500),
                // The scheduler of this process announces every block run it queues.
                queue_announced: self.launcher.is_some(),
                run_tests: true,
                sensor_interval: self.sensor_interval,
                env: config::block_env("prod"),
            },
        );
        worker = worker.with_secrets(self.secrets);
        if let Some(launcher) = self.launcher {
            worker = worker.with_launcher(launcher);
        }
        Arc::new(worker).run(stopped).await;
        python.shutdown().await;
    }
}

/// The project's Python, ready with a warm supervisor; the environment is built on first start.
async fn start_python(
    project_root: Option<&std::path::Path>,
    data_dir: &std::path::Path,
    explicit: Option<PathBuf>,
) -> anyhow::Result<Arc<Supervisor>> {
    let environment = config::environment(project_root.unwrap_or(data_dir), explicit);

    let python = tokio::task::spawn_blocking(move || {
        runtime::ensure_python(&environment, &mut |line| eprintln!("  {line}"))
    })
    .await??;
    let supervisor = Arc::new(Supervisor::new(runtime::SupervisorConfig {
        python,
        package_dir: runtime::install_package(data_dir)?,
        working_dir: std::env::current_dir()?,
        user_python_path: config::user_python_path(),
    }));
    let warming = supervisor.clone();
    tokio::spawn(async move {
        if let Err(error) = warming.warm_up().await {
            tracing::error!(%error, "the Python supervisor did not start");
        }
    });
    Ok(supervisor)
}
