//! Starting, stopping and restarting a streaming pipeline (Mage's `type: streaming`), whose one long-lived run is
//! one consumer of its source: a second run at once would be a second consumer, so every way of starting one here
//! (and the run-now paths, through `refuse_second_stream`) refuses while a run of the pipeline is unfinished.
//! Reading the API's request and waiting on HTTP are the server's job, not this module's.

use std::time::Duration;

use model::{BlockRunStatus, Interval, Notice, PipelineDefinition, RunSettings, RunStatus};
use model::{Trigger, TriggerStatus};
use serde_json::Map;
use storage::{PipelineRun, RunFilter};
use tokio::sync::broadcast;

use crate::{RunRequest, Scheduler, SchedulerError};

/// Where a pipeline's stream stands.
#[derive(Debug, Clone)]
pub struct StreamState {
    /// Whether the pipeline is a streaming one; nothing else is filled when it is not.
    pub streaming: bool,
    /// Its unfinished run, newest first if (against the rule) there are several.
    pub running: Option<PipelineRun>,
    /// Its active `@always_on` trigger, which starts go through and which keeps the stream up.
    pub always_on: Option<Trigger>,
    /// Its newest run, finished or not.
    pub newest: Option<PipelineRun>,
}

/// How long a start waits for the source of a run being stopped to end: the supervisor gives a cancelled engine
/// 20 s to store its batch before it kills it, and the worker then records it.
pub const STOP_WAIT: Duration = Duration::from_secs(30);

/// How many of a pipeline's newest finished runs a start looks at for a source still stopping.
const STOPPING_LOOKBACK: i64 = 5;

impl Scheduler {
    /// Where the stream of `pipeline_uuid` stands (the pipeline must exist and load).
    pub async fn stream_state(&self, pipeline_uuid: &str) -> Result<StreamState, SchedulerError> {
        let streaming = self.is_streaming(pipeline_uuid)?;
        let newest = self
            .store
            .runs(RunFilter {
                pipeline_uuid: Some(pipeline_uuid.to_owned()),
                limit: Some(1),
                ..RunFilter::default()
            })
            .await?
            .into_iter()
            .next();
        if !streaming {
            return Ok(StreamState {
                streaming,
                running: None,
                always_on: None,
                newest,
            });
        }
        Ok(StreamState {
            streaming,
            running: self.open_runs(pipeline_uuid).await?.into_iter().next(),
            always_on: self.always_on_trigger(pipeline_uuid).await?,
            newest,
        })
    }

    /// Starts the stream: through its active `@always_on` trigger when it has one (so `keep_on` keeps it up
    /// afterwards), else as a manual run. Refused for a pipeline that is not streaming, and while a run of it is
    /// unfinished; a source still stopping (a run just cancelled) is waited for, up to `STOP_WAIT`.
    pub async fn start_stream(&self, pipeline_uuid: &str) -> Result<PipelineRun, SchedulerError> {
        if !self.is_streaming(pipeline_uuid)? {
            return Err(SchedulerError::NotStreaming(pipeline_uuid.to_owned()));
        }
        self.wait_for_stopping_sources(pipeline_uuid, STOP_WAIT)
            .await?;
        let _starting = self.stream_starts.lock().await;
        self.refuse_second_stream(pipeline_uuid).await?;
        let now = self.clock.now();
        let request = match self.always_on_trigger(pipeline_uuid).await? {
            Some(trigger) => RunRequest::for_trigger(trigger, Map::new(), now),
            None => RunRequest::manual(pipeline_uuid.to_owned(), Map::new(), now),
        };
        self.create_run(request).await
    }

    /// Stops the stream: cancels every unfinished run of the pipeline (its engine stores the batch in hand, then
    /// exits) and returns their ids. A cancelled run is not restarted by `keep_on`.
    pub async fn stop_stream(&self, pipeline_uuid: &str) -> Result<Vec<i64>, SchedulerError> {
        if !self.is_streaming(pipeline_uuid)? {
            return Err(SchedulerError::NotStreaming(pipeline_uuid.to_owned()));
        }
        let runs = self.open_runs(pipeline_uuid).await?;
        if runs.is_empty() {
            return Err(SchedulerError::StreamNotRunning(pipeline_uuid.to_owned()));
        }
        let mut stopped = Vec::with_capacity(runs.len());
        for run in runs {
            self.cancel_run(run.id).await?;
            stopped.push(run.id);
        }
        Ok(stopped)
    }

    /// Stops the stream if it runs, waits until the stopped runs' sources have ended (up to `STOP_WAIT`), then
    /// starts it. Returns the ids of the runs stopped and the new run.
    pub async fn restart_stream(
        &self,
        pipeline_uuid: &str,
    ) -> Result<(Vec<i64>, PipelineRun), SchedulerError> {
        let stopped = match self.stop_stream(pipeline_uuid).await {
            Ok(stopped) => stopped,
            Err(SchedulerError::StreamNotRunning(_)) => Vec::new(),
            Err(error) => return Err(error),
        };
        let run = self.start_stream(pipeline_uuid).await?;
        Ok((stopped, run))
    }

    /// A run of `request.pipeline_uuid` made now ("run now" of the pipeline or of a trigger, Mage's API-trigger
    /// URL): refused for a streaming pipeline while a run of it is unfinished, made as `create_run` makes it
    /// otherwise.
    pub async fn run_now(&self, request: RunRequest) -> Result<PipelineRun, SchedulerError> {
        if !self.is_streaming(&request.pipeline_uuid)? {
            return self.create_run(request).await;
        }
        let _starting = self.stream_starts.lock().await;
        self.refuse_second_stream(&request.pipeline_uuid).await?;
        self.create_run(request).await
    }

    /// The conflict of a second consumer: the error naming the pipeline's unfinished run, if it has one.
    pub(crate) async fn refuse_second_stream(
        &self,
        pipeline_uuid: &str,
    ) -> Result<(), SchedulerError> {
        match self.open_runs(pipeline_uuid).await?.first() {
            Some(run) => Err(SchedulerError::StreamRunning {
                pipeline: pipeline_uuid.to_owned(),
                run_id: run.id,
            }),
            None => Ok(()),
        }
    }

    /// Whether the pipeline, as its files say now, is a streaming one (by the rule runs are recognised by).
    pub(crate) fn is_streaming(&self, pipeline_uuid: &str) -> Result<bool, SchedulerError> {
        if !self
            .project
            .pipeline_uuids()
            .iter()
            .any(|uuid| uuid == pipeline_uuid)
        {
            return Err(SchedulerError::UnknownPipeline(pipeline_uuid.to_owned()));
        }
        let pipeline = self.project.load_pipeline(pipeline_uuid)?.pipeline;
        Ok(streams(&pipeline))
    }

    /// The pipeline's unfinished runs, newest first.
    async fn open_runs(&self, pipeline_uuid: &str) -> Result<Vec<PipelineRun>, SchedulerError> {
        let mut runs = Vec::new();
        for status in [RunStatus::Initial, RunStatus::Running] {
            let filter = RunFilter {
                pipeline_uuid: Some(pipeline_uuid.to_owned()),
                status: Some(status),
                limit: Some(1_000),
                ..RunFilter::default()
            };
            runs.extend(self.store.runs(filter).await?);
        }
        runs.sort_by_key(|run| std::cmp::Reverse(run.id));
        Ok(runs)
    }

    /// The pipeline's active `@always_on` trigger (the oldest, should there be several).
    async fn always_on_trigger(
        &self,
        pipeline_uuid: &str,
    ) -> Result<Option<Trigger>, SchedulerError> {
        let mut triggers = self.store.triggers(Some(pipeline_uuid)).await?;
        triggers.sort_by_key(|trigger| trigger.id);
        Ok(triggers.into_iter().find(|trigger| {
            trigger.status == TriggerStatus::Active
                && trigger
                    .schedule()
                    .is_ok_and(|schedule| matches!(schedule.interval, Interval::AlwaysOn))
        }))
    }

    /// Refuses while a run of the pipeline is unfinished; else waits until no block run of its newest finished
    /// runs is still running (a cancelled run's source storing its last batch), waking on the notice bus and on
    /// the database's change announcements (workers of other processes), up to `within`.
    async fn wait_for_stopping_sources(
        &self,
        pipeline_uuid: &str,
        within: Duration,
    ) -> Result<(), SchedulerError> {
        // Subscribed before the first look, so an end between the look and the wait is not missed.
        let mut notices = self.notices.subscribe();
        let mut changes = None;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.refuse_second_stream(pipeline_uuid).await?;
            let Some(stopping) = self.stopping_run(pipeline_uuid).await? else {
                return Ok(());
            };
            if changes.is_none() {
                // Only when there is something to wait for: on PostgreSQL this holds a connection.
                changes = Some(self.store.watch_changes().await.ok().flatten());
            }
            let changes = changes.as_mut().expect("set above");
            let woke = tokio::time::timeout_at(deadline, async {
                loop {
                    tokio::select! {
                        notice = notices.recv() => match notice {
                            Ok(Notice::BlockRun { run_id, status, .. })
                                if run_id == stopping && status.is_finished() => return,
                            Ok(_) => {}
                            // Missed notices may have held this run's: look again.
                            Err(broadcast::error::RecvError::Lagged(_)) => return,
                            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                        },
                        change = storage::next_change(changes) => match change {
                            Some(storage::Change::Run(run_id)) if run_id == stopping => return,
                            Some(_) => {}
                            None => *changes = None,
                        },
                        // A safety net for a change announced nowhere this process hears (a worker elsewhere on
                        // SQLite cannot exist; on PostgreSQL its NOTIFY is heard above).
                        _ = tokio::time::sleep(Duration::from_secs(1)) => return,
                    }
                }
            })
            .await;
            if woke.is_err() {
                return Err(SchedulerError::StreamStopping {
                    pipeline: pipeline_uuid.to_owned(),
                    run_id: stopping,
                    seconds: within.as_secs(),
                });
            }
        }
    }

    /// A finished run among the pipeline's newest whose block run is still running (its source stopping).
    async fn stopping_run(&self, pipeline_uuid: &str) -> Result<Option<i64>, SchedulerError> {
        let newest = self
            .store
            .runs(RunFilter {
                pipeline_uuid: Some(pipeline_uuid.to_owned()),
                limit: Some(STOPPING_LOOKBACK),
                ..RunFilter::default()
            })
            .await?;
        for run in newest.iter().filter(|run| run.status.is_finished()) {
            let block_runs = self.store.block_runs(run.id).await?;
            if block_runs
                .iter()
                .any(|block_run| block_run.status == BlockRunStatus::Running)
            {
                return Ok(Some(run.id));
            }
        }
        Ok(None)
    }
}

/// Whether `pipeline` is a streaming one, by the rule its runs are recognised by
/// (`PipelineDefinition::streaming_source`).
pub(crate) fn streams(pipeline: &model::Pipeline) -> bool {
    PipelineDefinition::pin(pipeline, None, RunSettings::default())
        .streaming_source()
        .is_some()
}
