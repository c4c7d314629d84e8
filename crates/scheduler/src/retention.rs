//! Retention: deleting block outputs and logs of finished runs older than the project's periods (Mage's
//! `variables_retention_period` and `logging_config.retention_period`), deleting whole runs, and measuring what
//! outputs and logs take on the disk. Run records stay when their files go: storage marks them pruned.
//!
//! It deletes only under `<data dir>/runs/<pipeline>/<run id>/` (outputs in one folder per block, logs in
//! `logs/`), only for runs storage reports finished, and never touches the project folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use model::RetentionPeriod;
use storage::{PipelineRun, Prunable, PruneQuery, RetentionStore};

use crate::SchedulerError;

/// How many runs one page of a cleanup handles.
const PAGE: i64 = 200;
/// The folder of a run that holds its logs; every other entry of a run's folder is a block's outputs.
const LOGS: &str = "logs";

/// One cleanup: what to prune, by which period, as of when.
#[derive(Debug, Clone)]
pub struct CleanupRequest {
    pub what: Prunable,
    pub period: RetentionPeriod,
    /// Only runs of this pipeline.
    pub pipeline_uuid: Option<String>,
    pub now: DateTime<Utc>,
}

/// What a cleanup or a deletion removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub runs: u64,
    pub files: u64,
    pub bytes: u64,
}

impl Removed {
    fn add(&mut self, other: Removed) {
        self.runs += other.runs;
        self.files += other.files;
        self.bytes += other.bytes;
    }
}

/// Deletes `request.what` of every finished run that ended more than `request.period` ago and marks those runs
/// pruned by that period. Running it again (here or on another server sharing the database) finds nothing more.
pub async fn clean(
    store: &dyn RetentionStore,
    data_dir: &Path,
    request: &CleanupRequest,
) -> Result<Removed, SchedulerError> {
    let ended_before = request.now - request.period.duration();
    let by = request.period.to_string();
    let mut removed = Removed::default();
    loop {
        let runs = store
            .prunable_runs(PruneQuery {
                what: request.what,
                pipeline_uuid: request.pipeline_uuid.clone(),
                ended_before,
                limit: PAGE,
            })
            .await?;
        if runs.is_empty() {
            return Ok(removed);
        }
        let folders: Vec<(i64, Vec<PathBuf>)> = runs
            .iter()
            .map(|run| (run.id, run_folders(data_dir, run)))
            .collect();
        let what = request.what;
        let files = tokio::task::spawn_blocking(move || {
            folders
                .iter()
                .map(|(_, folders)| remove_parts(folders, what))
                .collect::<Result<Vec<Removed>, SchedulerError>>()
        })
        .await
        .map_err(|error| SchedulerError::Io {
            path: data_dir.to_owned(),
            message: error.to_string(),
        })??;
        for part in files {
            removed.add(part);
        }
        let ids: Vec<i64> = runs.iter().map(|run| run.id).collect();
        removed.runs += store
            .mark_pruned(request.what, &ids, request.now, &by)
            .await?;
        tracing::info!(
            what = request.what.as_str(),
            runs = ids.len(),
            period = %by,
            "retention: pruned runs past the period"
        );
    }
}

/// Deletes the runs `run_ids` with their block runs, outputs and logs. Nothing is deleted if one is still going
/// (a `Conflict`: cancel it first).
pub async fn delete_runs(
    store: &dyn RetentionStore,
    data_dir: &Path,
    run_ids: &[i64],
) -> Result<(Vec<i64>, Removed), SchedulerError> {
    let runs = store.delete_runs(run_ids).await?;
    let ids = runs.iter().map(|run| run.id).collect();
    let folders: Vec<PathBuf> = runs
        .iter()
        .flat_map(|run| run_folders(data_dir, run))
        .collect();
    let mut removed = tokio::task::spawn_blocking(move || {
        let mut removed = Removed::default();
        for folder in &folders {
            removed.add(remove_tree(folder)?);
        }
        Ok::<_, SchedulerError>(removed)
    })
    .await
    .map_err(|error| SchedulerError::Io {
        path: data_dir.to_owned(),
        message: error.to_string(),
    })??;
    removed.runs = runs.len() as u64;
    Ok((ids, removed))
}

/// Refuses to retry a run whose outputs were pruned: its blocks would find no inputs.
pub fn check_retry(run: &PipelineRun) -> Result<(), SchedulerError> {
    match (&run.pruned.outputs_pruned_at, &run.pruned.outputs_pruned_by) {
        (Some(at), by) => Err(SchedulerError::Pruned {
            run_id: run.id,
            at: *at,
            by: by.clone().unwrap_or_default(),
        }),
        (None, _) => Ok(()),
    }
}

/// What outputs and logs take on the disk, for one pipeline's runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineUsage {
    pub pipeline_uuid: String,
    /// Run folders on the disk.
    pub runs: u64,
    pub output_bytes: u64,
    pub log_bytes: u64,
}

/// What the outputs and logs under `<data dir>/runs/` take, per pipeline (by name), measured now.
pub async fn disk_usage(data_dir: &Path) -> Result<Vec<PipelineUsage>, SchedulerError> {
    let root = data_dir.join("runs");
    tokio::task::spawn_blocking(move || measure(&root))
        .await
        .map_err(|error| SchedulerError::Io {
            path: data_dir.to_owned(),
            message: error.to_string(),
        })?
}

/// The folders a run's files may be in: under its pipeline's uuid, and under the uuid its pinned definition
/// names if that differs.
fn run_folders(data_dir: &Path, run: &PipelineRun) -> Vec<PathBuf> {
    let mut names = vec![run.pipeline_uuid.as_str()];
    if run.definition.uuid != run.pipeline_uuid && !run.definition.uuid.is_empty() {
        names.push(run.definition.uuid.as_str());
    }
    names
        .into_iter()
        .filter(|name| is_plain_name(name))
        .map(|name| data_dir.join("runs").join(name).join(run.id.to_string()))
        .collect()
}

/// A single path component: a pipeline uuid read from the database never leads out of the data folder.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\\')
}

/// Removes the outputs (every entry but `logs/`) or the logs of a run's folders; a folder left empty goes too.
fn remove_parts(folders: &[PathBuf], what: Prunable) -> Result<Removed, SchedulerError> {
    let mut removed = Removed::default();
    for folder in folders {
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(io(folder, error)),
        };
        for entry in entries {
            let entry = entry.map_err(|error| io(folder, error))?;
            let is_logs = entry.file_name() == LOGS;
            if is_logs == (what == Prunable::Logs) {
                removed.add(remove_tree(&entry.path())?);
            }
        }
        // Only when nothing is left in it.
        let _ = std::fs::remove_dir(folder);
    }
    Ok(removed)
}

/// Removes a file or a folder and everything in it, counting the files and their bytes. Symbolic links are
/// removed, never followed.
fn remove_tree(path: &Path) -> Result<Removed, SchedulerError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Removed::default()),
        Err(error) => return Err(io(path, error)),
    };
    if !meta.is_dir() {
        std::fs::remove_file(path).map_err(|error| io(path, error))?;
        return Ok(Removed {
            runs: 0,
            files: 1,
            bytes: meta.len(),
        });
    }
    let mut removed = Removed::default();
    for entry in std::fs::read_dir(path).map_err(|error| io(path, error))? {
        let entry = entry.map_err(|error| io(path, error))?;
        removed.add(remove_tree(&entry.path())?);
    }
    std::fs::remove_dir(path).map_err(|error| io(path, error))?;
    Ok(removed)
}

/// Walks `runs/<pipeline>/<run>/`: `logs/` counts as logs, everything else as outputs.
fn measure(root: &Path) -> Result<Vec<PipelineUsage>, SchedulerError> {
    let mut usage: BTreeMap<String, PipelineUsage> = BTreeMap::new();
    let pipelines = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io(root, error)),
    };
    for pipeline in pipelines {
        let pipeline = pipeline.map_err(|error| io(root, error))?;
        if !pipeline.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        let name = pipeline.file_name().to_string_lossy().into_owned();
        let entry = usage.entry(name.clone()).or_insert_with(|| PipelineUsage {
            pipeline_uuid: name,
            ..PipelineUsage::default()
        });
        for run in
            std::fs::read_dir(pipeline.path()).map_err(|error| io(&pipeline.path(), error))?
        {
            let run = run.map_err(|error| io(&pipeline.path(), error))?;
            if !run.file_type().is_ok_and(|kind| kind.is_dir()) {
                continue;
            }
            entry.runs += 1;
            for part in std::fs::read_dir(run.path()).map_err(|error| io(&run.path(), error))? {
                let part = part.map_err(|error| io(&run.path(), error))?;
                let bytes = size(&part.path());
                if part.file_name() == LOGS {
                    entry.log_bytes += bytes;
                } else {
                    entry.output_bytes += bytes;
                }
            }
        }
    }
    Ok(usage.into_values().collect())
}

/// The bytes of the files under `path` (unreadable parts count as nothing: a measure, not an inventory).
fn size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| size(&entry.path()))
                .sum()
        })
        .unwrap_or(0)
}

fn io(path: &Path, error: std::io::Error) -> SchedulerError {
    SchedulerError::Io {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run folder with two blocks' outputs (3 and 4 bytes) and a log (5 bytes).
    fn run_folder(root: &Path) -> PathBuf {
        let run = root.join("runs/p/7");
        for (path, bytes) in [
            ("a/output_0.json", 3),
            ("b/output_0.arrow", 4),
            ("logs/a.log", 5),
        ] {
            let file = run.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, "x".repeat(bytes)).unwrap();
        }
        run
    }

    #[test]
    fn outputs_and_logs_are_removed_apart_and_counted() {
        let folder = tempfile::tempdir().unwrap();
        let run = run_folder(folder.path());
        assert_eq!(
            measure(&folder.path().join("runs")).unwrap(),
            vec![PipelineUsage {
                pipeline_uuid: "p".to_owned(),
                runs: 1,
                output_bytes: 7,
                log_bytes: 5,
            }]
        );
        let removed = remove_parts(std::slice::from_ref(&run), Prunable::Outputs).unwrap();
        assert_eq!((removed.files, removed.bytes), (2, 7));
        assert!(run.join("logs/a.log").exists() && !run.join("a").exists());
        let removed = remove_parts(std::slice::from_ref(&run), Prunable::Logs).unwrap();
        assert_eq!((removed.files, removed.bytes), (1, 5));
        assert!(!run.exists(), "an emptied run folder goes too");
        // Again: nothing left, nothing fails.
        let removed = remove_parts(&[run], Prunable::Logs).unwrap();
        assert_eq!(removed, Removed::default());
    }

    #[test]
    fn a_pipeline_name_never_leads_out_of_the_data_folder() {
        for (name, plain) in [
            ("etl", true),
            ("..", false),
            ("a/../..", false),
            ("", false),
            ("a\\b", false),
        ] {
            assert_eq!(is_plain_name(name), plain, "{name:?}");
        }
    }
}
