//! Trigger operations for the API: create, update and delete a trigger, each followed by the rewrite of its
//! pipeline's `triggers.yaml` so callers cannot forget it, and runs of a trigger made now ("run pipeline now", a
//! Mage API-trigger call), built by the run-request constructors every run goes through. Parsing a client's JSON
//! is the server's job, not this module's.

use model::{ScheduleType, Trigger, TriggerSpec, TriggerStatus};
use serde_json::{Map, Value};
use storage::{PipelineRun, StorageError};

use crate::trigger_files::new_token;
use crate::{RunRequest, Scheduler, SchedulerError};

impl Scheduler {
    /// Creates a trigger of an existing pipeline (an API trigger gets the secret of its URL) and rewrites the
    /// pipeline's `triggers.yaml`.
    pub async fn create_trigger(&self, spec: TriggerSpec) -> Result<Trigger, SchedulerError> {
        self.check_trigger(&spec)?;
        let _writing = self.trigger_files_lock.lock().await;
        let token = (spec.schedule_type == ScheduleType::Api).then(new_token);
        let trigger = self
            .store
            .create_trigger(spec, token, self.clock.now())
            .await?;
        self.save_triggers_file(&trigger.pipeline_uuid).await?;
        Ok(trigger)
    }

    /// Replaces the user-set fields of a trigger (its id, token and history stay) and rewrites the `triggers.yaml`
    /// of its pipeline (of both pipelines, should it move to another).
    pub async fn update_trigger(
        &self,
        id: i64,
        spec: TriggerSpec,
    ) -> Result<Trigger, SchedulerError> {
        let existing = self.existing_trigger(id).await?;
        self.check_trigger(&spec)?;
        let _writing = self.trigger_files_lock.lock().await;
        let trigger = self
            .store
            .update_trigger(id, spec, self.clock.now())
            .await?;
        self.save_triggers_file(&trigger.pipeline_uuid).await?;
        if existing.pipeline_uuid != trigger.pipeline_uuid {
            self.save_triggers_file(&existing.pipeline_uuid).await?;
        }
        Ok(trigger)
    }

    /// Deletes a trigger (its runs stay in the history) and rewrites its pipeline's `triggers.yaml`.
    pub async fn delete_trigger(&self, id: i64) -> Result<(), SchedulerError> {
        let trigger = self.existing_trigger(id).await?;
        let _writing = self.trigger_files_lock.lock().await;
        if !self.store.delete_trigger(id).await? {
            return Err(StorageError::TriggerNotFound(id).into());
        }
        self.save_triggers_file(&trigger.pipeline_uuid).await?;
        Ok(())
    }

    /// "Run pipeline now": a run of the trigger's pipeline with its settings and its variables, overridden by
    /// `variables`, whatever its schedule and status (refused for a streaming pipeline that runs, see `run_now`).
    pub async fn run_trigger(
        &self,
        id: i64,
        variables: Map<String, Value>,
    ) -> Result<PipelineRun, SchedulerError> {
        let trigger = self.existing_trigger(id).await?;
        let now = self.clock.now();
        self.run_now(RunRequest::for_trigger(trigger, variables, now))
            .await
    }

    /// A call of an API trigger (its token already checked): like Mage, an inactive trigger is activated first
    /// (and its `triggers.yaml` rewritten), then a run is made with `variables` over the trigger's. A call that
    /// would be a running stream's second consumer is refused before anything changes.
    pub async fn call_api_trigger(
        &self,
        trigger: Trigger,
        variables: Map<String, Value>,
    ) -> Result<PipelineRun, SchedulerError> {
        if self.is_streaming(&trigger.pipeline_uuid)? {
            self.refuse_second_stream(&trigger.pipeline_uuid).await?;
        }
        let trigger = if trigger.status == TriggerStatus::Active {
            trigger
        } else {
            let spec = TriggerSpec {
                status: TriggerStatus::Active,
                ..trigger.spec()
            };
            self.update_trigger(trigger.id, spec).await?
        };
        let now = self.clock.now();
        self.run_now(RunRequest::for_trigger(trigger, variables, now))
            .await
    }

    /// The stored trigger `id`, or the error that it does not exist.
    async fn existing_trigger(&self, id: i64) -> Result<Trigger, SchedulerError> {
        self.store
            .trigger(id)
            .await?
            .ok_or_else(|| StorageError::TriggerNotFound(id).into())
    }

    /// Checks what a trigger needs beyond its own fields: a pipeline that exists.
    fn check_trigger(&self, spec: &TriggerSpec) -> Result<(), SchedulerError> {
        if !self.project.pipeline_uuids().contains(&spec.pipeline_uuid) {
            return Err(SchedulerError::UnknownPipeline(spec.pipeline_uuid.clone()));
        }
        spec.validate()?;
        Ok(())
    }
}
