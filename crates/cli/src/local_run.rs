//! `wand run`: runs one pipeline now and waits for it (like `mage run`). It creates the run, then drives it with
//! the same scheduler and workers as the server, in this process, showing each block's progress.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use model::{BlockRunStatus, Notice, RunSettings, RunStatus};
use project::{Project, ProjectError, Severity};
use runtime::Supervisor;
use scheduler::{RunRequest, Scheduler, SystemClock};
use serde_json::{Map, Value};
use storage::RunStore;
use tokio::sync::{broadcast, watch};
use worker::Worker;

use crate::config;
use crate::display::Display;
use crate::launcher::SchedulerLauncher;

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// The project folder.
    project: PathBuf,
    /// The pipeline's uuid (its folder under pipelines/).
    pipeline: String,
    /// Variables for this run as a JSON object; they override the pipeline's `variables`.
    #[arg(long, value_name = "JSON")]
    runtime_vars: Option<String>,
    /// Run only this block, with its upstream outputs from the latest run that has them.
    #[arg(long, value_name = "UUID")]
    block_uuid: Option<String>,
    /// Accepted for compatibility with `mage run`: Wand runs each block's @test functions on every run.
    #[arg(long)]
    test: bool,
    /// Keep starting blocks that do not depend on a failed block (Mage's trigger setting of that name);
    /// by default a failure stops new blocks from starting, as in `mage run`.
    #[arg(long)]
    allow_blocks_to_fail: bool,
    /// Stop the run after this many seconds (Mage's trigger setting `timeout`); its running blocks are stopped and
    /// the rest cancelled.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// What a run stopped by `--timeout` becomes (Mage's trigger setting `timeout_status`): `failed`, or
    /// `cancelled`, which also runs the `@callback('cancelled')` functions of its cancelled blocks, as Mage does.
    #[arg(long, value_name = "STATUS", requires = "timeout", value_parser = ["failed", "cancelled"])]
    timeout_status: Option<String>,
    /// Do not run the blocks' @test functions.
    #[arg(long, conflicts_with = "test")]
    skip_tests: bool,
    /// The Python interpreter for the blocks (default: $WAND_PYTHON, else the project's .venv if it has one, else
    /// the Python environment wand was pip-installed into, else a new .venv).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// How many blocks may run at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Where run history, outputs and logs go (default: $WAND_DATA_DIR, else ~/.wand/<project>).
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
    /// The run history's database: sqlite://PATH or postgres://... (default: $WAND_DATABASE_URL, else SQLite in
    /// the data folder).
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

pub(crate) fn run(args: RunArgs, masks: model::SharedMask) -> anyhow::Result<ExitCode> {
    // One thread: a run's own work (reading and recording its block runs, relaying their output) is a chain of short
    // steps, each waiting on the last; a second worker thread only adds hand-overs between threads (per block in a
    // chain of 100, 0.05–0.13 ms of ~2.4; bench/RESULTS.md, "Issue 17, eighth session"). SQLite's connection and
    // blocking file work keep threads of their own.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run_async(args, masks))
}

async fn run_async(args: RunArgs, masks: model::SharedMask) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let project = Project::open(&args.project)?;
    let loaded = project.load_pipeline(&args.pipeline).map_err(explain)?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let pipeline = loaded.pipeline;
    let runtime_vars = parse_runtime_vars(args.runtime_vars.as_deref())?;
    let data_dir = config::data_dir(args.data_dir, project.name())?;

    let environment = config::environment(project.root(), args.python);
    let python = tokio::task::spawn_blocking(move || {
        runtime::ensure_python(&environment, &mut |line| eprintln!("  {line}"))
    })
    .await??;
    let python = Arc::new(Supervisor::new(runtime::SupervisorConfig {
        python,
        package_dir: runtime::install_package(&data_dir)?,
        working_dir: std::env::current_dir()?,
        user_python_path: config::user_python_path(),
    }));
    // Import pandas in the Python supervisor while the run history is opened and the run is recorded.
    let warming = python.clone();
    let warm = tokio::spawn(async move { warming.warm_up().await });

    let (store, _) = config::store(args.database_url, &data_dir).await?;
    let secrets = crate::secrets_cmd::open_vault(store.clone(), &data_dir, masks).await?;
    let only = match &args.block_uuid {
        Some(uuid) => Some(vec![
            check_single_block(store.as_ref(), &pipeline, uuid).await?,
        ]),
        None => None,
    };
    if let Some(timeout) = args.timeout
        && !(timeout.is_finite() && timeout > 0.0)
    {
        bail!("--timeout must be a number of seconds above 0, not {timeout}");
    }
    let settings = RunSettings {
        allow_blocks_to_fail: args.allow_blocks_to_fail,
        timeout: args.timeout,
        timeout_status: match args.timeout_status.as_deref() {
            Some("cancelled") => model::TimeoutStatus::Cancelled,
            _ => model::TimeoutStatus::Failed,
        },
        ..RunSettings::default()
    };
    warm.await?.context("the Python supervisor did not start")?;

    let (notices, mut watch_notices) = broadcast::channel(4096);
    // `wand run` shows logs when a block fails, from the files; nobody streams them live.
    let (logs, _) = broadcast::channel(16);
    let (stop, stopped) = watch::channel(false);
    let scheduler = Arc::new(
        Scheduler::new(
            store.clone(),
            notices.clone(),
            Arc::new(SystemClock),
            project.clone(),
        )
        .with_notifications(config::notify_settings(6789))
        .without_always_on(),
    );
    let concurrency = args
        .concurrency
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(2)
        .max(1);
    let launcher = Arc::new(SchedulerLauncher::new(scheduler.clone()));
    let worker = Arc::new(
        Worker::new(
            store.clone(),
            python.clone(),
            notices.clone(),
            logs.clone(),
            worker::WorkerConfig {
                id: format!("wand-run-{}", std::process::id()),
                project_root: Some(project.root().to_owned()),
                data_dir: data_dir.clone(),
                outputs: runtime::OutputStore::local(&data_dir),
                // `wand run` runs every block of its run, tagged or not.
                tags: all_tags(&pipeline),
                concurrency,
                lease: Duration::from_secs(30),
                poll: Duration::from_millis(500),
                queue_announced: true,
                run_tests: !args.skip_tests,
                sensor_interval: config::sensor_interval()?,
                env: config::block_env("dev"),
            },
        )
        .with_launcher(launcher.clone())
        .with_secrets(secrets),
    );
    let run = scheduler
        .create_run(RunRequest {
            only_blocks: only,
            settings,
            ..RunRequest::manual(pipeline.uuid.clone(), runtime_vars, Utc::now())
        })
        .await?;
    let block_uuids: Vec<String> = store
        .block_runs(run.id)
        .await?
        .into_iter()
        .map(|b| b.block_uuid)
        .collect();
    let display = Display::new(&block_uuids);
    // A streaming pipeline runs until it is stopped: SIGTERM or Ctrl-C cancels its run, and its process finishes
    // the batch in hand, stores and acknowledges it, and closes.
    let stop_stream = is_streaming(&pipeline).then(|| {
        let (scheduler, run_id) = (scheduler.clone(), run.id);
        tokio::spawn(async move {
            crate::serve::shutdown_signal().await;
            eprintln!("stopping: the batch in hand is stored and acknowledged first");
            // A task of its own: the run ends before its blocks are stopped, and the waiting task is aborted then;
            // the cancel must go on to stop the source's process.
            tokio::spawn(async move {
                if let Err(error) = scheduler.cancel_run(run_id).await {
                    eprintln!("the stream could not be stopped: {error}");
                }
            });
        })
    });
    let roles = [
        tokio::spawn(scheduler.run(stopped.clone(), Duration::from_secs(1))),
        tokio::spawn(worker.run(stopped)),
    ];
    let status = follow(run.id, &mut watch_notices, store.as_ref(), Some(&display)).await?;
    if let Some(task) = stop_stream {
        task.abort();
    }
    settle(run.id, &mut watch_notices, store.as_ref(), &display).await?;
    // Runs its blocks started (`trigger_pipeline`) end before `wand run` does, so none is left half done.
    let mut waited = 0;
    while let Some(&started) = launcher.launched().get(waited) {
        waited += 1;
        if let Some(run) = store.run(started).await?
            && !run.status.is_finished()
        {
            eprintln!(
                "waiting for run {started} of `{}`, started by a block",
                run.pipeline_uuid
            );
            follow(started, &mut watch_notices, store.as_ref(), None).await?;
        }
    }
    let _ = stop.send(true);
    for role in roles {
        role.await?;
    }
    // The run's notifications go out before `wand run` exits, each tried once; one that fails stays pending in the
    // database, for `wand start` to try again.
    let notifier = notifier::Notifier::new(
        store.clone(),
        project.clone(),
        config::notify_settings(6789),
    );
    if let Err(error) = notifier.send_due().await {
        eprintln!("notifications were not sent: {error}");
    }
    python.shutdown().await;
    display.clear();
    report(
        store.as_ref(),
        run.id,
        &pipeline.uuid,
        status,
        started,
        &data_dir,
    )
    .await
}

/// Shows the run's notices (on `display`, if any) until the run is over, and returns how it ended.
async fn follow(
    run_id: i64,
    notices: &mut broadcast::Receiver<Notice>,
    store: &dyn RunStore,
    display: Option<&Display>,
) -> anyhow::Result<RunStatus> {
    loop {
        match notices.recv().await {
            Ok(Notice::Run { run_id: id, status }) if id == run_id && status.is_finished() => {
                return Ok(status);
            }
            Ok(Notice::BlockRun {
                run_id: id,
                block_uuid,
                status,
                detail,
            }) if id == run_id => {
                if let Some(display) = display {
                    display.status(&block_uuid, status, &detail);
                }
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => {
                if let Some(run) = store.run(run_id).await?
                    && run.status.is_finished()
                {
                    return Ok(run.status);
                }
            }
            Err(broadcast::error::RecvError::Closed) => {
                bail!("the scheduler stopped before the run finished")
            }
        }
    }
}

/// Waits, once the run ended, for what still follows it: blocks being stopped (a cancel or a timeout reaches a
/// running block's process a moment later) and the `cancelled` callbacks that a cancelled run's block runs are due
/// (run by the worker, as Mage runs them after the run). Notices show their ends as they come; once nothing is open,
/// every end the display missed (a notice sent before this look, or lost to a lagging bus) is shown from the store.
async fn settle(
    run_id: i64,
    notices: &mut broadcast::Receiver<Notice>,
    store: &dyn RunStore,
    display: &Display,
) -> anyhow::Result<()> {
    loop {
        let block_runs = store.block_runs(run_id).await?;
        let open = block_runs.iter().any(|block_run| {
            block_run.status == BlockRunStatus::Running || block_run.cancelled_callbacks.is_open()
        });
        if !open {
            display.catch_up(&block_runs);
            return Ok(());
        }
        match tokio::time::timeout(Duration::from_secs(1), notices.recv()).await {
            Ok(Ok(Notice::BlockRun {
                run_id: id,
                block_uuid,
                status,
                detail,
            })) if id == run_id => display.status(&block_uuid, status, &detail),
            Ok(Err(broadcast::error::RecvError::Closed)) => {
                bail!("the scheduler stopped before the run's blocks were stopped")
            }
            _ => {}
        }
    }
}

/// Prints the failed blocks with their logs, and where everything went; the exit code follows the run.
async fn report(
    store: &dyn RunStore,
    run_id: i64,
    pipeline: &str,
    status: RunStatus,
    started: Instant,
    data_dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let block_runs = store.block_runs(run_id).await?;
    let failed: Vec<_> = block_runs
        .iter()
        .filter(|b| b.status == BlockRunStatus::Failed)
        .collect();
    for block_run in &failed {
        let error = block_run.error.as_deref().unwrap_or("failed");
        let summary = error.lines().next().unwrap_or(error);
        eprintln!("\n── block `{}` failed: {summary}", block_run.block_uuid);
        if let Some(path) = &block_run.log_path {
            eprintln!("{}", log_tail(path, 60).join("\n"));
            eprintln!("   log: {path}");
        }
    }
    for block_run in &block_runs {
        if block_run.status == BlockRunStatus::Cancelled
            && let Some(error) = &block_run.error
        {
            eprintln!("\n── block `{}` cancelled: {error}", block_run.block_uuid);
            if let Some(path) = &block_run.log_path {
                eprintln!("   log: {path}");
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    if status == RunStatus::Completed {
        println!("Pipeline run {run_id} of `{pipeline}` completed in {elapsed:.2}s.");
    } else {
        println!(
            "Pipeline run {run_id} of `{pipeline}` {} in {elapsed:.2}s: {} block(s) failed.",
            status.as_str(),
            failed.len()
        );
    }
    let run_dir = data_dir
        .join("runs")
        .join(pipeline)
        .join(run_id.to_string());
    println!("Outputs and logs: {}", run_dir.display());
    Ok(if status == RunStatus::Completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The text of the last `count` lines of a block log (each stored as `<time> <stream> <text>`).
fn log_tail(path: &str, count: usize) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..]
        .iter()
        .map(|line| runtime::parse_log_line(line).2.to_owned())
        .collect()
}

/// For `--block-uuid`: the block exists and every parent has an output from an earlier run.
async fn check_single_block(
    store: &dyn RunStore,
    pipeline: &model::Pipeline,
    uuid: &str,
) -> anyhow::Result<String> {
    let Some(block) = pipeline.dag.get(uuid) else {
        let known: Vec<&str> = pipeline
            .dag
            .blocks()
            .iter()
            .map(|b| b.uuid.as_str())
            .collect();
        bail!(
            "block `{uuid}` is not in pipeline `{}`; blocks: {}",
            pipeline.uuid,
            known.join(", ")
        );
    };
    for parent in &block.upstream {
        if store
            .latest_outputs(&pipeline.uuid, parent)
            .await?
            .is_none()
        {
            bail!(
                "block `{uuid}` needs the output of upstream block `{parent}`, which no earlier run has; run the whole pipeline first"
            );
        }
    }
    Ok(uuid.to_owned())
}

fn parse_runtime_vars(text: Option<&str>) -> anyhow::Result<Map<String, Value>> {
    let Some(text) = text else {
        return Ok(Map::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => bail!(
            "--runtime-vars must be a JSON object like '{{\"name\": \"value\"}}', not {other}"
        ),
        Err(error) => bail!(
            "--runtime-vars is not valid JSON ({error}); pass an object like '{{\"name\": \"value\"}}'"
        ),
    }
}

/// Project errors as the user should read them: all diagnostics, one per line.
fn explain(error: ProjectError) -> anyhow::Error {
    match error {
        ProjectError::Invalid(diagnostics) => {
            let count = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
            let lines: Vec<String> = diagnostics
                .iter()
                .map(|d| match d.severity {
                    Severity::Error => format!("  {d}"),
                    Severity::Warning => format!("  warning: {d}"),
                })
                .collect();
            anyhow::anyhow!(
                "the pipeline is not valid ({count} problem(s)):\n{}",
                lines.join("\n")
            )
        }
        other => other.into(),
    }
}

/// Every worker tag of the pipeline's blocks, and `default` for the untagged ones: `wand run` runs them all.
/// A streaming pipeline (Mage's `type: streaming`), recognised by its YAML source (see
/// `PipelineDefinition::streaming_source`).
fn is_streaming(pipeline: &model::Pipeline) -> bool {
    pipeline.dag.blocks().iter().any(|block| {
        block.block_type == model::BlockType::DataLoader && block.language == model::Language::Yaml
    })
}

fn all_tags(pipeline: &model::Pipeline) -> Vec<String> {
    let mut tags: Vec<String> = pipeline
        .dag
        .blocks()
        .iter()
        .filter_map(|block| block.worker_tag.clone())
        .collect();
    tags.push("default".to_owned());
    tags
}
