//! One claimed block run, start to end: read what it needs from the run history, build its request, run it while a
//! heartbeat keeps the claim, turn the outcome into a change and record it. The steps live in their own modules
//! (`request`, `run`, `outcome`, `record`); this one only puts them in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use model::{Block, BlockOutputs, BlockRunStatus, Notice, PipelineDefinition, SharedMask};

/// Runs whose definition a worker keeps (see `Worker::pinned_run`); past it the memory is cleared (a run's definition
/// of a few hundred blocks is a few hundred KB).
const REMEMBERED_RUNS: usize = 64;
use runtime::FileSink;
use storage::{BlockRun, PipelineRun};

use crate::log_tee::LogTee;
use crate::outcome::{Attempt, change_for};
use crate::request::{RequestSource, block_request};
use crate::{Worker, WorkerError};

/// What a claimed block run needs from the run history.
pub(crate) struct Pinned {
    /// The run as it was created: what the worker reads of it (definition, variables, dates, code) never changes.
    pub(crate) run: Arc<PipelineRun>,
    /// The block, as the run's definition pinned it.
    pub(crate) block: Block,
    /// Stored outputs by block-run name (see `Worker::stored_outputs`).
    pub(crate) outputs: HashMap<String, BlockOutputs>,
    /// For each parent that is a reducing dynamic child: its instances' outputs, in index order.
    pub(crate) gathered: HashMap<String, Vec<Option<BlockOutputs>>>,
}

impl Worker {
    pub(crate) async fn execute(self: &Arc<Self>, claimed: BlockRun) -> Result<(), WorkerError> {
        let mask = SharedMask::default();
        // Two reads of the database at once: the run history's and the secrets'.
        let (pinned, secrets) = tokio::join!(self.pinned(&claimed), self.load_mask(&mask));
        let Pinned {
            run,
            block,
            mut outputs,
            mut gathered,
        } = pinned?;
        let definition = &run.definition;
        let (run_id, uuid) = (claimed.pipeline_run_id, claimed.block_uuid.as_str());
        let log_key = runtime::log_key(&definition.uuid, run_id, uuid);
        let log = self.open_log(&log_key, run_id, uuid, mask)?;
        self.publish(
            run_id,
            uuid,
            BlockRunStatus::Running,
            attempt_note(claimed.attempt),
        );

        let code_folder = match secrets {
            Ok(()) => match self.localize_inputs(&mut outputs, &mut gathered).await {
                Ok(()) => self.code.folder(self.store.as_ref(), &run).await,
                Err(error) => Err(error.to_string()),
            },
            Err(error) => Err(error),
        };
        let started = Instant::now();
        let heartbeat = self.heartbeat(claimed.id, run_id, uuid.to_owned());
        let outcome = match code_folder {
            Ok(folder) => {
                let source = RequestSource {
                    run: &run,
                    definition,
                    block: &block,
                    outputs: &outputs,
                    gathered: &gathered,
                    name: uuid,
                    instance: claimed.dynamic.as_ref(),
                    code: &folder,
                    attempt: claimed.attempt,
                };
                let request = block_request(source, &self.config);
                let output_dir = std::path::PathBuf::from(&request.output_dir);
                let outcome = self.run_block(request, &folder.path, log.clone()).await;
                crate::secret_outputs::spill(outcome, &log.mask.get(), &output_dir)
            }
            Err(message) => Err(message),
        };
        let attempt = Attempt {
            number: claimed.attempt,
            retry: &block.retry,
            timeout: block.timeout,
            first_check: claimed.waiting_since.or(claimed.started_at),
            sensor_interval: self.config.sensor_interval,
            log_path: Some(log.file.path().display().to_string()),
            elapsed: started.elapsed(),
            callbacks: !block.callbacks.is_empty(),
            now: Utc::now(),
        };
        let (mut change, detail) = change_for(outcome, &attempt);
        // What the block printed or raised may hold a secret it read.
        let mask = log.mask.get();
        change.error = change.error.map(|error| mask.apply_owned(error));
        let detail = mask.apply_owned(detail);

        // Shared before the outcome is recorded, so whoever sees the block ended can read its log.
        if let Err(error) = self.config.outputs.publish_key(&log_key).await {
            tracing::warn!(%error, run_id, block = %uuid, "the block's log stays on this machine");
        }
        // The lease is kept until the outcome is recorded, so nobody takes the block run over meanwhile.
        let recorded = self.record(run_id, uuid, change).await;
        heartbeat.abort();
        self.publish(run_id, uuid, recorded?, detail);
        Ok(())
    }

    /// The claimed block run's pipeline run, its pinned definition and block, and the outputs its parents stored.
    pub(crate) async fn pinned(&self, claimed: &BlockRun) -> Result<Pinned, WorkerError> {
        let unrunnable = |message: String| WorkerError::Unrunnable {
            block_run_id: claimed.id,
            message,
        };
        let run = self
            .pinned_run(claimed.pipeline_run_id)
            .await?
            .ok_or_else(|| unrunnable("its pipeline run is gone".to_owned()))?;
        let uuid = claimed.block();
        let block = run
            .definition
            .block(uuid)
            .ok_or_else(|| unrunnable(format!("block `{uuid}` is not in the run's definition")))?
            .clone();
        let (outputs, gathered) = self
            .stored_outputs(&run, &run.definition, &block, claimed)
            .await?;
        Ok(Pinned {
            run,
            block,
            outputs,
            gathered,
        })
    }

    /// A run as it was created, read once for all its block runs on this worker (its pinned definition is most of
    /// the row, parsed once instead of once per block).
    async fn pinned_run(&self, run_id: i64) -> Result<Option<Arc<PipelineRun>>, WorkerError> {
        if let Some(run) = self.runs.lock().expect("runs lock").get(&run_id) {
            return Ok(Some(run.clone()));
        }
        let Some(run) = self.store.run(run_id).await? else {
            return Ok(None);
        };
        let run = Arc::new(run);
        let mut runs = self.runs.lock().expect("runs lock");
        if runs.len() >= REMEMBERED_RUNS {
            runs.clear();
        }
        runs.insert(run_id, run.clone());
        Ok(Some(run))
    }

    /// The outputs the block run reads, by block-run name: its parents' (for an instance of a dynamic child, the
    /// parents' instances it was given), and for each parent that is a reducing dynamic child, every instance's in
    /// index order. Only those rows are read, however many instances the run has. A run of part of a pipeline reads
    /// the parents it does not run from the newest run that has them.
    async fn stored_outputs(
        &self,
        run: &PipelineRun,
        definition: &PipelineDefinition,
        block: &Block,
        claimed: &BlockRun,
    ) -> Result<
        (
            HashMap<String, BlockOutputs>,
            HashMap<String, Vec<Option<BlockOutputs>>>,
        ),
        WorkerError,
    > {
        let children = model::dynamic_children(&definition.blocks);
        let reducing: Vec<String> = block
            .upstream
            .iter()
            .filter(|parent| {
                children.contains(*parent)
                    && definition.block(parent).is_some_and(Block::reduces_output)
            })
            .cloned()
            .collect();
        let mut names = block.upstream.clone();
        if let Some(instance) = &claimed.dynamic {
            names.extend(instance.sources.iter().filter_map(|source| match source {
                model::Source::Instance { uuid } | model::Source::InstanceItem { uuid, .. } => {
                    Some(uuid.clone())
                }
                model::Source::Whole | model::Source::Item { .. } => None,
            }));
        }
        let rows = self.store.block_runs_for(run.id, &names, &reducing).await?;
        let mut gathered: HashMap<String, Vec<(usize, Option<BlockOutputs>)>> = reducing
            .iter()
            .map(|parent| (parent.clone(), Vec::new()))
            .collect();
        let mut outputs = HashMap::new();
        for row in rows {
            if let (Some(origin), Some(instance)) = (&row.origin, &row.dynamic)
                && let Some(list) = gathered.get_mut(origin)
            {
                let stored = (row.status == model::BlockRunStatus::Completed)
                    .then(|| row.outputs.clone())
                    .flatten();
                list.push((instance.index, stored));
            }
            if let Some(stored) = row.outputs {
                outputs.insert(row.block_uuid, stored);
            }
        }
        for parent in &block.upstream {
            if !outputs.contains_key(parent)
                && !gathered.contains_key(parent)
                && let Some(stored) = self
                    .store
                    .latest_outputs(&run.pipeline_uuid, parent)
                    .await?
            {
                outputs.insert(parent.clone(), stored);
            }
        }
        let gathered = gathered
            .into_iter()
            .map(|(parent, mut list)| {
                list.sort_by_key(|(index, _)| *index);
                (parent, list.into_iter().map(|(_, stored)| stored).collect())
            })
            .collect();
        Ok((outputs, gathered))
    }

    /// Makes the parents' outputs readable on this machine (fetched from the shared store when written elsewhere).
    async fn localize_inputs(
        &self,
        outputs: &mut HashMap<String, BlockOutputs>,
        gathered: &mut HashMap<String, Vec<Option<BlockOutputs>>>,
    ) -> Result<(), runtime::OutputStoreError> {
        let all = outputs
            .values_mut()
            .chain(gathered.values_mut().flatten().flatten());
        for stored in all {
            self.config.outputs.localize(stored).await?;
        }
        Ok(())
    }

    /// Adds the values of the project's secrets to `mask` (none without a secrets store); `Err` says why they
    /// cannot be read, and the block does not run then, as its log could not hide them.
    pub(crate) async fn load_mask(&self, mask: &SharedMask) -> Result<(), String> {
        let Some(secrets) = &self.secrets else {
            return Ok(());
        };
        let all = secrets.mask().await.map_err(|error| {
            format!(
                "the project's secrets cannot be read, to hide them in the block's log: {error}"
            )
        })?;
        mask.extend(&all);
        Ok(())
    }

    /// The block's log file (appended to, after an earlier attempt's lines), announcing each line as it comes with
    /// the values of `mask` hidden.
    pub(crate) fn open_log(
        &self,
        log_key: &str,
        run_id: i64,
        uuid: &str,
        mask: SharedMask,
    ) -> Result<Arc<LogTee>, WorkerError> {
        let path = self.config.data_dir.join(log_key);
        let file = FileSink::create(&path).map_err(|source| WorkerError::Log {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Arc::new(LogTee::new(
            file,
            run_id,
            uuid.to_owned(),
            self.logs.clone(),
            mask,
        )))
    }

    pub(crate) fn publish(
        &self,
        run_id: i64,
        block_uuid: &str,
        status: BlockRunStatus,
        detail: String,
    ) {
        let _ = self.notices.send(Notice::BlockRun {
            run_id,
            block_uuid: block_uuid.to_owned(),
            status,
            detail,
        });
    }
}

fn attempt_note(attempt: i64) -> String {
    if attempt > 1 {
        format!("(attempt {attempt})")
    } else {
        String::new()
    }
}
