//! `wand run`: runs one pipeline now, in this process, recording every status change in the run history,
//! with independent blocks in parallel. (The server's scheduler and workers take this job over for triggers.)

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Utc;
use model::{Block, BlockRunStatus, Pipeline, RunEvent, merge_variables};
use project::{Project, ProjectError};
use runtime::{PythonWorkers, WorkerConfig};
use serde_json::{Map, Value};
use storage::{NewRun, RunFilter, RunStore, SqliteStore};

use crate::config;
use crate::dag_run::{DagRun, RunContext};
use crate::display::Display;

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
    // Import pandas in the worker while the run history is opened and the run is recorded.
    let warming = workers.clone();
    tokio::spawn(async move { warming.warm_up().await });
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
    let report = DagRun::new(
        &context,
        &pipeline,
        selected,
        earlier_outputs,
        store.as_ref(),
        &display,
    )
    .execute(concurrency)
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
