//! Turning triggers into runs: the due slots of each active time trigger, under its catch-up policy,
//! `skip_if_previous_running` and `pipeline_run_limit`.

use chrono::{DateTime, Utc};
use model::{CatchUp, Interval, RunStatus, ScheduleType, Trigger, TriggerStatus};
use storage::{RunFilter, StorageError};

use crate::{RunRequest, Scheduler, SchedulerError};

impl Scheduler {
    /// Creates the runs that active time triggers owe at the clock's current time.
    pub(crate) async fn fire_triggers(&self) -> Result<(), SchedulerError> {
        let now = self.clock.now();
        for trigger in self.store.triggers(None).await? {
            if trigger.status != TriggerStatus::Active
                || trigger.schedule_type != ScheduleType::Time
            {
                continue;
            }
            if let Err(error) = self.fire(&trigger, now).await {
                tracing::error!(%error, trigger = trigger.id, name = %trigger.name, "trigger could not fire");
            }
        }
        Ok(())
    }

    async fn fire(&self, trigger: &Trigger, now: DateTime<Utc>) -> Result<(), SchedulerError> {
        let schedule = trigger
            .schedule()
            .map_err(|error| SchedulerError::Trigger {
                id: trigger.id,
                message: error.to_string(),
            })?;
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
        for slot in slots {
            let running = self
                .store
                .runs(RunFilter {
                    trigger_id: Some(trigger.id),
                    limit: Some(10_000),
                    ..RunFilter::default()
                })
                .await?
                .into_iter()
                .filter(|run| matches!(run.status, RunStatus::Initial | RunStatus::Running))
                .count();
            if trigger.settings.skip_if_previous_running && running > 0 {
                tracing::info!(trigger = trigger.id, %slot, "skipped: the previous run is still going");
                self.store.record_slot(trigger.id, slot).await?;
                continue;
            }
            if let Some(limit) = trigger.settings.pipeline_run_limit
                && running >= limit as usize
            {
                // The slot waits for a run to finish; it is not recorded, so a later tick creates it.
                return Ok(());
            }
            let request = RunRequest {
                pipeline_uuid: trigger.pipeline_uuid.clone(),
                trigger: Some(trigger.clone()),
                variables: trigger.variables.clone(),
                execution_date: slot,
                only_blocks: None,
                settings: trigger.settings.run_settings(),
            };
            match self.create_run(request).await {
                Ok(_) | Err(SchedulerError::Storage(StorageError::Conflict(_))) => {}
                Err(error) => return Err(error),
            }
            self.store.record_slot(trigger.id, slot).await?;
        }
        Ok(())
    }
}
