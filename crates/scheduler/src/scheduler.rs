//! The scheduler's loop over a closed set of events, and what it does for each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use model::{
    BlockRunEvent, BlockRunStatus, Notice, PipelineDefinition, RunEvent, RunSettings, RunStatus,
    Trigger,
};
use project::Project;
use serde_json::{Map, Value};
use storage::{BlockRunChange, NewRun, PipelineRun, RunFilter, Store};
use tokio::sync::{broadcast, watch};

use crate::{Clock, SchedulerError, Step, advance};

/// Every reason the scheduler wakes up.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Periodic: advance every unfinished run and recover expired leases.
    Tick,
    /// A run was created or one of its block runs changed: advance it.
    RunChanged(i64),
    Shutdown,
}

/// A run to create now.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub pipeline_uuid: String,
    /// The trigger it comes from; its variables are the run's, under `variables`.
    pub trigger: Option<Trigger>,
    /// The run's own variables (trigger variables, API payload, `--runtime-vars`).
    pub variables: Map<String, Value>,
    /// The schedule slot, or now.
    pub execution_date: DateTime<Utc>,
    /// Run only these blocks (their parents' outputs come from the newest earlier run).
    pub only_blocks: Option<Vec<String>>,
    pub settings: RunSettings,
    /// The global data product the run makes (see `PipelineDefinition::global_data_product`).
    pub global_data_product: Option<String>,
}

impl RunRequest {
    /// A run of a pipeline started by hand, without a trigger: default settings, every block, `variables` over
    /// the pipeline's.
    pub fn manual(
        pipeline_uuid: String,
        variables: Map<String, Value>,
        execution_date: DateTime<Utc>,
    ) -> RunRequest {
        RunRequest {
            pipeline_uuid,
            trigger: None,
            variables,
            execution_date,
            only_blocks: None,
            settings: RunSettings::default(),
            global_data_product: None,
        }
    }

    /// A run of `trigger`'s pipeline with the trigger's settings and its variables, overridden by `variables`.
    pub fn for_trigger(
        trigger: Trigger,
        variables: Map<String, Value>,
        execution_date: DateTime<Utc>,
    ) -> RunRequest {
        let mut run_variables = trigger.variables.clone();
        run_variables.extend(variables);
        RunRequest {
            pipeline_uuid: trigger.pipeline_uuid.clone(),
            settings: trigger.settings.run_settings(),
            trigger: Some(trigger),
            variables: run_variables,
            execution_date,
            only_blocks: None,
            global_data_product: None,
        }
    }
}

/// Advances runs; one per database.
pub struct Scheduler {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) notices: broadcast::Sender<Notice>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) project: Project,
    pub(crate) digests: crate::trigger_files::Digests,
    /// Held while triggers files are applied, and while a pipeline folder and its triggers move or go together.
    pub(crate) trigger_files_lock: tokio::sync::Mutex<()>,
    /// The pipelines seen at the last sync; triggers of pipelines that vanished since are deleted.
    pub(crate) known_pipelines: std::sync::Mutex<Option<Vec<String>>>,
    /// How long after a database restart leases are left alone (see `Store::expired_leases`).
    lease_restart_grace: Duration,
    /// Hashes the project's code for each new run, reading only the files that changed.
    code: Arc<project::CodeHasher>,
    /// When (by the scheduler's clock) the last full pass over unfinished runs began.
    last_full_pass: std::sync::Mutex<Option<DateTime<Utc>>>,
    /// How notification settings are rendered, and where messages link to.
    pub(crate) notify: crate::NotifySettings,
    /// Open runs' pinned definitions and DAGs, by run id (see `Scheduler::pinned_definition`).
    pinned: std::sync::Mutex<HashMap<i64, Arc<(PipelineDefinition, model::Dag)>>>,
    /// Whether `@always_on` triggers start runs (not in `wand run`, whose one run is the stream).
    pub(crate) always_on: bool,
    /// Held from the check that a streaming pipeline has no unfinished run to the creation of its run, so two
    /// starts at once make one consumer (see `streams.rs`).
    pub(crate) stream_starts: tokio::sync::Mutex<()>,
}

/// Open runs whose definition the scheduler keeps parsed; past it the memory is cleared and refilled as runs advance.
const PINNED_RUNS: usize = 256;

/// How often the tick's full pass over unfinished runs (a safety net for missed notices) runs.
const FULL_PASS_EVERY: Duration = Duration::from_secs(5);

impl Scheduler {
    pub fn new(
        store: Arc<dyn Store>,
        notices: broadcast::Sender<Notice>,
        clock: Arc<dyn Clock>,
        project: Project,
    ) -> Scheduler {
        Scheduler {
            store,
            notices,
            clock,
            project,
            digests: Default::default(),
            trigger_files_lock: tokio::sync::Mutex::new(()),
            known_pipelines: std::sync::Mutex::new(None),
            lease_restart_grace: Duration::ZERO,
            last_full_pass: std::sync::Mutex::new(None),
            always_on: true,
            code: Arc::default(),
            notify: crate::NotifySettings::default(),
            pinned: std::sync::Mutex::default(),
            stream_starts: tokio::sync::Mutex::new(()),
        }
    }

    /// Renders notification settings with `settings` (the environment; the run pages' base URL).
    pub fn with_notifications(mut self, settings: crate::NotifySettings) -> Scheduler {
        self.notify = settings;
        self
    }

    /// Leaves `@always_on` triggers alone: `wand run` runs its own one run of a streaming pipeline in the
    /// foreground, and a trigger's run beside it would be a second consumer of the same source.
    pub fn without_always_on(mut self) -> Scheduler {
        self.always_on = false;
        self
    }

    /// Whether the full pass over unfinished runs is due (and if so, notes that it starts now).
    fn full_pass_due(&self) -> bool {
        let now = self.clock.now();
        let mut last = self.last_full_pass.lock().expect("full pass lock");
        let due = last.is_none_or(|at| {
            (now - at)
                .to_std()
                .map_or(true, |elapsed| elapsed >= FULL_PASS_EVERY)
        });
        if due {
            *last = Some(now);
        }
        due
    }

    /// Leaves leases alone for `grace` after the database restarts, so workers that waited it out can renew them
    /// instead of having their blocks run again. At least the workers' lease span.
    pub fn with_lease_restart_grace(mut self, grace: Duration) -> Scheduler {
        self.lease_restart_grace = grace;
        self
    }

    /// Runs until `shutdown` turns true: wakes on every notice of a status change and every `tick`. Time triggers
    /// fire on a loop of their own (`fire_on_time`), so a long pass over open runs never holds up a due slot.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>, tick: Duration) {
        let firing = tokio::spawn(self.clone().fire_on_time(shutdown.clone()));
        self.serve(&mut shutdown, tick).await;
        if let Err(error) = firing.await {
            tracing::error!(%error, "the trigger loop ended abnormally");
        }
    }

    /// Fires time triggers at each whole second of the clock (a cron slot's time) until `shutdown` turns true. Each
    /// second's runs are worked out shortly before it (`plan_triggers`; twice as long before as the last plan took,
    /// so a change to a trigger is seen unless it comes in that last stretch), so creating them starts on time. A
    /// second that comes while the last one still works is skipped, its slots left to the next.
    async fn fire_on_time(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut planning_took = Duration::ZERO;
        loop {
            let now = self.clock.now();
            let second = whole_second(now) + chrono::Duration::seconds(1);
            // A few milliseconds past the second, so the slot is due by every clock reading of the tick. The waits
            // are worked out from the clock each time, so the ticks stay on its seconds.
            let fire_at = second + chrono::Duration::milliseconds(3);
            let lead =
                (planning_took * 2 + Duration::from_millis(50)).min(Duration::from_millis(900));
            let plan_at = fire_at - chrono::Duration::from_std(lead).unwrap_or_default();
            if !self.wait_until(plan_at, &mut shutdown).await {
                return;
            }
            let started = std::time::Instant::now();
            let mut ahead = match self.store.try_lead().await {
                Ok(true) => match self.plan_triggers(second).await {
                    Ok(plan) => Some(plan),
                    Err(error) => {
                        tracing::error!(%error, "the triggers' next runs could not be worked out");
                        None
                    }
                },
                Ok(false) => None,
                Err(error) => {
                    tracing::error!(%error, "triggers could not fire");
                    None
                }
            };
            planning_took = started.elapsed();
            if !self.wait_until(fire_at, &mut shutdown).await {
                return;
            }
            // Several servers may share a database; one of them fires triggers.
            let fired = match self.store.try_lead().await {
                Ok(true) => {
                    let now = self.clock.now();
                    let plan = match ahead.take() {
                        Some(plan) if plan.at == whole_second(now) => Ok(plan),
                        // Late (the plan took longer than the second), or another server led when it was made.
                        _ => self.plan_triggers(now).await,
                    };
                    match plan {
                        Ok(plan) => {
                            self.carry_out(plan).await;
                            Ok(())
                        }
                        Err(error) => Err(error),
                    }
                }
                Ok(false) => Ok(()),
                Err(error) => Err(SchedulerError::from(error)),
            };
            if let Err(error) = fired {
                tracing::error!(%error, "triggers could not fire");
            }
        }
    }

    /// Waits until the clock reads `at`; false if `shutdown` came first.
    async fn wait_until(&self, at: DateTime<Utc>, shutdown: &mut watch::Receiver<bool>) -> bool {
        let wait = (at - self.clock.now()).to_std().unwrap_or_default();
        tokio::select! {
            _ = shutdown.changed() => false,
            _ = tokio::time::sleep(wait) => true,
        }
    }

    /// The loop over events, without firing triggers (see `run`).
    async fn serve(&self, shutdown: &mut watch::Receiver<bool>, tick: Duration) {
        let mut notices = self.notices.subscribe();
        // Other processes (workers, servers) sharing the database announce their changes through it.
        let mut changes = match self.store.watch_changes().await {
            Ok(changes) => changes,
            Err(error) => {
                tracing::warn!(%error, "cannot watch the database for changes; other processes are seen each tick");
                None
            }
        };
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let event = tokio::select! {
                _ = shutdown.changed() => Event::Shutdown,
                _ = interval.tick() => Event::Tick,
                change = storage::next_change(&mut changes) => match change {
                    Some(storage::Change::Run(run_id)) => Event::RunChanged(run_id),
                    Some(storage::Change::Queue) => continue,
                    None => {
                        changes = None;
                        continue;
                    }
                },
                notice = notices.recv() => match notice {
                    Ok(Notice::Run { run_id, status: RunStatus::Initial }) => Event::RunChanged(run_id),
                    Ok(Notice::BlockRun { run_id, status, .. }) if status.is_finished() => Event::RunChanged(run_id),
                    Ok(_) => continue,
                    // Missed notices are caught up by a full pass.
                    Err(broadcast::error::RecvError::Lagged(_)) => Event::Tick,
                    Err(broadcast::error::RecvError::Closed) => Event::Shutdown,
                },
            };
            if event == Event::Shutdown {
                return;
            }
            // Notices that came meanwhile name the same runs over and over (a fan-out's children finishing):
            // each run is advanced once for all of them.
            let mut events = vec![event];
            if let Some(Event::RunChanged(first)) = events.first() {
                let mut runs = std::collections::BTreeSet::from([*first]);
                loop {
                    match notices.try_recv() {
                        Ok(Notice::Run {
                            run_id,
                            status: RunStatus::Initial,
                        }) => {
                            runs.insert(run_id);
                        }
                        Ok(Notice::BlockRun { run_id, status, .. }) if status.is_finished() => {
                            runs.insert(run_id);
                        }
                        Ok(_) => {}
                        Err(broadcast::error::TryRecvError::Lagged(_)) => events.push(Event::Tick),
                        Err(_) => break,
                    }
                }
                events.splice(0..1, runs.into_iter().map(Event::RunChanged));
            }
            for event in events {
                if let Err(error) = self.handle_event(event.clone(), false).await {
                    tracing::error!(%error, ?event, "scheduler step failed");
                }
            }
        }
    }

    /// Handles one event; a tick also fires time triggers.
    pub async fn handle(&self, event: Event) -> Result<(), SchedulerError> {
        self.handle_event(event, true).await
    }

    async fn handle_event(&self, event: Event, fire_triggers: bool) -> Result<(), SchedulerError> {
        match event {
            Event::Tick => {
                // Several servers may share a database; one of them does the periodic duties.
                if !self.store.try_lead().await? {
                    return Ok(());
                }
                self.sync_trigger_files().await?;
                if fire_triggers {
                    self.fire_triggers().await?;
                }
                self.recover_expired_leases().await?;
                self.pass_over_backfills().await?;
                // Runs advance as their block runs change; the full pass only catches missed notices, so it need
                // not hold up trigger firing every tick when thousands of runs are open.
                if !self.full_pass_due() {
                    return Ok(());
                }
                for status in [RunStatus::Initial, RunStatus::Running] {
                    let filter = RunFilter {
                        status: Some(status),
                        limit: Some(10_000),
                        ..RunFilter::default()
                    };
                    let runs = self.store.runs(filter).await?;
                    for run in &runs {
                        // A backfill's waiting runs start through its own pass (`pass_over_backfills`).
                        if run.status == RunStatus::Initial && run.backfill_id.is_some() {
                            continue;
                        }
                        self.advance_run(run.id).await?;
                    }
                    // Mage checks SLAs on its scheduler's pass too (`check_sla`).
                    self.check_slas(&runs).await?;
                }
                Ok(())
            }
            Event::RunChanged(run_id) => self.advance_run(run_id).await.map(|_| ()),
            Event::Shutdown => Ok(()),
        }
    }

    /// The hash of the project's code now, kept in the store (once per version) for workers that lack it.
    pub(crate) async fn pin_code(&self) -> Result<String, SchedulerError> {
        let root = self.project.root().to_owned();
        let hash = {
            let (root, code) = (root.clone(), self.code.clone());
            tokio::task::spawn_blocking(move || code.hash(&root))
                .await
                .map_err(|error| SchedulerError::Code(error.to_string()))??
        };
        if self.store.has_code(&hash).await? {
            return Ok(hash);
        }
        let snapshot = tokio::task::spawn_blocking(move || project::snapshot(&root))
            .await
            .map_err(|error| SchedulerError::Code(error.to_string()))??;
        self.store
            .save_code(&snapshot.hash, &snapshot.archive)
            .await?;
        Ok(snapshot.hash)
    }

    /// Creates a run of the pipeline as its files define it now (validated, then pinned), and announces it.
    pub async fn create_run(&self, request: RunRequest) -> Result<PipelineRun, SchedulerError> {
        let pipeline = self.project.load_pipeline(&request.pipeline_uuid)?.pipeline;
        let code_hash = self.pin_code().await?;
        self.create_pinned_run(&pipeline, code_hash, request).await
    }

    /// Creates a run of `pipeline` as already loaded, running the code version `code_hash`.
    pub(crate) async fn create_pinned_run(
        &self,
        pipeline: &model::Pipeline,
        code_hash: String,
        request: RunRequest,
    ) -> Result<PipelineRun, SchedulerError> {
        self.insert_run(pipeline, code_hash, request, None).await
    }

    /// Creates run `extra.slot` of a backfill (see `backfills.rs`).
    pub(crate) async fn create_backfill_run(
        &self,
        pipeline: &model::Pipeline,
        code_hash: String,
        request: RunRequest,
        extra: crate::backfills::BackfillRun,
    ) -> Result<PipelineRun, SchedulerError> {
        self.insert_run(pipeline, code_hash, request, Some(extra))
            .await
    }

    async fn insert_run(
        &self,
        pipeline: &model::Pipeline,
        code_hash: String,
        request: RunRequest,
        backfill: Option<crate::backfills::BackfillRun>,
    ) -> Result<PipelineRun, SchedulerError> {
        let run = self
            .store
            .create_run(new_run(pipeline, code_hash, request, backfill))
            .await?;
        self.publish(Notice::Run {
            run_id: run.id,
            status: RunStatus::Initial,
        });
        Ok(run)
    }

    /// Applies `advance` to one run and returns its status afterwards. A dynamic child expanded on the way is
    /// advanced again at once, so its instances are queued without waiting for another change.
    pub async fn advance_run(&self, run_id: i64) -> Result<RunStatus, SchedulerError> {
        loop {
            let (status, expanded) = self.advance_once(run_id).await?;
            if !expanded || status.is_finished() {
                return Ok(status);
            }
        }
    }

    /// One pass of `advance` over a run: its status afterwards, and whether a dynamic child was expanded.
    async fn advance_once(&self, run_id: i64) -> Result<(RunStatus, bool), SchedulerError> {
        let Some(state) = self.store.run_state(run_id).await? else {
            self.forget_pinned(run_id);
            return Err(storage::StorageError::RunNotFound(run_id).into());
        };
        let run = state.head;
        if run.status.is_finished() {
            self.forget_pinned(run_id);
            return Ok((run.status, false));
        }
        let pinned = self.pinned_definition(run_id).await?;
        let (definition, dag) = (&pinned.0, &pinned.1);
        if run.status == RunStatus::Initial {
            if run.backfill_id.is_some() {
                // A backfill's run waits for a free slot under its run limits (or another scheduler started it).
                if !self.start_backfill_run(run_id).await? {
                    return Ok((RunStatus::Initial, false));
                }
            } else {
                self.change_run(run_id, RunEvent::Start).await?;
            }
        }
        if let (Some(limit), Some(started)) = (definition.settings.timeout, run.started_at)
            && (self.clock.now() - started).num_milliseconds() as f64 > limit * 1000.0
        {
            tracing::warn!(run = run_id, limit, "run passed its timeout");
            let event = match definition.settings.timeout_status {
                model::TimeoutStatus::Failed => RunEvent::Fail,
                model::TimeoutStatus::Cancelled => RunEvent::Cancel,
            };
            let run = self.whole_run(run_id).await?;
            return Ok((self.stop_run(&run, event).await?, false));
        }
        // The block runs were read before the run started: starting it changes none of them.
        let dynamic = definition.blocks.iter().any(|block| block.is_dynamic());
        let counts = match dynamic {
            true => self.store.instance_counts(run_id).await?,
            false => Vec::new(),
        };
        let mut instances = crate::Instances::default();
        for counted in counts {
            instances
                .counts
                .entry(counted.origin)
                .or_default()
                .insert(counted.status, usize::try_from(counted.count).unwrap_or(0));
        }
        let mut statuses: HashMap<String, BlockRunStatus> = HashMap::new();
        for block_run in state.block_runs {
            match block_run.origin {
                Some(origin) => instances.waiting.push((origin, block_run.block_uuid)),
                None => {
                    statuses.insert(block_run.block_uuid, block_run.status);
                }
            }
        }
        let mut status = RunStatus::Running;
        let mut expanded = false;
        let streaming_source = definition
            .streaming_source()
            .map(|block| block.uuid.clone());
        for step in advance(dag, &statuses, &instances, definition.settings) {
            let (block, change) = match step {
                // A streaming run's transformers and sinks ran in their source's process: they complete with it.
                Step::Enqueue(block)
                    if streaming_source
                        .as_ref()
                        .is_some_and(|source| *source != block) =>
                {
                    (block, BlockRunChange::event(BlockRunEvent::Expand))
                }
                Step::Enqueue(block) => (block, BlockRunChange::event(BlockRunEvent::Enqueue)),
                Step::UpstreamFail(block) => {
                    (block, BlockRunChange::event(BlockRunEvent::UpstreamFail))
                }
                Step::ConditionFail(block) => {
                    (block, BlockRunChange::event(BlockRunEvent::ConditionFail))
                }
                Step::Cancel(block) => (block, BlockRunChange::event(BlockRunEvent::Cancel)),
                Step::Expand(block) => {
                    expanded = true;
                    match self.expand(run_id, definition, &block).await? {
                        None => continue,
                        Some(error) => (
                            block,
                            BlockRunChange {
                                error: Some(error),
                                ..BlockRunChange::event(BlockRunEvent::Fail)
                            },
                        ),
                    }
                }
                Step::Finish(event) => {
                    if event == RunEvent::Complete {
                        self.apply_effects(&self.store.block_runs(run_id).await?)?;
                    }
                    let run = self.whole_run(run_id).await?;
                    status = self.finish_run(&run, event, None).await?;
                    self.forget_pinned(run_id);
                    continue;
                }
            };
            let new = match self.store.change_block_run(run_id, &block, change).await {
                Ok(new) => new,
                // Another server sharing the database made this change first.
                Err(storage::StorageError::Transition(_)) => continue,
                Err(error) => return Err(error.into()),
            };
            self.publish(Notice::BlockRun {
                run_id,
                block_uuid: block,
                status: new,
                detail: String::new(),
            });
        }
        Ok((status, expanded))
    }

    /// A run's pinned definition and its DAG, parsed once for all the steps of the run (they never change).
    async fn pinned_definition(
        &self,
        run_id: i64,
    ) -> Result<Arc<(PipelineDefinition, model::Dag)>, SchedulerError> {
        if let Some(found) = self.pinned.lock().expect("pinned lock").get(&run_id) {
            return Ok(found.clone());
        }
        let found = Arc::new(pinned(&self.whole_run(run_id).await?)?);
        let mut cache = self.pinned.lock().expect("pinned lock");
        if cache.len() >= PINNED_RUNS {
            cache.clear();
        }
        cache.insert(run_id, found.clone());
        Ok(found)
    }

    fn forget_pinned(&self, run_id: i64) {
        self.pinned.lock().expect("pinned lock").remove(&run_id);
    }

    async fn whole_run(&self, run_id: i64) -> Result<PipelineRun, SchedulerError> {
        self.store
            .run(run_id)
            .await?
            .ok_or_else(|| storage::StorageError::RunNotFound(run_id).into())
    }

    /// Creates the instances of dynamic child `block`, or returns why it cannot run (it then fails).
    async fn expand(
        &self,
        run_id: i64,
        definition: &PipelineDefinition,
        block: &str,
    ) -> Result<Option<String>, SchedulerError> {
        let Some(pinned) = definition.block(block) else {
            return Err(SchedulerError::UnknownBlock {
                run_id,
                block: block.to_owned(),
            });
        };
        // The parents' block runs, and the instances of those that are dynamic children.
        let parents = self
            .store
            .block_runs_for(run_id, &pinned.upstream, &pinned.upstream)
            .await?;
        let instances = match crate::expand::instances_of(definition, pinned, &parents) {
            Ok(instances) => instances,
            Err(error) => return Ok(Some(error)),
        };
        let count = instances.len();
        match self.store.expand_block(run_id, block, instances).await {
            Ok(()) => {}
            // Another server sharing the database expanded it first.
            Err(storage::StorageError::Transition(_)) => return Ok(None),
            Err(error) => return Err(error.into()),
        }
        tracing::debug!(run = run_id, block, count, "dynamic child expanded");
        self.publish(Notice::BlockRun {
            run_id,
            block_uuid: block.to_owned(),
            status: BlockRunStatus::Completed,
            detail: format!("{count} dynamic children"),
        });
        Ok(None)
    }

    /// Cancels a run: waiting block runs are cancelled at once, running ones are asked to stop (their worker kills
    /// the block's processes and records them cancelled).
    pub async fn cancel_run(&self, run_id: i64) -> Result<RunStatus, SchedulerError> {
        let Some(run) = self.store.run(run_id).await? else {
            return Err(storage::StorageError::RunNotFound(run_id).into());
        };
        self.stop_run(&run, RunEvent::Cancel).await
    }

    /// Ends a run with `event` (cancel, or fail for a timeout) and stops its block runs. As in Mage, a cancelled
    /// run's block runs whose blocks have callbacks get their `cancelled` callbacks run afterwards, by a worker
    /// (`RunStore::claim_cancelled_callbacks`): those cancelled here, and those its workers stop.
    async fn stop_run(
        &self,
        run: &PipelineRun,
        event: RunEvent,
    ) -> Result<RunStatus, SchedulerError> {
        let run_id = run.id;
        // Mage's message for a run failed by its timeout; a cancel sends nothing.
        let status = self
            .finish_run(run, event, Some("Pipeline run timed out."))
            .await?;
        let definition = self.store.run(run_id).await?.map(|run| run.definition);
        let has_callbacks = |block_run: &storage::BlockRun| {
            event == RunEvent::Cancel
                && definition
                    .as_ref()
                    .and_then(|definition| definition.block(block_run.block()))
                    .is_some_and(|block| !block.callbacks.is_empty())
        };
        for block_run in self.store.block_runs(run_id).await? {
            match block_run.status {
                BlockRunStatus::Initial | BlockRunStatus::Queued => {
                    let change = BlockRunChange {
                        cancelled_callbacks: has_callbacks(&block_run),
                        ..BlockRunChange::event(BlockRunEvent::Cancel)
                    };
                    let new = self
                        .store
                        .change_block_run(run_id, &block_run.block_uuid, change)
                        .await?;
                    self.publish(Notice::BlockRun {
                        run_id,
                        block_uuid: block_run.block_uuid,
                        status: new,
                        detail: String::new(),
                    });
                }
                BlockRunStatus::Running => {
                    self.store
                        .request_cancel(run_id, &block_run.block_uuid)
                        .await?;
                    self.publish(Notice::CancelRequested {
                        run_id,
                        block_uuid: block_run.block_uuid,
                    });
                }
                _ => {}
            }
        }
        Ok(status)
    }

    /// Runs a finished run again: its block runs that did not complete, or `from_block` (a block, or one instance
    /// of a dynamic child) and everything below it. Completed parents keep their outputs, which the retried blocks
    /// read; a dynamic child retried or below the retried block drops its instances and expands again.
    pub async fn retry_run(
        &self,
        run_id: i64,
        from_block: Option<&str>,
    ) -> Result<RunStatus, SchedulerError> {
        let Some(run) = self.store.run(run_id).await? else {
            return Err(storage::StorageError::RunNotFound(run_id).into());
        };
        crate::retention::check_retry(&run)?;
        let (definition, dag) = pinned(&run)?;
        if definition.streaming_source().is_some() {
            // A retried stream run is a consumer again: not beside another run of the stream.
            self.refuse_second_stream(&run.pipeline_uuid).await?;
        }
        let block_runs = self.store.block_runs(run_id).await?;
        let targets: Vec<String> = match from_block {
            Some(name) => {
                let Some(block_run) = block_runs.iter().find(|b| b.block_uuid == name) else {
                    return Err(SchedulerError::UnknownBlock {
                        run_id,
                        block: name.to_owned(),
                    });
                };
                let block = block_run.block();
                let below: Vec<String> = dag.descendants(block).into_iter().collect();
                let mut own = vec![name.to_owned()];
                if block_run.origin.is_none() {
                    own.extend(below.iter().cloned());
                    self.store
                        .delete_instances(run_id, &crate::expand::dynamic_among(&definition, &own))
                        .await?;
                } else {
                    self.store
                        .delete_instances(
                            run_id,
                            &crate::expand::dynamic_among(&definition, &below),
                        )
                        .await?;
                    own.extend(below);
                }
                own
            }
            None => block_runs
                .iter()
                .filter(|b| b.status != BlockRunStatus::Completed)
                .map(|b| b.block_uuid.clone())
                .collect(),
        };
        self.change_run(run_id, RunEvent::Retry).await?;
        for block_run in block_runs
            .iter()
            .filter(|b| targets.contains(&b.block_uuid) && b.status.is_finished())
        {
            let status = match self
                .store
                .change_block_run(
                    run_id,
                    &block_run.block_uuid,
                    BlockRunChange::event(BlockRunEvent::Retry),
                )
                .await
            {
                Ok(status) => status,
                // An instance dropped above: its dynamic child expands again.
                Err(storage::StorageError::BlockRunNotFound { .. }) => continue,
                Err(error) => return Err(error.into()),
            };
            self.publish(Notice::BlockRun {
                run_id,
                block_uuid: block_run.block_uuid.clone(),
                status,
                detail: "retry".to_owned(),
            });
        }
        self.advance_run(run_id).await
    }

    /// Block runs whose worker stopped renewing its lease go back to the queue (one more attempt), or fail when
    /// their retries are used up. A block run is never running on two workers: the old lease has expired.
    async fn recover_expired_leases(&self) -> Result<(), SchedulerError> {
        let leases = self
            .store
            .expired_leases(self.clock.now(), self.lease_restart_grace)
            .await?;
        for block_run in leases {
            let retries = self
                .store
                .run(block_run.pipeline_run_id)
                .await?
                .and_then(|run| {
                    run.definition
                        .block(block_run.block())
                        .map(|block| block.retry.retries)
                })
                .flatten()
                .unwrap_or(0);
            let lost =
                "the worker running this block stopped answering (its lease expired)".to_owned();
            let change = if block_run.attempt <= i64::from(retries) {
                BlockRunChange {
                    error: Some(lost),
                    ..BlockRunChange::event(BlockRunEvent::Requeue)
                }
            } else {
                BlockRunChange {
                    error: Some(lost),
                    ..BlockRunChange::event(BlockRunEvent::Fail)
                }
            };
            let status = self
                .store
                .change_block_run(block_run.pipeline_run_id, &block_run.block_uuid, change)
                .await?;
            tracing::warn!(run = block_run.pipeline_run_id, block = %block_run.block_uuid, ?status, "lease expired");
            metrics::counter!("wand_lease_recoveries_total", "outcome" => status.as_str())
                .increment(1);
            self.publish(Notice::BlockRun {
                run_id: block_run.pipeline_run_id,
                block_uuid: block_run.block_uuid,
                status,
                detail: "worker lost".to_owned(),
            });
            self.advance_run(block_run.pipeline_run_id).await?;
        }
        Ok(())
    }

    async fn change_run(&self, run_id: i64, event: RunEvent) -> Result<RunStatus, SchedulerError> {
        let status = self.store.change_run(run_id, event).await?;
        self.publish(Notice::Run { run_id, status });
        // A backfill's finished run frees a slot for the next one.
        if status.is_finished()
            && let Some(backfill) = self
                .store
                .run(run_id)
                .await?
                .and_then(|run| run.backfill_id)
        {
            self.advance_backfill(backfill).await?;
        }
        Ok(status)
    }

    /// Writes the pipeline variables that blocks set with `set_global_variable`, once their run completed.
    fn apply_effects(&self, block_runs: &[storage::BlockRun]) -> Result<(), SchedulerError> {
        let requests = block_runs
            .iter()
            .filter_map(|b| b.outputs.as_ref())
            .flat_map(|outputs| &outputs.effects.set_global_variable);
        for request in requests {
            let mut file = self.project.load_pipeline(&request.pipeline_uuid)?.file;
            file.set_variable(&request.key, request.value.clone());
            file.write()?;
        }
        Ok(())
    }

    pub(crate) fn publish(&self, notice: Notice) {
        // Nobody listening is fine: notices are for watchers, the database is the truth.
        let _ = self.notices.send(notice);
    }
}

/// The definition a run pinned, and its DAG.
fn pinned(run: &PipelineRun) -> Result<(PipelineDefinition, model::Dag), SchedulerError> {
    let corrupt = |message: String| SchedulerError::Definition {
        run_id: run.id,
        message,
    };
    let definition = run.definition.clone();
    let dag = definition
        .dag()
        .map_err(|errors| corrupt(format!("{errors:?}")))?;
    Ok((definition, dag))
}

/// The run `request` asks for, of `pipeline` as already loaded, running the code version `code_hash`.
pub(crate) fn new_run(
    pipeline: &model::Pipeline,
    code_hash: String,
    request: RunRequest,
    backfill: Option<crate::backfills::BackfillRun>,
) -> NewRun {
    let interval = match &backfill {
        Some(backfill) => backfill.interval,
        None => request
            .trigger
            .as_ref()
            .and_then(|trigger| trigger.run_interval(request.execution_date)),
    };
    let definition = PipelineDefinition {
        // Mage names the trigger of a product's runs so; its blocks get it as `trigger_name`.
        trigger_name: request
            .trigger
            .as_ref()
            .map(|trigger| trigger.name.clone())
            .or_else(|| {
                backfill
                    .as_ref()
                    .map(|backfill| backfill.trigger_name.clone())
            })
            .or_else(|| {
                request
                    .global_data_product
                    .as_ref()
                    .map(|_| "GLOBAL_DATA_PRODUCT_TRIGGER".to_owned())
            }),
        interval,
        global_data_product: request.global_data_product.clone(),
        ..PipelineDefinition::pin(pipeline, request.only_blocks.as_deref(), request.settings)
    };
    let block_uuids = definition
        .blocks
        .iter()
        .map(|block| block.uuid.clone())
        .collect();
    let worker_tags = definition
        .blocks
        .iter()
        .filter_map(|block| Some((block.uuid.clone(), block.worker_tag.clone()?)))
        .collect();
    NewRun {
        pipeline_uuid: pipeline.uuid.clone(),
        trigger_id: request.trigger.as_ref().map(|trigger| trigger.id),
        variables: request.variables,
        definition,
        execution_date: request.execution_date,
        block_uuids,
        code_hash: Some(code_hash),
        worker_tags,
        backfill: backfill.map(|backfill| backfill.slot),
    }
}

/// `at` without its fraction of a second.
fn whole_second(at: DateTime<Utc>) -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(at, 0)
}
