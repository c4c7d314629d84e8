//! Keeping triggers in the database and `pipelines/<uuid>/triggers.yaml` in step, both ways, deletions included:
//! an edited file is applied on the next tick; a change made through the API rewrites the file. Triggers follow
//! their pipeline: a rename through the API keeps them (same ids and tokens), a deleted pipeline takes them along.

use std::collections::HashMap;

use chrono::Utc;
use model::ScheduleType;

use crate::{Scheduler, SchedulerError};

/// The digest of each pipeline's triggers file as last applied or written (`None`: no file).
pub(crate) type Digests = std::sync::Mutex<HashMap<String, Option<String>>>;

impl Scheduler {
    /// Applies every triggers file that changed since it was last applied or written.
    pub(crate) async fn sync_trigger_files(&self) -> Result<(), SchedulerError> {
        let _applying = self.trigger_files_lock.lock().await;
        let pipelines = self.project.pipeline_uuids();
        self.drop_orphan_triggers(&pipelines).await?;
        for pipeline in pipelines {
            let digest = self.project.triggers_digest(&pipeline);
            let known = self
                .digests
                .lock()
                .expect("digests lock")
                .get(&pipeline)
                .cloned();
            if known.as_ref() == Some(&digest) {
                continue;
            }
            if let Err(error) = self.apply_triggers_file(&pipeline).await {
                tracing::error!(%error, pipeline, "cannot apply triggers.yaml; the triggers stay as they were");
            }
            self.digests
                .lock()
                .expect("digests lock")
                .insert(pipeline, digest);
        }
        Ok(())
    }

    /// Deletes the triggers of pipelines whose folder is gone (deleted or renamed by hand), checked whenever the
    /// set of pipelines changes: left behind, they would fail to fire on every tick.
    async fn drop_orphan_triggers(&self, pipelines: &[String]) -> Result<(), SchedulerError> {
        let changed = self
            .known_pipelines
            .lock()
            .expect("known pipelines lock")
            .as_deref()
            != Some(pipelines);
        if !changed {
            return Ok(());
        }
        let mut orphans: Vec<String> = self
            .store
            .triggers(None)
            .await?
            .into_iter()
            .map(|trigger| trigger.pipeline_uuid)
            .filter(|uuid| !pipelines.contains(uuid))
            .collect();
        orphans.sort();
        orphans.dedup();
        for pipeline in orphans {
            let deleted = self.store.delete_pipeline_triggers(&pipeline).await?;
            tracing::warn!(
                pipeline,
                deleted,
                "the pipeline's folder is gone; its triggers were deleted"
            );
            self.digests.lock().expect("digests lock").remove(&pipeline);
        }
        *self.known_pipelines.lock().expect("known pipelines lock") = Some(pipelines.to_vec());
        Ok(())
    }

    /// Renames a pipeline (its folder follows the name, as in Mage) and hands its triggers to the new uuid with
    /// their ids and tokens, so API-trigger URLs keep working. Returns the new uuid.
    pub async fn rename_pipeline(&self, uuid: &str, name: &str) -> Result<String, SchedulerError> {
        let _moving = self.trigger_files_lock.lock().await;
        let new_uuid = self.project.rename_pipeline(uuid, name)?;
        if new_uuid != uuid {
            self.store.move_triggers(uuid, &new_uuid).await?;
            let mut digests = self.digests.lock().expect("digests lock");
            digests.remove(uuid);
            digests.insert(new_uuid.clone(), self.project.triggers_digest(&new_uuid));
        }
        Ok(new_uuid)
    }

    /// Deletes a pipeline's folder and its triggers (its runs stay in the history).
    pub async fn delete_pipeline(&self, uuid: &str) -> Result<(), SchedulerError> {
        let _deleting = self.trigger_files_lock.lock().await;
        self.project.delete_pipeline(uuid)?;
        self.store.delete_pipeline_triggers(uuid).await?;
        self.digests.lock().expect("digests lock").remove(uuid);
        Ok(())
    }

    async fn apply_triggers_file(&self, pipeline: &str) -> Result<(), SchedulerError> {
        let declared = self.project.read_triggers(pipeline)?;
        for problem in &declared.problems {
            tracing::warn!(%problem, "trigger not applied");
        }
        for warning in &declared.warnings {
            tracing::warn!(%warning, "trigger applied with a key that has no effect");
        }
        let existing = self.store.triggers(Some(pipeline)).await?;
        let now = Utc::now();
        for spec in &declared.specs {
            // A token written in the file is the URL's secret, as in Mage; without one, a new trigger gets its own.
            let written = declared.tokens.get(&spec.name);
            match existing.iter().find(|trigger| trigger.name == spec.name) {
                Some(trigger) => {
                    if trigger.spec() != *spec {
                        self.store
                            .update_trigger(trigger.id, spec.clone(), now)
                            .await?;
                    }
                    if let Some(token) = written
                        && trigger.token.as_ref() != Some(token)
                    {
                        self.store.set_trigger_token(trigger.id, token).await?;
                    }
                }
                None => {
                    let token = (spec.schedule_type == ScheduleType::Api)
                        .then(|| written.cloned().unwrap_or_else(new_token));
                    self.store.create_trigger(spec.clone(), token, now).await?;
                }
            }
        }
        // An entry that could not be read may be one of these: delete nothing until the file is fixed.
        if declared.problems.is_empty() {
            for trigger in existing
                .iter()
                .filter(|t| !declared.specs.iter().any(|s| s.name == t.name))
            {
                self.store.delete_trigger(trigger.id).await?;
            }
        }
        Ok(())
    }

    /// Rewrites a pipeline's triggers file from the database, after a change through the API.
    pub async fn save_triggers_file(&self, pipeline: &str) -> Result<(), SchedulerError> {
        if !self
            .project
            .pipeline_uuids()
            .iter()
            .any(|uuid| uuid == pipeline)
        {
            // Its folder is gone; the next sync deletes what is left of its triggers.
            return Ok(());
        }
        let specs: Vec<_> = self
            .store
            .triggers(Some(pipeline))
            .await?
            .iter()
            .map(|t| t.spec())
            .collect();
        self.project.write_triggers(pipeline, &specs)?;
        let digest = self.project.triggers_digest(pipeline);
        self.digests
            .lock()
            .expect("digests lock")
            .insert(pipeline.to_owned(), digest);
        Ok(())
    }
}

/// The secret of an API trigger's URL.
pub fn new_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
