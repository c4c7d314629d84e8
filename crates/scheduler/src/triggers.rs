//! Turning triggers into runs: the due slots of each active time trigger, under its catch-up policy,
//! `skip_if_previous_running` and `pipeline_run_limit`. A second's runs are worked out ahead of it (`plan_triggers`:
//! reading and parsing 10,000 triggers takes a quarter of a second) and created when it comes (`carry_out`), in
//! batches of one transaction each (10,000 triggers due in the same second: the commits, not the inserts, were the
//! cost of creating them one by one).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use model::{CatchUp, Interval, Pipeline, RunStatus, ScheduleType, Trigger, TriggerStatus};
use serde_json::Map;
use storage::{NewRun, RunFilter, StorageError};

use crate::scheduler::new_run;
use crate::{RunRequest, Scheduler, SchedulerError};

/// How many runs one transaction creates.
const BATCH: usize = 500;

/// The runs active time triggers owe at one instant (`at`), worked out before it comes. Each pipeline is read and the
/// code hashed once, however many triggers fire. A trigger disabled or deleted between the plan and `at` gets no run
/// (`RunStore::create_trigger_runs` creates runs of active triggers only); a trigger created or edited in between is
/// seen by the next plan, as if the change came just after `at`.
#[derive(Default)]
pub(crate) struct TriggerPlan {
    pub(crate) at: DateTime<Utc>,
    pipelines: HashMap<String, Pipeline>,
    code_hash: Option<String>,
    /// The runs of due slots and the slots they record, in the same order (one slot a run).
    runs: Vec<NewRun>,
    slots: Vec<(i64, DateTime<Utc>)>,
    /// Triggers whose runs depend on what is open when they fire (`@always_on`, `skip_if_previous_running`, run
    /// limits): they fire at `at`, one at a time, after the planned runs.
    deferred: Vec<Trigger>,
    /// The batch the database is writing while the next one is handed over.
    in_flight: Option<tokio::task::JoinHandle<()>>,
}

/// Whether `fire` creates the runs of a trigger that counts open runs now, or leaves it to `carry_out`.
#[derive(Clone, Copy, PartialEq)]
enum Counted {
    Now,
    Defer,
}

impl Scheduler {
    /// Creates the runs that active time triggers owe at the clock's current time.
    pub(crate) async fn fire_triggers(&self) -> Result<(), SchedulerError> {
        let plan = self.plan_triggers(self.clock.now()).await?;
        self.carry_out(plan).await;
        Ok(())
    }

    /// Works out the runs active time triggers owe at `at`: reads every trigger, their pipelines and the code, and
    /// writes nothing.
    pub(crate) async fn plan_triggers(
        &self,
        at: DateTime<Utc>,
    ) -> Result<TriggerPlan, SchedulerError> {
        let mut plan = TriggerPlan {
            at,
            ..TriggerPlan::default()
        };
        for trigger in self.store.triggers(None).await? {
            if trigger.status != TriggerStatus::Active
                || trigger.schedule_type != ScheduleType::Time
            {
                continue;
            }
            if let Err(error) = self.fire(&trigger, at, &mut plan, Counted::Defer).await {
                tracing::error!(%error, trigger = trigger.id, name = %trigger.name, "trigger could not fire");
            }
        }
        Ok(plan)
    }

    /// Creates the runs of `plan`, a batch at a time, then fires its deferred triggers. Call it at `plan.at`.
    pub(crate) async fn carry_out(&self, mut plan: TriggerPlan) {
        let mut runs = std::mem::take(&mut plan.runs).into_iter();
        let mut slots = std::mem::take(&mut plan.slots).into_iter();
        loop {
            plan.runs.extend(runs.by_ref().take(BATCH));
            plan.slots.extend(slots.by_ref().take(BATCH));
            if plan.runs.is_empty() && plan.slots.is_empty() {
                break;
            }
            self.create_batch(&mut plan).await;
        }
        for trigger in std::mem::take(&mut plan.deferred) {
            let at = plan.at;
            if let Err(error) = self.fire(&trigger, at, &mut plan, Counted::Now).await {
                tracing::error!(%error, trigger = trigger.id, name = %trigger.name, "trigger could not fire");
            }
        }
        self.create_batch(&mut plan).await;
        settle(&mut plan).await;
    }

    /// Hands the runs waiting in `tick` to a task that creates them and records their slots, in one transaction,
    /// once the batch before it is written: the next batch is gathered while the database writes this one. If the
    /// transaction fails nothing is recorded, so the next tick owes the same slots again.
    async fn create_batch(&self, tick: &mut TriggerPlan) {
        settle(tick).await;
        if tick.runs.is_empty() && tick.slots.is_empty() {
            return;
        }
        let (runs, slots) = (
            std::mem::take(&mut tick.runs),
            std::mem::take(&mut tick.slots),
        );
        let (store, notices, clock) =
            (self.store.clone(), self.notices.clone(), self.clock.clone());
        tick.in_flight = Some(tokio::spawn(async move {
            let count = runs.len();
            match store.create_trigger_runs(runs, &slots).await {
                Ok(created) => {
                    let now = clock.now();
                    for run in created {
                        // How late the run was created against its slot (a catch-up run is as late as its slot is old).
                        let lag = (now - run.execution_date).to_std().unwrap_or_default();
                        metrics::histogram!("wand_scheduler_lag_seconds").record(lag.as_secs_f64());
                        // Nobody listening is fine: notices are for watchers, the database is the truth.
                        let _ = notices.send(model::Notice::Run {
                            run_id: run.id,
                            status: RunStatus::Initial,
                        });
                    }
                }
                Err(error) => {
                    tracing::error!(%error, runs = count, "the runs of due trigger slots could not be created")
                }
            }
        }));
    }

    /// Reads `pipeline_uuid` into the tick (once per tick) and pins the project's code (once per tick); the hash.
    async fn load_for_tick(
        &self,
        tick: &mut TriggerPlan,
        pipeline_uuid: &str,
    ) -> Result<String, SchedulerError> {
        if !tick.pipelines.contains_key(pipeline_uuid) {
            let pipeline = self.project.load_pipeline(pipeline_uuid)?.pipeline;
            tick.pipelines.insert(pipeline_uuid.to_owned(), pipeline);
        }
        Ok(match &tick.code_hash {
            Some(hash) => hash.clone(),
            None => tick.code_hash.insert(self.pin_code().await?).clone(),
        })
    }

    async fn fire(
        &self,
        trigger: &Trigger,
        now: DateTime<Utc>,
        tick: &mut TriggerPlan,
        counted: Counted,
    ) -> Result<(), SchedulerError> {
        let schedule = trigger
            .schedule()
            .map_err(|error| SchedulerError::Trigger {
                id: trigger.id,
                message: error.to_string(),
            })?;
        if matches!(schedule.interval, Interval::AlwaysOn) {
            if counted == Counted::Defer {
                tick.deferred.push(trigger.clone());
                return Ok(());
            }
            return self
                .keep_on(trigger, &schedule, self.clock.now(), tick)
                .await;
        }
        let once = matches!(schedule.interval, Interval::Once);
        if once && trigger.last_slot.is_some() {
            return Ok(());
        }
        let policy: CatchUp = trigger.settings.catch_up.into();
        let slots = match trigger.last_slot {
            Some(last) => schedule.due(last, now, policy),
            None => {
                let enabled = trigger.last_enabled_at.unwrap_or(trigger.created_at);
                let mut slots = Vec::new();
                if trigger.settings.create_initial_pipeline_run
                    && let Some(initial) = schedule.latest_at_or_before(enabled)
                {
                    slots.push(initial);
                }
                // A slot exactly at the enable time counts; the initial slot, if any, is already there.
                let after = slots
                    .last()
                    .copied()
                    .unwrap_or(enabled - chrono::Duration::nanoseconds(1));
                slots.extend(schedule.due(after, now, policy));
                if once && slots.is_empty() && schedule.start.is_none() {
                    slots.push(enabled);
                }
                slots
            }
        };
        if slots.is_empty() {
            // Most ticks owe nothing: the pipeline's files are read only when a run may be created.
            return Ok(());
        }
        let code_hash = self.load_for_tick(tick, &trigger.pipeline_uuid).await?;
        let concurrency = tick.pipelines[&trigger.pipeline_uuid].concurrency;
        let trigger_limit = trigger
            .settings
            .pipeline_run_limit
            .or(concurrency.pipeline_run_limit);
        // Counting open runs costs two queries; most triggers have no reason to.
        let counts = trigger.settings.skip_if_previous_running
            || trigger_limit.is_some()
            || concurrency.pipeline_run_limit_all_triggers.is_some();
        if !counts {
            let pipeline = &tick.pipelines[&trigger.pipeline_uuid];
            for slot in slots {
                let request = RunRequest::for_trigger(trigger.clone(), Map::new(), slot);
                tick.runs
                    .push(new_run(pipeline, code_hash.clone(), request, None));
                tick.slots.push((trigger.id, slot));
            }
            return Ok(());
        }
        if counted == Counted::Defer {
            tick.deferred.push(trigger.clone());
            return Ok(());
        }
        // The open runs this trigger counts include those of the tick so far.
        self.create_batch(tick).await;
        settle(tick).await;
        let pipeline = &tick.pipelines[&trigger.pipeline_uuid];
        for slot in slots {
            let running = self
                .unfinished_runs(&trigger.pipeline_uuid, Some(trigger.id))
                .await?;
            if trigger.settings.skip_if_previous_running && running > 0 {
                tracing::info!(trigger = trigger.id, %slot, "skipped: the previous run is still going");
                self.store.record_slot(trigger.id, slot).await?;
                continue;
            }
            let all_triggers = match concurrency.pipeline_run_limit_all_triggers {
                Some(_) => self.unfinished_runs(&trigger.pipeline_uuid, None).await?,
                None => 0,
            };
            if trigger_limit.is_some_and(|limit| running >= limit as usize)
                || concurrency
                    .pipeline_run_limit_all_triggers
                    .is_some_and(|limit| all_triggers >= limit as usize)
            {
                // The slot waits for a run to finish; it is not recorded, so a later tick creates it.
                return Ok(());
            }
            let request = RunRequest::for_trigger(trigger.clone(), Map::new(), slot);
            match self
                .create_pinned_run(pipeline, code_hash.clone(), request)
                .await
            {
                Ok(_) => {
                    // How late the run was created against its slot (a catch-up run is as late as its slot is old).
                    let lag = (self.clock.now() - slot).to_std().unwrap_or_default();
                    metrics::histogram!("wand_scheduler_lag_seconds").record(lag.as_secs_f64());
                }
                Err(SchedulerError::Storage(StorageError::Conflict(_))) => {}
                Err(error) => return Err(error),
            }
            self.store.record_slot(trigger.id, slot).await?;
        }
        Ok(())
    }

    /// An `@always_on` trigger (Mage's, for streaming pipelines): a run is started when none of the trigger's is
    /// going, so another starts when one ends (failed for good, or completed). A run that was cancelled (stopped
    /// from the UI or the API) is not restarted: the pipeline stays stopped until a run is started again. For a
    /// streaming pipeline both hold for its runs of any origin (see `stream_is_held`).
    async fn keep_on(
        &self,
        trigger: &Trigger,
        schedule: &model::Schedule,
        now: DateTime<Utc>,
        tick: &mut TriggerPlan,
    ) -> Result<(), SchedulerError> {
        if !self.always_on
            || !schedule.always_on_at(now)
            || self
                .unfinished_runs(&trigger.pipeline_uuid, Some(trigger.id))
                .await?
                > 0
        {
            return Ok(());
        }
        let newest = self
            .store
            .runs(RunFilter {
                pipeline_uuid: Some(trigger.pipeline_uuid.clone()),
                trigger_id: Some(trigger.id),
                limit: Some(1),
                ..RunFilter::default()
            })
            .await?;
        if newest
            .first()
            .is_some_and(|run| run.status == RunStatus::Cancelled)
        {
            return Ok(());
        }
        let code_hash = self.load_for_tick(tick, &trigger.pipeline_uuid).await?;
        let pipeline = &tick.pipelines[&trigger.pipeline_uuid];
        // A streaming pipeline's stop and start are the pipeline's, whichever run they were of: a run started by
        // hand (not this trigger's) is its consumer already, and a stream stopped by hand stays stopped.
        let _starting = self.stream_starts.lock().await;
        if crate::streams::streams(pipeline) && self.stream_is_held(&trigger.pipeline_uuid).await? {
            return Ok(());
        }
        let request = RunRequest::for_trigger(trigger.clone(), Map::new(), now);
        match self.create_pinned_run(pipeline, code_hash, request).await {
            Ok(_) | Err(SchedulerError::Storage(StorageError::Conflict(_))) => {}
            Err(error) => return Err(error),
        }
        self.store.record_slot(trigger.id, now).await?;
        Ok(())
    }

    /// Whether a streaming pipeline's trigger must leave it alone: a run of it is unfinished (a second run would be
    /// a second consumer), or its newest run was cancelled (stopped by hand).
    async fn stream_is_held(&self, pipeline: &str) -> Result<bool, SchedulerError> {
        if self.unfinished_runs(pipeline, None).await? > 0 {
            return Ok(true);
        }
        let newest = self
            .store
            .runs(RunFilter {
                pipeline_uuid: Some(pipeline.to_owned()),
                limit: Some(1),
                ..RunFilter::default()
            })
            .await?;
        Ok(newest
            .first()
            .is_some_and(|run| run.status == RunStatus::Cancelled))
    }

    /// How many runs of a pipeline (of one trigger, when given) have not finished.
    async fn unfinished_runs(
        &self,
        pipeline: &str,
        trigger: Option<i64>,
    ) -> Result<usize, SchedulerError> {
        let mut count = 0;
        for status in [RunStatus::Initial, RunStatus::Running] {
            let filter = RunFilter {
                pipeline_uuid: Some(pipeline.to_owned()),
                trigger_id: trigger,
                status: Some(status),
                limit: Some(100_000),
                ..RunFilter::default()
            };
            count += self.store.runs(filter).await?.len();
        }
        Ok(count)
    }
}

/// Waits until the batch being written, if any, is.
async fn settle(tick: &mut TriggerPlan) {
    if let Some(task) = tick.in_flight.take()
        && let Err(error) = task.await
    {
        tracing::error!(%error, "creating a batch of trigger runs stopped abnormally");
    }
}
