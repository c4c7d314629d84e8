//! `wand worker`: a process that only runs blocks. It claims queued block runs from the shared database (PostgreSQL
//! for several machines), so several of them, on this machine or others, share one queue with `wand start`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use project::Project;
use tokio::sync::{broadcast, watch};

use crate::config;
use crate::serve::shutdown_signal;
use crate::worker_role::WorkerRole;

#[derive(Debug, clap::Args)]
pub(crate) struct WorkerArgs {
    /// The project folder, if this machine has one. Runs whose code version matches it run there; every other run
    /// runs the version it pinned, fetched from the database into `<data dir>/code`. Without a folder, give
    /// `--python` (or `WAND_PYTHON`) and `--data-dir`.
    project: Option<PathBuf>,
    /// The shared database: postgres://... (or sqlite://PATH for workers on the server's machine).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Run only blocks with one of these `worker_tag`s (comma-separated); add `default` to also run untagged
    /// blocks. Without it, only untagged blocks.
    #[arg(long, value_name = "TAG,...", value_delimiter = ',')]
    tags: Vec<String>,
    /// How many blocks this worker runs at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// How long a claim lasts without a heartbeat (seconds); a killed worker's block runs are retried after it.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    lease_seconds: u64,
    /// The Python interpreter for the blocks (default: $WAND_PYTHON, else the project's .venv if it has one, else
    /// the Python environment wand was pip-installed into, else a new .venv).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// A store every machine reaches, for block outputs when workers run on several machines: file:///shared/path
    /// or s3://bucket/prefix (S3-compatible servers through AWS_ENDPOINT and the other AWS_* variables).
    #[arg(long, value_name = "URL", env = "WAND_OUTPUT_STORE")]
    output_store: Option<String>,
    /// Where outputs and logs go: a folder every worker and the server can read (default: $WAND_DATA_DIR, else
    /// ~/.wand/<project>).
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
}

pub(crate) fn worker(args: WorkerArgs, masks: model::SharedMask) -> anyhow::Result<ExitCode> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(async move {
            let project = args.project.as_deref().map(Project::open).transpose()?;
            let python = config::python(args.python);
            if project.is_none() && python.is_none() && config::installed_python().is_none() {
                anyhow::bail!(
                    "a worker without a project folder cannot build the project's .venv: pass --python PATH or \
                     set WAND_PYTHON to a Python with pandas, pyarrow and the project's requirements (or install \
                     wand with pip into one)"
                );
            }
            let data_dir = config::data_dir(
                args.data_dir,
                project.as_ref().map_or("worker", |project| project.name()),
            )?;
            let (store, database) = config::store(args.database_url, &data_dir).await?;
            let secrets = crate::secrets_cmd::open_vault(store.clone(), &data_dir, masks).await?;
            let outputs = config::output_store(&data_dir, args.output_store.as_deref())?;
            let (notices, _) = broadcast::channel(1024);
            let (logs, _) = broadcast::channel(1024);
            let (stop, stopped) = watch::channel(false);
            let concurrency = args.concurrency.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(usize::from)
                    .unwrap_or(2)
            });
            let role = WorkerRole {
                store,
                notices,
                logs,
                project: project.clone(),
                data_dir,
                outputs,
                tags: args.tags,
                python,
                concurrency: concurrency.max(1),
                lease: Duration::from_secs(args.lease_seconds.max(1)),
                sensor_interval: config::sensor_interval()?,
                launcher: None,
                secrets,
                name: "wand-worker",
            };
            match &project {
                Some(project) => println!(
                    "Wand worker for project `{}` on {database}, {concurrency} slot(s)",
                    project.name()
                ),
                None => println!(
                    "Wand worker on {database}, {concurrency} slot(s), running the code each run pinned"
                ),
            }
            let running = tokio::spawn(role.run(stopped));
            shutdown_signal().await;
            let _ = stop.send(true);
            let _ = running.await;
            Ok(ExitCode::SUCCESS)
        })
}
