//! `wand run`: runs one pipeline now, in this process, recording every status change in the run history,
//! with independent blocks in parallel. (The server's scheduler and workers take this job over for triggers.)

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use model::{Block, BlockRunEvent, BlockRunStatus, Pipeline, RunEvent, merge_variables};
use project::{Project, ProjectError};
use runtime::{BlockOutcome, BlockRequest, PythonWorkers, WorkerConfig};
use serde_json::{Map, Value};
use storage::{BlockRunChange, NewRun, RunFilter, RunStore, SqliteStore};
use tokio::task::JoinSet;

use crate::config;
use crate::display::{BlockLog, Display};

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
    /// Do not run the blocks' @test functions.
    #[arg(long, conflicts_with = "test")]
    skip_tests: bool,
    /// The Python interpreter for the blocks (default: $WAND_PYTHON, else the project's .venv).
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// How many blocks may run at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Where run history, outputs and logs go (default: $WAND_DATA_DIR, else ~/.wand/<project>).
    #[arg(long, value_name = "PATH")]
    data_dir: Option<PathBuf>,
}

pub(crate) fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(run_async(args))
}

async fn run_async(args: RunArgs) -> anyhow::Result<ExitCode> {
    let project = Project::open(&args.project)?;
    let loaded = project.load_pipeline(&args.pipeline).map_err(explain)?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let pipeline = loaded.pipeline;
    let runtime_vars = parse_runtime_vars(args.runtime_vars.as_deref())?;
    let data_dir = config::data_dir(args.data_dir, project.name())?;
    let store: Arc<dyn RunStore> = Arc::new(SqliteStore::open(&data_dir.join("wand.db")).await?);

    let selected: Vec<&Block> = match &args.block_uuid {
        Some(uuid) => vec![pipeline.dag.get(uuid).with_context(|| {
            let known: Vec<&str> = pipeline
                .dag
                .blocks()
                .iter()
                .map(|b| b.uuid.as_str())
                .collect();
            format!(
                "block `{uuid}` is not in pipeline `{}`; blocks: {}",
                pipeline.uuid,
                known.join(", ")
            )
        })?],
        None => pipeline.dag.blocks().iter().collect(),
    };
    let earlier_outputs = match &args.block_uuid {
        Some(uuid) => latest_upstream_outputs(store.as_ref(), &pipeline, uuid).await?,
        None => HashMap::new(),
    };

    let display = Display::new(&selected.iter().map(|b| b.uuid.clone()).collect::<Vec<_>>());
    let environment = config::environment(project.root(), args.python);
    let python = tokio::task::spawn_blocking(move || {
        runtime::ensure_python(&environment, &mut |line| eprintln!("  {line}"))
    })
    .await??;
    let package_dir = runtime::install_package(&data_dir)?;
    let workers = Arc::new(PythonWorkers::new(WorkerConfig {
        python,
        package_dir,
        working_dir: std::env::current_dir()?,
    }));

    let variables = merge_variables([&pipeline.variables, &runtime_vars]);
    let run = store
        .create_run(NewRun {
            pipeline_uuid: pipeline.uuid.clone(),
            trigger_id: None,
            variables: runtime_vars.clone(),
            definition: Value::Array(
                selected
                    .iter()
                    .map(|b| serde_json::to_value(b).unwrap_or_default())
                    .collect(),
            ),
            execution_date: Utc::now(),
            block_uuids: selected.iter().map(|b| b.uuid.clone()).collect(),
        })
        .await?;
    store.change_run(run.id, RunEvent::Start).await?;
    let run_dir = data_dir
        .join("runs")
        .join(&pipeline.uuid)
        .join(run.id.to_string());
    let context = RunContext {
        project: project.clone(),
        data_dir: data_dir.clone(),
        run_dir: run_dir.clone(),
        run_id: run.id,
        execution_date: run.execution_date,
        variables,
        run_tests: !args.skip_tests,
        workers: workers.clone(),
    };
    let concurrency = args
        .concurrency
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(2)
        .max(1);
    let started = Instant::now();
    let report = execute_dag(
        &context,
        &pipeline,
        &selected,
        earlier_outputs,
        store.as_ref(),
        &display,
        concurrency,
    )
    .await?;
    workers.shutdown().await;
    display.clear();

    let succeeded = report.failures.is_empty();
    store
        .change_run(
            run.id,
            if succeeded {
                RunEvent::Complete
            } else {
                RunEvent::Fail
            },
        )
        .await?;
    apply_effects(&project, &pipeline.uuid, &report.effects)?;
    for failure in &report.failures {
        eprintln!("\n── block `{}` failed: {}", failure.block, failure.error);
        if !failure.log_tail.is_empty() {
            eprintln!("{}", failure.log_tail.join("\n"));
        }
        eprintln!("   log: {}", failure.log_path.display());
    }
    let elapsed = started.elapsed().as_secs_f64();
    if succeeded {
        println!(
            "Pipeline run {} of `{}` completed in {elapsed:.2}s.",
            run.id, pipeline.uuid
        );
    } else {
        println!(
            "Pipeline run {} of `{}` failed in {elapsed:.2}s: {} block(s) failed.",
            run.id,
            pipeline.uuid,
            report.failures.len()
        );
    }
    println!("Outputs and logs: {}", run_dir.display());
    Ok(if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What every block of one run shares.
struct RunContext {
    project: Project,
    data_dir: PathBuf,
    run_dir: PathBuf,
    run_id: i64,
    execution_date: chrono::DateTime<Utc>,
    variables: Map<String, Value>,
    run_tests: bool,
    workers: Arc<PythonWorkers>,
}

struct Failure {
    block: String,
    error: String,
    log_tail: Vec<String>,
    log_path: PathBuf,
}

#[derive(Default)]
struct Report {
    failures: Vec<Failure>,
    effects: Vec<Value>,
}

/// Runs the selected blocks in dependency order, at most `concurrency` at once; a failed block's
/// descendants become `upstream_failed`, and independent branches go on.
async fn execute_dag(
    context: &RunContext,
    pipeline: &Pipeline,
    selected: &[&Block],
    mut outputs: HashMap<String, Value>,
    store: &dyn RunStore,
    display: &Display,
    concurrency: usize,
) -> anyhow::Result<Report> {
    let in_run: HashSet<&str> = selected.iter().map(|b| b.uuid.as_str()).collect();
    let mut status: HashMap<&str, BlockRunStatus> = selected
        .iter()
        .map(|b| (b.uuid.as_str(), BlockRunStatus::Initial))
        .collect();
    let mut report = Report::default();
    let mut running = JoinSet::new();
    loop {
        let ready: Vec<&Block> = selected
            .iter()
            .copied()
            .filter(|block| status[block.uuid.as_str()] == BlockRunStatus::Initial)
            .filter(|block| {
                block.upstream.iter().all(|parent| {
                    !in_run.contains(parent.as_str())
                        || status[parent.as_str()] == BlockRunStatus::Completed
                })
            })
            .collect();
        for block in ready
            .into_iter()
            .take(concurrency.saturating_sub(running.len()))
        {
            store
                .change_block_run(
                    context.run_id,
                    &block.uuid,
                    BlockRunChange::event(BlockRunEvent::Enqueue),
                )
                .await?;
            status.insert(&block.uuid, BlockRunStatus::Queued);
            let inputs = block
                .upstream
                .iter()
                .map(|parent| outputs.get(parent).cloned().unwrap_or(Value::Null))
                .collect();
            let log = Arc::new(BlockLog::create(
                &context
                    .run_dir
                    .join("logs")
                    .join(format!("{}.log", block.uuid)),
            )?);
            let request = block_request(context, pipeline, block, inputs);
            let workers = context.workers.clone();
            let block = block.clone();
            let max_attempts = block.retry.retries.unwrap_or(0) + 1;
            store
                .change_block_run(
                    context.run_id,
                    &block.uuid,
                    BlockRunChange {
                        log_path: Some(log.path().display().to_string()),
                        ..BlockRunChange::event(BlockRunEvent::Start)
                    },
                )
                .await?;
            status.insert(status_key(selected, &block.uuid), BlockRunStatus::Running);
            display.status(&block.uuid, BlockRunStatus::Running, "");
            running.spawn(async move {
                let started = Instant::now();
                let mut attempt = 1;
                loop {
                    let outcome = workers.execute(request.clone(), log.clone()).await;
                    let retry = matches!(outcome, Ok(BlockOutcome::Failed { .. }))
                        && attempt < max_attempts;
                    if !retry {
                        return (block, log, outcome, started.elapsed(), attempt);
                    }
                    tokio::time::sleep(Duration::from_secs_f64(block.retry.delay_before(attempt)))
                        .await;
                    attempt += 1;
                }
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (block, log, outcome, elapsed, attempts) = joined.context("a block task panicked")?;
        let uuid = status_key(selected, &block.uuid);
        for _ in 1..attempts {
            // Earlier attempts failed and went back to the queue; record them in order.
            store
                .change_block_run(
                    context.run_id,
                    uuid,
                    BlockRunChange::event(BlockRunEvent::Requeue),
                )
                .await?;
            store
                .change_block_run(
                    context.run_id,
                    uuid,
                    BlockRunChange::event(BlockRunEvent::Start),
                )
                .await?;
        }
        let timing = format!("in {:.2}s", elapsed.as_secs_f64());
        match outcome? {
            BlockOutcome::Completed {
                stored, effects, ..
            } => {
                store
                    .change_block_run(
                        context.run_id,
                        uuid,
                        BlockRunChange {
                            outputs: Some(stored.clone()),
                            ..BlockRunChange::event(BlockRunEvent::Complete)
                        },
                    )
                    .await?;
                outputs.insert(block.uuid.clone(), stored);
                status.insert(uuid, BlockRunStatus::Completed);
                display.status(uuid, BlockRunStatus::Completed, &timing);
                if let Some(list) = effects.get("set_global_variable").and_then(Value::as_array) {
                    report.effects.extend(list.iter().cloned());
                }
            }
            BlockOutcome::Failed {
                error, traceback, ..
            } => {
                let message = match &traceback {
                    Some(traceback) => format!("{error}\n{traceback}"),
                    None => error.clone(),
                };
                store
                    .change_block_run(
                        context.run_id,
                        uuid,
                        BlockRunChange {
                            error: Some(message),
                            ..BlockRunChange::event(BlockRunEvent::Fail)
                        },
                    )
                    .await?;
                status.insert(uuid, BlockRunStatus::Failed);
                display.status(uuid, BlockRunStatus::Failed, &timing);
                report.failures.push(Failure {
                    block: block.uuid.clone(),
                    error,
                    log_tail: log.tail(),
                    log_path: log.path().to_owned(),
                });
                for descendant in pipeline.dag.descendants(&block.uuid) {
                    let Some(key) = selected
                        .iter()
                        .find(|b| b.uuid == descendant)
                        .map(|b| b.uuid.as_str())
                    else {
                        continue;
                    };
                    if status[key] == BlockRunStatus::Initial {
                        store
                            .change_block_run(
                                context.run_id,
                                key,
                                BlockRunChange::event(BlockRunEvent::UpstreamFail),
                            )
                            .await?;
                        status.insert(key, BlockRunStatus::UpstreamFailed);
                        display.status(
                            key,
                            BlockRunStatus::UpstreamFailed,
                            &format!("(after `{}` failed)", block.uuid),
                        );
                    }
                }
            }
            BlockOutcome::Cancelled => {
                store
                    .change_block_run(
                        context.run_id,
                        uuid,
                        BlockRunChange::event(BlockRunEvent::Cancel),
                    )
                    .await?;
                status.insert(uuid, BlockRunStatus::Cancelled);
                display.status(uuid, BlockRunStatus::Cancelled, "");
                report.failures.push(Failure {
                    block: block.uuid.clone(),
                    error: "cancelled".to_owned(),
                    log_tail: Vec::new(),
                    log_path: log.path().to_owned(),
                });
            }
        }
    }
    Ok(report)
}

/// The uuid as borrowed from the run's block list (the status map borrows from it).
fn status_key<'a>(selected: &[&'a Block], uuid: &str) -> &'a str {
    selected
        .iter()
        .find(|block| block.uuid == uuid)
        .map(|block| block.uuid.as_str())
        .expect("the block belongs to the run")
}

fn block_request(
    context: &RunContext,
    pipeline: &Pipeline,
    block: &Block,
    inputs: Vec<Value>,
) -> BlockRequest {
    BlockRequest {
        repo_path: context.project.root().display().to_string(),
        project_name: context.project.name().to_owned(),
        data_dir: context.data_dir.display().to_string(),
        pipeline_uuid: pipeline.uuid.clone(),
        block_uuid: block.uuid.clone(),
        block_type: block.block_type.as_str().to_owned(),
        run_id: context.run_id,
        file: block.file.clone(),
        execution_date: context.execution_date.to_rfc3339(),
        execution_partition: format!("manual/{}", context.execution_date.format("%Y%m%dT%H%M%S")),
        env: std::env::var("ENV").unwrap_or_else(|_| "dev".to_owned()),
        trigger_name: None,
        variables: context.variables.clone(),
        configuration: block.configuration.clone(),
        inputs,
        output_dir: context.run_dir.join(&block.uuid).display().to_string(),
        run_tests: context.run_tests,
        timeout: block.timeout,
    }
}

/// For `--block-uuid`: the stored outputs of the block's parents, from the newest run that has each.
async fn latest_upstream_outputs(
    store: &dyn RunStore,
    pipeline: &Pipeline,
    uuid: &str,
) -> anyhow::Result<HashMap<String, Value>> {
    let parents = pipeline
        .dag
        .get(uuid)
        .map(|b| b.upstream.clone())
        .unwrap_or_default();
    let mut found = HashMap::new();
    let runs = store
        .runs(RunFilter {
            pipeline_uuid: Some(pipeline.uuid.clone()),
            limit: Some(50),
            ..RunFilter::default()
        })
        .await?;
    for run in runs {
        for block_run in store.block_runs(run.id).await? {
            if parents.contains(&block_run.block_uuid)
                && block_run.status == BlockRunStatus::Completed
                && let Some(stored) = block_run.outputs
            {
                found.entry(block_run.block_uuid).or_insert(stored);
            }
        }
    }
    if let Some(missing) = parents.iter().find(|parent| !found.contains_key(*parent)) {
        bail!(
            "block `{uuid}` needs the output of upstream block `{missing}`, which no earlier run has; run the whole pipeline first"
        );
    }
    Ok(found)
}

/// Writes the pipeline variables that blocks set with `set_global_variable` into its metadata.yaml.
fn apply_effects(project: &Project, pipeline_uuid: &str, effects: &[Value]) -> anyhow::Result<()> {
    if effects.is_empty() {
        return Ok(());
    }
    for effect in effects {
        let target = effect
            .get("pipeline_uuid")
            .and_then(Value::as_str)
            .unwrap_or(pipeline_uuid);
        let (Some(key), Some(value)) = (
            effect.get("key").and_then(Value::as_str),
            effect.get("value"),
        ) else {
            continue;
        };
        let mut file = project.load_pipeline(target).map_err(explain)?.file;
        file.set_variable(key, value.clone());
        file.write()?;
    }
    Ok(())
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
            let count = diagnostics.len();
            let lines: Vec<String> = diagnostics.iter().map(|d| format!("  {d}")).collect();
            anyhow::anyhow!(
                "the pipeline is not valid ({count} problem(s)):\n{}",
                lines.join("\n")
            )
        }
        other => other.into(),
    }
}
