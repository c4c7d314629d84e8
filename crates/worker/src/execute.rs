//! One claimed block run, start to end: read what it needs from the run history, build its request, run it while a
//! heartbeat keeps the claim, turn the outcome into a change and record it. The steps live in their own modules
//! (`request`, `run`, `outcome`, `record`); this one only puts them in order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use model::{Block, BlockOutputs, BlockRunStatus, Notice, PipelineDefinition};
use runtime::FileSink;
use storage::{BlockRun, PipelineRun};

use crate::log_tee::LogTee;
use crate::outcome::{Attempt, change_for};
use crate::request::{RequestSource, block_request};
use crate::{Worker, WorkerError};

/// What a claimed block run needs from the run history.
struct Pinned {
    run: PipelineRun,
    definition: PipelineDefinition,
    /// The block, as the run's definition pinned it.
    block: Block,
    /// Stored outputs by block uuid (see `Worker::stored_outputs`).
    outputs: HashMap<String, BlockOutputs>,
}

impl Worker {
    pub(crate) async fn execute(self: &Arc<Self>, claimed: BlockRun) -> Result<(), WorkerError> {
        let Pinned {
            run,
            definition,
            block,
            mut outputs,
        } = self.pinned(&claimed).await?;
        let (run_id, uuid) = (claimed.pipeline_run_id, claimed.block_uuid.as_str());
        let log_key = runtime::log_key(&definition.uuid, run_id, uuid);
        let log = self.open_log(&log_key, run_id, uuid)?;
        self.publish(
            run_id,
            uuid,
            BlockRunStatus::Running,
            attempt_note(claimed.attempt),
        );

        let code_folder = match self.localize_inputs(&mut outputs).await {
            Ok(()) => self.code.folder(self.store.as_ref(), &run).await,
            Err(error) => Err(error.to_string()),
        };
        let started = Instant::now();
        let heartbeat = self.heartbeat(claimed.id, run_id, uuid.to_owned());
        let outcome = match code_folder {
            Ok(folder) => {
                let source = RequestSource {
                    run: &run,
                    definition: &definition,
                    block: &block,
                    outputs: &outputs,
                    code_folder: &folder,
                    attempt: claimed.attempt,
                };
                let request = block_request(source, &self.config);
                self.run_block(request, &folder, log.clone()).await
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
            now: Utc::now(),
        };
        let (change, detail) = change_for(outcome, &attempt);

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
    async fn pinned(&self, claimed: &BlockRun) -> Result<Pinned, WorkerError> {
        let unrunnable = |message: String| WorkerError::Unrunnable {
            block_run_id: claimed.id,
            message,
        };
        let run = self
            .store
            .run(claimed.pipeline_run_id)
            .await?
            .ok_or_else(|| unrunnable("its pipeline run is gone".to_owned()))?;
        let definition = run.definition.clone();
        let uuid = &claimed.block_uuid;
        let block = definition
            .block(uuid)
            .ok_or_else(|| unrunnable(format!("block `{uuid}` is not in the run's definition")))?
            .clone();
        let outputs = self
            .stored_outputs(run.id, &definition.uuid, &block)
            .await?;
        Ok(Pinned {
            run,
            definition,
            block,
            outputs,
        })
    }

    /// The outputs the run's block runs stored, by block uuid. A run of part of a pipeline reads the parents it
    /// does not run from the newest run that has them.
    async fn stored_outputs(
        &self,
        run_id: i64,
        pipeline_uuid: &str,
        block: &Block,
    ) -> Result<HashMap<String, BlockOutputs>, WorkerError> {
        let mut outputs: HashMap<String, BlockOutputs> = self
            .store
            .block_runs(run_id)
            .await?
            .into_iter()
            .filter_map(|block_run| Some((block_run.block_uuid, block_run.outputs?)))
            .collect();
        for parent in &block.upstream {
            if !outputs.contains_key(parent)
                && let Some(stored) = self.store.latest_outputs(pipeline_uuid, parent).await?
            {
                outputs.insert(parent.clone(), stored);
            }
        }
        Ok(outputs)
    }

    /// Makes the parents' outputs readable on this machine (fetched from the shared store when written elsewhere).
    async fn localize_inputs(
        &self,
        outputs: &mut HashMap<String, BlockOutputs>,
    ) -> Result<(), runtime::OutputStoreError> {
        for stored in outputs.values_mut() {
            self.config.outputs.localize(stored).await?;
        }
        Ok(())
    }

    /// The block's log file (appended to, after an earlier attempt's lines), announcing each line as it comes.
    fn open_log(&self, log_key: &str, run_id: i64, uuid: &str) -> Result<Arc<LogTee>, WorkerError> {
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
        )))
    }

    fn publish(&self, run_id: i64, block_uuid: &str, status: BlockRunStatus, detail: String) {
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
