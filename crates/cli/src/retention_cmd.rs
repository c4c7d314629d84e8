//! Retention from the command line and in `wand start`: `wand clean-cached-variables` and `wand clean-old-logs`
//! (Mage's commands and arguments, plus `--retention-period` to override the project's), and the cleanup that
//! `wand start` runs at start and then every hour, on the leading server only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use model::RetentionPeriod;
use project::Project;
use scheduler::retention::{CleanupRequest, Removed, clean};
use storage::Prunable;
use tokio::sync::watch;

use crate::config::ProjectDatabase;

/// How often `wand start` looks for runs past the retention periods.
const CLEANUP_EVERY: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, clap::Args)]
pub(crate) struct CleanArgs {
    #[command(flatten)]
    at: ProjectDatabase,
    /// Uuid of the pipeline to clean (default: every pipeline).
    #[arg(long, value_name = "UUID")]
    pipeline_uuid: Option<String>,
    /// Keep this long instead of the period in metadata.yaml: a number and h, d or w (like 7d).
    #[arg(long, value_name = "PERIOD", value_parser = parse_period)]
    retention_period: Option<RetentionPeriod>,
}

/// `wand clean-cached-variables`: deletes the block outputs of runs older than `variables_retention_period`.
pub(crate) fn clean_cached_variables(args: CleanArgs) -> anyhow::Result<ExitCode> {
    clean_command(args, Prunable::Outputs)
}

/// `wand clean-old-logs`: deletes the logs of runs older than `logging_config.retention_period`.
pub(crate) fn clean_old_logs(args: CleanArgs) -> anyhow::Result<ExitCode> {
    clean_command(args, Prunable::Logs)
}

/// Runs the cleanup of `wand start` at once and then every hour until `stopped`, when this process leads (one
/// server per shared database; a second one would find nothing left to do anyway).
pub(crate) async fn periodic(
    store: Arc<dyn storage::Store>,
    project: Project,
    data_dir: PathBuf,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = clean_due(store.as_ref(), &project, &data_dir).await {
            tracing::warn!("retention cleanup: {error:#}");
        }
        tokio::select! {
            () = tokio::time::sleep(CLEANUP_EVERY) => {}
            _ = stopped.changed() => return,
        }
    }
}

async fn clean_due(
    store: &dyn storage::Store,
    project: &Project,
    data_dir: &Path,
) -> anyhow::Result<()> {
    let settings = project.retention()?;
    if settings.outputs.is_none() && settings.logs.is_none() {
        return Ok(());
    }
    if !store.try_lead().await? {
        return Ok(());
    }
    for (what, period) in [
        (Prunable::Outputs, settings.outputs),
        (Prunable::Logs, settings.logs),
    ] {
        let Some(period) = period else { continue };
        let removed = clean(store, data_dir, &request(what, period, None)).await?;
        if removed.runs > 0 {
            tracing::info!(
                what = what.as_str(),
                runs = removed.runs,
                files = removed.files,
                bytes = removed.bytes,
                %period,
                "retention cleanup"
            );
        }
    }
    Ok(())
}

fn clean_command(args: CleanArgs, what: Prunable) -> anyhow::Result<ExitCode> {
    let project = Project::open(args.at.project())?;
    let settings = project.retention()?;
    let key = match what {
        Prunable::Outputs => "variables_retention_period",
        Prunable::Logs => "logging_config.retention_period",
    };
    let configured = match what {
        Prunable::Outputs => settings.outputs,
        Prunable::Logs => settings.logs,
    };
    let Some(period) = args.retention_period.or(configured) else {
        println!(
            "No {key} in {}: nothing to clean (pass --retention-period 30d to clean anyway).",
            project.root().join("metadata.yaml").display()
        );
        return Ok(ExitCode::SUCCESS);
    };
    let removed = tokio::runtime::Runtime::new()
        .context("cannot start the async runtime")?
        .block_on(async {
            let (data_dir, store) = args.at.open().await?;
            let request = request(what, period, args.pipeline_uuid.clone());
            anyhow::Ok(clean(store.as_ref(), &data_dir, &request).await?)
        })?;
    let scope = match &args.pipeline_uuid {
        Some(pipeline) => format!("pipeline `{pipeline}`"),
        None => "every pipeline".to_owned(),
    };
    println!(
        "Removed the {} of {} run(s) of {scope} that ended more than {period} ago: {}.",
        what.as_str(),
        removed.runs,
        files(removed)
    );
    Ok(ExitCode::SUCCESS)
}

fn request(
    what: Prunable,
    period: RetentionPeriod,
    pipeline_uuid: Option<String>,
) -> CleanupRequest {
    CleanupRequest {
        what,
        period,
        pipeline_uuid,
        now: chrono::Utc::now(),
    }
}

/// `12 file(s), 4.2 MB (4200000 bytes)`.
fn files(removed: Removed) -> String {
    format!(
        "{} file(s), {:.1} MB ({} bytes)",
        removed.files,
        removed.bytes as f64 / 1_000_000.0,
        removed.bytes
    )
}

fn parse_period(text: &str) -> Result<RetentionPeriod, String> {
    RetentionPeriod::parse(text).map_err(|error| error.to_string())
}
