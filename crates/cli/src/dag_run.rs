//! The in-process DAG loop of `wand run`: starts each block once its parents completed, at most `concurrency` at
//! once, retries failed blocks per their `retry_config`, and marks the descendants of a failed block
//! `upstream_failed`. Every status change goes to the run history as it happens.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use model::{Block, BlockRunEvent, BlockRunStatus, Pipeline};
use project::Project;
use runtime::{BlockOutcome, BlockRequest, PythonWorkers, RuntimeError};
use serde_json::{Map, Value};
use storage::{BlockRunChange, RunStore};
use tokio::task::JoinSet;

use crate::display::{BlockLog, Display};

/// What every block of one run shares.
pub(crate) struct RunContext {
    pub(crate) project: Project,
    pub(crate) data_dir: PathBuf,
    pub(crate) run_dir: PathBuf,
    pub(crate) run_id: i64,
    pub(crate) execution_date: chrono::DateTime<Utc>,
    pub(crate) variables: Map<String, Value>,
    pub(crate) run_tests: bool,
    pub(crate) workers: Arc<PythonWorkers>,
}

/// A block that did not complete, with what to show the user.
pub(crate) struct Failure {
    pub(crate) block: String,
    pub(crate) error: String,
    pub(crate) log_tail: Vec<String>,
    pub(crate) log_path: PathBuf,
}

/// How the run went.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) failures: Vec<Failure>,
    /// `set_global_variable` requests from the blocks, to apply once the run is over.
    pub(crate) effects: Vec<Value>,
}

type Finished = (String, Result<BlockOutcome, RuntimeError>, Duration);

/// One run of a set of blocks of a pipeline.
pub(crate) struct DagRun<'a> {
    context: &'a RunContext,
    pipeline: &'a Pipeline,
    blocks: Vec<&'a Block>,
    store: &'a dyn RunStore,
    display: &'a Display,
    status: HashMap<String, BlockRunStatus>,
    /// Stored outputs of completed blocks (and, for `--block-uuid`, of parents from earlier runs).
    outputs: HashMap<String, Value>,
    attempts: HashMap<String, u32>,
    logs: HashMap<String, Arc<BlockLog>>,
    /// Failed blocks waiting for their retry, with when it is due.
    retries: Vec<(Instant, String)>,
    running: JoinSet<Finished>,
    report: Report,
}

impl<'a> DagRun<'a> {
    pub(crate) fn new(
        context: &'a RunContext,
        pipeline: &'a Pipeline,
        blocks: Vec<&'a Block>,
        earlier_outputs: HashMap<String, Value>,
        store: &'a dyn RunStore,
        display: &'a Display,
    ) -> DagRun<'a> {
        DagRun {
            status: blocks
                .iter()
                .map(|block| (block.uuid.clone(), BlockRunStatus::Initial))
                .collect(),
            context,
            pipeline,
            blocks,
            store,
            display,
            outputs: earlier_outputs,
            attempts: HashMap::new(),
            logs: HashMap::new(),
            retries: Vec::new(),
            running: JoinSet::new(),
            report: Report::default(),
        }
    }

    /// Runs until no block can make progress.
    pub(crate) async fn execute(mut self, concurrency: usize) -> anyhow::Result<Report> {
        loop {
            for block in self.ready_blocks() {
                if self.running.len() >= concurrency {
                    break;
                }
                self.change(&block.uuid, BlockRunChange::event(BlockRunEvent::Enqueue))
                    .await?;
                self.start(block).await?;
            }
            let now = Instant::now();
            while self.running.len() < concurrency
                && let Some(position) = self.retries.iter().position(|(due, _)| *due <= now)
            {
                let (_, uuid) = self.retries.remove(position);
                let block = self.block(&uuid);
                self.start(block).await?;
            }
            let next_retry = self.retries.iter().map(|(due, _)| *due).min();
            if self.running.is_empty() && next_retry.is_none() {
                break;
            }
            tokio::select! {
                Some(joined) = self.running.join_next() => {
                    let (uuid, outcome, elapsed) = joined.context("a block task panicked")?;
                    self.finish(&uuid, outcome?, elapsed).await?;
                }
                _ = tokio::time::sleep_until(next_retry.unwrap_or(now).into()), if next_retry.is_some() => {}
            }
        }
        Ok(self.report)
    }

    fn block(&self, uuid: &str) -> &'a Block {
        self.blocks
            .iter()
            .copied()
            .find(|block| block.uuid == uuid)
            .expect("the block belongs to the run")
    }

    /// Blocks still `initial` whose parents in this run all completed, in pipeline order.
    fn ready_blocks(&self) -> Vec<&'a Block> {
        self.blocks
            .iter()
            .copied()
            .filter(|block| self.status[&block.uuid] == BlockRunStatus::Initial)
            .filter(|block| {
                block.upstream.iter().all(|parent| {
                    self.status
                        .get(parent)
                        .is_none_or(|status| *status == BlockRunStatus::Completed)
                })
            })
            .collect()
    }

    async fn change(&mut self, uuid: &str, change: BlockRunChange) -> anyhow::Result<()> {
        let status = self
            .store
            .change_block_run(self.context.run_id, uuid, change)
            .await?;
        self.status.insert(uuid.to_owned(), status);
        Ok(())
    }

    /// Starts a queued block in a fresh child of the warm worker.
    async fn start(&mut self, block: &'a Block) -> anyhow::Result<()> {
        let log = match self.logs.get(&block.uuid) {
            Some(log) => log.clone(),
            None => {
                let path = self
                    .context
                    .run_dir
                    .join("logs")
                    .join(format!("{}.log", block.uuid));
                let log = Arc::new(BlockLog::create(&path)?);
                self.logs.insert(block.uuid.clone(), log.clone());
                log
            }
        };
        self.change(
            &block.uuid,
            BlockRunChange {
                log_path: Some(log.path().display().to_string()),
                ..BlockRunChange::event(BlockRunEvent::Start)
            },
        )
        .await?;
        let attempt = self.attempts.entry(block.uuid.clone()).or_insert(0);
        *attempt += 1;
        let detail = if *attempt > 1 {
            format!("(attempt {attempt})")
        } else {
            String::new()
        };
        self.display
            .status(&block.uuid, BlockRunStatus::Running, &detail);
        let request = self.request(block);
        let workers = self.context.workers.clone();
        let uuid = block.uuid.clone();
        self.running.spawn(async move {
            let started = Instant::now();
            let outcome = workers.execute(request, log).await;
            (uuid, outcome, started.elapsed())
        });
        Ok(())
    }

    async fn finish(
        &mut self,
        uuid: &str,
        outcome: BlockOutcome,
        elapsed: Duration,
    ) -> anyhow::Result<()> {
        let timing = format!("in {:.2}s", elapsed.as_secs_f64());
        match outcome {
            BlockOutcome::Completed {
                stored, effects, ..
            } => {
                let change = BlockRunChange {
                    outputs: Some(stored.clone()),
                    ..BlockRunChange::event(BlockRunEvent::Complete)
                };
                self.change(uuid, change).await?;
                self.outputs.insert(uuid.to_owned(), stored);
                self.display
                    .status(uuid, BlockRunStatus::Completed, &timing);
                if let Some(list) = effects.get("set_global_variable").and_then(Value::as_array) {
                    self.report.effects.extend(list.iter().cloned());
                }
            }
            BlockOutcome::Failed {
                error, traceback, ..
            } => {
                let block = self.block(uuid);
                let attempt = self.attempts.get(uuid).copied().unwrap_or(1);
                if attempt <= block.retry.retries.unwrap_or(0) {
                    let delay = block.retry.delay_before(attempt);
                    self.change(uuid, BlockRunChange::event(BlockRunEvent::Requeue))
                        .await?;
                    self.display.status(
                        uuid,
                        BlockRunStatus::Queued,
                        &format!("{error}; retrying in {delay:.0}s"),
                    );
                    self.retries.push((
                        Instant::now() + Duration::from_secs_f64(delay),
                        uuid.to_owned(),
                    ));
                    return Ok(());
                }
                let message = match &traceback {
                    Some(traceback) => format!("{error}\n{traceback}"),
                    None => error.clone(),
                };
                let change = BlockRunChange {
                    error: Some(message),
                    ..BlockRunChange::event(BlockRunEvent::Fail)
                };
                self.change(uuid, change).await?;
                self.display.status(uuid, BlockRunStatus::Failed, &timing);
                self.record_failure(uuid, error);
                self.skip_descendants(uuid).await?;
            }
            BlockOutcome::Cancelled => {
                self.change(uuid, BlockRunChange::event(BlockRunEvent::Cancel))
                    .await?;
                self.display.status(uuid, BlockRunStatus::Cancelled, "");
                self.record_failure(uuid, "cancelled".to_owned());
                self.skip_descendants(uuid).await?;
            }
        }
        Ok(())
    }

    fn record_failure(&mut self, uuid: &str, error: String) {
        let log = &self.logs[uuid];
        self.report.failures.push(Failure {
            block: uuid.to_owned(),
            error,
            log_tail: log.tail(),
            log_path: log.path().to_owned(),
        });
    }

    /// The blocks below a failed one will not run in this run.
    async fn skip_descendants(&mut self, uuid: &str) -> anyhow::Result<()> {
        for descendant in self.pipeline.dag.descendants(uuid) {
            if self.status.get(&descendant) == Some(&BlockRunStatus::Initial) {
                self.change(
                    &descendant,
                    BlockRunChange::event(BlockRunEvent::UpstreamFail),
                )
                .await?;
                self.display.status(
                    &descendant,
                    BlockRunStatus::UpstreamFailed,
                    &format!("(after `{uuid}` failed)"),
                );
            }
        }
        Ok(())
    }

    fn request(&self, block: &Block) -> BlockRequest {
        let context = self.context;
        BlockRequest {
            repo_path: context.project.root().display().to_string(),
            project_name: context.project.name().to_owned(),
            data_dir: context.data_dir.display().to_string(),
            pipeline_uuid: self.pipeline.uuid.clone(),
            block_uuid: block.uuid.clone(),
            block_type: block.block_type.as_str().to_owned(),
            run_id: context.run_id,
            file: block.file.clone(),
            execution_date: context.execution_date.to_rfc3339(),
            execution_partition: format!(
                "manual/{}",
                context.execution_date.format("%Y%m%dT%H%M%S")
            ),
            env: std::env::var("ENV").unwrap_or_else(|_| "dev".to_owned()),
            trigger_name: None,
            variables: context.variables.clone(),
            configuration: block.configuration.clone(),
            inputs: block
                .upstream
                .iter()
                .map(|parent| self.outputs.get(parent).cloned().unwrap_or(Value::Null))
                .collect(),
            output_dir: context.run_dir.join(&block.uuid).display().to_string(),
            run_tests: context.run_tests,
            timeout: block.timeout,
        }
    }
}
