//! Running one block's request in the Python runtime. A block that asks about the run history (a sensor's
//! `check_status`) is answered from the run's pinned code and the run history, and run again at once with the
//! answers. It records nothing: `outcome` judges what it returns.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use runtime::{BlockOutcome, BlockRequest, RunStatusAnswer, RunStatusAnswered, RunStatusQuery};
use tokio::sync::oneshot;

use crate::Worker;
use crate::log_tee::LogTee;

/// How many times a block may ask about the run history in one check (one question a time) before it fails.
pub(crate) const MAX_QUESTION_ROUNDS: usize = 8;

impl Worker {
    /// Runs the block until it ends, stoppable meanwhile through `Worker::cancel`; `Err` when it could not run.
    pub(crate) async fn run_block(
        &self,
        request: BlockRequest,
        code_folder: &Path,
        log: Arc<LogTee>,
    ) -> Result<BlockOutcome, String> {
        let key = (request.run_id, request.block_uuid.clone());
        let outcome = self.run_answering(request, code_folder, log).await;
        self.cancels.lock().expect("cancels lock").remove(&key);
        outcome
    }

    /// Runs the block in the Python runtime; a block that asks about the run history (a sensor's `check_status`) is
    /// answered and run again at once, at most `MAX_QUESTION_ROUNDS` times (a sensor asking about several runs asks
    /// one at a time). Still asking after that, it ends as `Asks`.
    async fn run_answering(
        &self,
        mut request: BlockRequest,
        code_folder: &Path,
        log: Arc<LogTee>,
    ) -> Result<BlockOutcome, String> {
        let key = (request.run_id, request.block_uuid.clone());
        let mut rounds = 0;
        loop {
            let (cancel, cancelled) = oneshot::channel();
            self.cancels
                .lock()
                .expect("cancels lock")
                .insert(key.clone(), cancel);
            let calls = self.calls(code_folder, &log);
            let outcome = self
                .python
                .execute(request.clone(), log.clone(), calls, cancelled)
                .await
                .map_err(|error| error.to_string())?;
            match outcome {
                BlockOutcome::Asks { queries } if rounds < MAX_QUESTION_ROUNDS => {
                    rounds += 1;
                    for query in queries {
                        let answer = self.answer(code_folder, &query).await.map_err(|error| {
                            format!("cannot answer the block's question: {error}")
                        })?;
                        request
                            .run_statuses
                            .push(RunStatusAnswered { query, answer });
                    }
                }
                // Other machines read the outputs from the shared store: a block whose outputs did not get there
                // has not completed.
                BlockOutcome::Completed {
                    mut outputs,
                    tests,
                    callback_errors,
                } => {
                    self.config
                        .outputs
                        .publish(&mut outputs)
                        .await
                        .map_err(|error| error.to_string())?;
                    return Ok(BlockOutcome::Completed {
                        outputs,
                        tests,
                        callback_errors,
                    });
                }
                other => return Ok(other),
            }
        }
    }

    /// What the run history says to a sensor's question (Mage's `check_status`): whether the project (the run's
    /// pinned code) has the pipeline and the block, and the statuses of the pipeline's run with the latest execution
    /// date in the window and of the block's run in it.
    async fn answer(
        &self,
        code_folder: &Path,
        query: &RunStatusQuery,
    ) -> Result<RunStatusAnswer, String> {
        let unknown = RunStatusAnswer {
            pipeline_exists: false,
            block_exists: false,
            run_status: None,
            block_run_status: None,
        };
        let plain = |name: &str| {
            !name.is_empty() && Path::new(name).components().count() == 1 && !name.starts_with('.')
        };
        if !plain(&query.pipeline_uuid) {
            return Ok(unknown);
        }
        let metadata = code_folder
            .join("pipelines")
            .join(&query.pipeline_uuid)
            .join("metadata.yaml");
        if !metadata.is_file() {
            return Ok(unknown);
        }
        let block_exists = match &query.block_uuid {
            None => true,
            Some(block_uuid) => {
                let file =
                    project::PipelineFile::read(&metadata).map_err(|error| error.to_string())?;
                file.blocks().iter().any(|block| {
                    block.get("uuid").and_then(|u| u.as_str()) == Some(block_uuid.as_str())
                })
            }
        };
        let date = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|date| date.with_timezone(&Utc))
                .map_err(|error| format!("`{text}` is no date: {error}"))
        };
        let run = self
            .store
            .latest_run_between(
                &query.pipeline_uuid,
                date(&query.since)?,
                date(&query.until)?,
            )
            .await
            .map_err(|error| error.to_string())?;
        let mut answer = RunStatusAnswer {
            pipeline_exists: true,
            block_exists,
            run_status: run.as_ref().map(|run| run.status.as_str().to_owned()),
            block_run_status: None,
        };
        if let (Some(run), Some(block_uuid)) = (run, &query.block_uuid) {
            answer.block_run_status = self
                .store
                .block_runs(run.id)
                .await
                .map_err(|error| error.to_string())?
                .into_iter()
                .find(|block_run| &block_run.block_uuid == block_uuid)
                .map(|block_run| block_run.status.as_str().to_owned());
        }
        Ok(answer)
    }
}
