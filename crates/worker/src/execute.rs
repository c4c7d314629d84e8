//! One claimed block run, from its pinned definition to its recorded outcome: build the request, run it in the
//! Python runtime while a heartbeat renews the lease, and record completed, failed, queued-for-retry or (a sensor
//! whose check did not hold) queued for its next check.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use model::{BlockRunEvent, Notice, PipelineDefinition, merge_variables};
use runtime::{
    BlockOutcome, BlockRequest, FileSink, RunStatusAnswer, RunStatusAnswered, RunStatusQuery,
};
use serde_json::Value;
use storage::{BlockRun, BlockRunChange, Lease};
use tokio::sync::oneshot;

use crate::log_tee::LogTee;
use crate::worker::lease_span;
use crate::{Worker, WorkerError};

/// How many times a block may ask about the run history in one check (one question a time) before it fails.
const MAX_QUESTION_ROUNDS: usize = 8;

impl Worker {
    pub(crate) async fn execute(self: &Arc<Self>, claimed: BlockRun) -> Result<(), WorkerError> {
        let run_id = claimed.pipeline_run_id;
        let uuid = claimed.block_uuid.clone();
        let unrunnable = |message: String| WorkerError::Unrunnable {
            block_run_id: claimed.id,
            message,
        };
        let run = self
            .store
            .run(run_id)
            .await?
            .ok_or_else(|| unrunnable("its pipeline run is gone".to_owned()))?;
        let definition: PipelineDefinition = serde_json::from_value(run.definition.clone())
            .map_err(|error| unrunnable(error.to_string()))?;
        let block = definition
            .block(&uuid)
            .ok_or_else(|| unrunnable(format!("block `{uuid}` is not in the run's definition")))?
            .clone();
        let mut outputs: HashMap<String, Value> = self
            .store
            .block_runs(run_id)
            .await?
            .into_iter()
            .filter_map(|b| Some((b.block_uuid, b.outputs?)))
            .collect();
        // A run of part of a pipeline reads the parents it does not run from the newest run that has them.
        for parent in &block.upstream {
            if !outputs.contains_key(parent)
                && let Some(stored) = self.store.latest_outputs(&definition.uuid, parent).await?
            {
                outputs.insert(parent.clone(), stored);
            }
        }
        let run_dir = self
            .config
            .data_dir
            .join("runs")
            .join(&definition.uuid)
            .join(run_id.to_string());
        let log_key = runtime::log_key(&definition.uuid, run_id, &uuid);
        let log_path = self.config.data_dir.join(&log_key);
        let file = FileSink::create(&log_path).map_err(|source| WorkerError::Log {
            path: log_path.display().to_string(),
            source,
        })?;
        let log = Arc::new(LogTee::new(file, run_id, uuid.clone(), self.logs.clone()));
        self.publish(
            run_id,
            &uuid,
            model::BlockRunStatus::Running,
            attempt_note(claimed.attempt),
        );

        let code = match self.localize_inputs(&mut outputs).await {
            Ok(()) => self.code.folder(self.store.as_ref(), &run).await,
            Err(error) => Err(error.to_string()),
        };
        let code_folder = code.as_deref().unwrap_or(std::path::Path::new(""));
        let request = BlockRequest {
            repo_path: code_folder.display().to_string(),
            project_name: code_folder
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            data_dir: self.config.data_dir.display().to_string(),
            pipeline_uuid: definition.uuid.clone(),
            block_uuid: uuid.clone(),
            block_type: block.block_type.as_str().to_owned(),
            run_id,
            file: block.file.clone(),
            execution_date: run.execution_date.to_rfc3339(),
            execution_partition: format!(
                "{}/{}",
                run.trigger_id
                    .map_or("manual".to_owned(), |id| id.to_string()),
                run.execution_date.format("%Y%m%dT%H%M%S")
            ),
            env: self.config.env.clone(),
            trigger_name: definition.trigger_name.clone(),
            variables: merge_variables([&definition.variables, &run.variables]),
            configuration: block.configuration.clone(),
            inputs: block
                .upstream
                .iter()
                .map(|parent| outputs.get(parent).cloned().unwrap_or(Value::Null))
                .collect(),
            output_dir: run_dir.join(&uuid).display().to_string(),
            run_tests: self.config.run_tests,
            timeout: block.timeout,
            sensor_interval: self.config.sensor_interval.as_secs_f64(),
            run_statuses: Vec::new(),
        };

        let started = Instant::now();
        let heartbeat = self.heartbeat(claimed.id, run_id, uuid.clone());
        let outcome = match &code {
            Ok(folder) => {
                self.run_answering(request, folder, log.clone(), run_id, &uuid)
                    .await
            }
            Err(message) => Err(message.clone()),
        };
        self.cancels
            .lock()
            .expect("cancels lock")
            .remove(&(run_id, uuid.clone()));
        let elapsed = format!("in {:.2}s", started.elapsed().as_secs_f64());
        let log_path = Some(log.file.path().display().to_string());
        let (change, detail) = match outcome {
            Ok(BlockOutcome::Completed {
                mut stored,
                effects,
                ..
            }) => {
                if let Some(map) = stored.as_object_mut()
                    && effects.as_object().is_some_and(|e| !e.is_empty())
                {
                    map.insert("effects".to_owned(), effects);
                }
                let change = BlockRunChange {
                    outputs: Some(stored),
                    log_path,
                    ..BlockRunChange::event(BlockRunEvent::Complete)
                };
                (change, elapsed)
            }
            Ok(BlockOutcome::Cancelled) => (
                BlockRunChange {
                    log_path,
                    ..BlockRunChange::event(BlockRunEvent::Cancel)
                },
                String::new(),
            ),
            Ok(BlockOutcome::Waiting) => self.wait(&claimed, block.timeout, log_path),
            Ok(BlockOutcome::Asks { .. }) => {
                let message = format!(
                    "the block asked about the run history more than {MAX_QUESTION_ROUNDS} times in one check"
                );
                self.failure(
                    claimed.attempt,
                    &block.retry,
                    message.clone(),
                    message,
                    log_path,
                    elapsed,
                )
            }
            Ok(BlockOutcome::Failed {
                error, traceback, ..
            }) => {
                let message = match traceback {
                    Some(traceback) => format!("{error}\n{traceback}"),
                    None => error.clone(),
                };
                self.failure(
                    claimed.attempt,
                    &block.retry,
                    message,
                    error,
                    log_path,
                    elapsed,
                )
            }
            Err(error) => {
                let message = format!("the block could not run: {error}");
                self.failure(
                    claimed.attempt,
                    &block.retry,
                    message.clone(),
                    message,
                    log_path,
                    elapsed,
                )
            }
        };
        // Shared before the outcome is recorded, so whoever sees the block ended can read its log.
        if let Err(error) = self.config.outputs.publish_key(&log_key).await {
            tracing::warn!(%error, run_id, block = %uuid, "the block's log stays on this machine");
        }
        // The lease is kept until the outcome is recorded, so nobody takes the block run over meanwhile.
        let recorded = self.record(run_id, &uuid, change).await;
        heartbeat.abort();
        let status = recorded?;
        self.publish(run_id, &uuid, status, detail);
        Ok(())
    }

    /// Runs the block in the Python runtime; a block that asks about the run history (a sensor's `check_status`) is
    /// answered and run again at once, at most `MAX_QUESTION_ROUNDS` times (a sensor asking about several runs asks
    /// one at a time). Still asking after that, it ends as `Asks`.
    async fn run_answering(
        &self,
        mut request: BlockRequest,
        code_folder: &Path,
        log: Arc<LogTee>,
        run_id: i64,
        uuid: &str,
    ) -> Result<BlockOutcome, String> {
        let mut rounds = 0;
        loop {
            let (cancel, cancelled) = oneshot::channel();
            self.cancels
                .lock()
                .expect("cancels lock")
                .insert((run_id, uuid.to_owned()), cancel);
            let outcome = self
                .python
                .execute(request.clone(), log.clone(), cancelled)
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
                    mut stored,
                    tests,
                    effects,
                } => {
                    self.config
                        .outputs
                        .publish(&mut stored)
                        .await
                        .map_err(|error| error.to_string())?;
                    return Ok(BlockOutcome::Completed {
                        stored,
                        tests,
                        effects,
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

    /// Records how a block run ended. The block's work is done, so a database that is briefly away (a restart, a
    /// failover) is waited for rather than losing the outcome; only a lasting outage gives up.
    async fn record(
        &self,
        run_id: i64,
        uuid: &str,
        change: BlockRunChange,
    ) -> Result<model::BlockRunStatus, WorkerError> {
        let deadline = Instant::now() + self.config.lease * 4;
        let mut pause = std::time::Duration::from_millis(100);
        loop {
            match self
                .store
                .change_block_run(run_id, uuid, change.clone())
                .await
            {
                Ok(status) => return Ok(status),
                Err(storage::StorageError::Database(error)) if Instant::now() < deadline => {
                    tracing::warn!(%error, run_id, block = uuid, "cannot record the outcome yet; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(2));
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Makes the parents' outputs readable on this machine (fetched from the shared store when written elsewhere).
    async fn localize_inputs(
        &self,
        outputs: &mut HashMap<String, Value>,
    ) -> Result<(), runtime::OutputStoreError> {
        for stored in outputs.values_mut() {
            self.config.outputs.localize(stored).await?;
        }
        Ok(())
    }

    /// A sensor's check that did not hold: queued for the next check one interval later, holding no process and no
    /// slot meanwhile (the wait is no attempt). As in Mage, whose timeout covers a sensor's sleeping loop, the
    /// block's `timeout` bounds the whole wait from its first check: a next check that would come after it fails
    /// the block run now.
    fn wait(
        &self,
        claimed: &BlockRun,
        timeout: Option<f64>,
        log_path: Option<String>,
    ) -> (BlockRunChange, String) {
        let now = Utc::now();
        let interval = chrono::Duration::from_std(self.config.sensor_interval)
            .unwrap_or(chrono::Duration::MAX);
        let next_check = now + interval;
        let first_check = claimed.waiting_since.or(claimed.started_at).unwrap_or(now);
        if let Some(timeout) = timeout
            && next_check >= first_check + chrono::Duration::milliseconds((timeout * 1000.0) as i64)
        {
            let message = format!("the sensor did not hold within its timeout of {timeout} s");
            let change = BlockRunChange {
                error: Some(message.clone()),
                log_path,
                ..BlockRunChange::event(BlockRunEvent::Fail)
            };
            return (change, message);
        }
        let change = BlockRunChange {
            log_path,
            ready_at: Some(next_check),
            ..BlockRunChange::event(BlockRunEvent::Wait)
        };
        let at = next_check.with_timezone(&chrono::Local).format("%H:%M:%S");
        (change, format!("(waiting: next check at {at})"))
    }

    /// A failed attempt: queued again after the retry delay while retries are left, else failed.
    fn failure(
        &self,
        attempt: i64,
        retry: &model::RetryConfig,
        message: String,
        summary: String,
        log_path: Option<String>,
        elapsed: String,
    ) -> (BlockRunChange, String) {
        let retries = i64::from(retry.retries.unwrap_or(0));
        if attempt <= retries {
            let delay = retry.delay_before(u32::try_from(attempt).unwrap_or(u32::MAX));
            let ready_at = Utc::now() + chrono::Duration::milliseconds((delay * 1000.0) as i64);
            let change = BlockRunChange {
                error: Some(message),
                log_path,
                ready_at: Some(ready_at),
                ..BlockRunChange::event(BlockRunEvent::Requeue)
            };
            return (change, format!("{summary}; retrying in {delay:.0}s"));
        }
        let change = BlockRunChange {
            error: Some(message),
            log_path,
            ..BlockRunChange::event(BlockRunEvent::Fail)
        };
        (change, format!("{elapsed}: {summary}"))
    }

    /// Renews the lease every third of its span while the block runs, and stops the block when a cancel was
    /// asked for it in the database (by a scheduler in another process).
    fn heartbeat(
        self: &Arc<Self>,
        block_run_id: i64,
        run_id: i64,
        block_uuid: String,
    ) -> tokio::task::JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            let lease = worker.config.lease;
            loop {
                tokio::time::sleep(lease / 3).await;
                let until = Utc::now() + lease_span(lease);
                match worker
                    .store
                    .renew_lease(block_run_id, &worker.config.id, until)
                    .await
                {
                    Ok(Lease::Held) => {}
                    Ok(Lease::CancelRequested) => worker.cancel(run_id, &block_uuid),
                    Ok(Lease::Lost) => {
                        tracing::warn!(block_run_id, "lost the claim on a running block run");
                        return;
                    }
                    Err(error) => tracing::warn!(%error, block_run_id, "cannot renew lease"),
                }
            }
        })
    }

    fn publish(
        &self,
        run_id: i64,
        block_uuid: &str,
        status: model::BlockRunStatus,
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
