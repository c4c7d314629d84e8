//! Keeping triggers in the database and `pipelines/<uuid>/triggers.yaml` in step, both ways, deletions included:
//! an edited file is applied on the next tick; a change made through the API rewrites the file.

use std::collections::HashMap;

use chrono::Utc;
use model::ScheduleType;

use crate::{Scheduler, SchedulerError};

/// The digest of each pipeline's triggers file as last applied or written (`None`: no file).
pub(crate) type Digests = std::sync::Mutex<HashMap<String, Option<String>>>;

impl Scheduler {
    /// Applies every triggers file that changed since it was last applied or written.
    pub(crate) async fn sync_trigger_files(&self) -> Result<(), SchedulerError> {
        for pipeline in self.project.pipeline_uuids() {
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

    async fn apply_triggers_file(&self, pipeline: &str) -> Result<(), SchedulerError> {
        let declared = self.project.read_triggers(pipeline)?;
        for problem in &declared.problems {
            tracing::warn!(%problem, "trigger not applied");
        }
        let existing = self.store.triggers(Some(pipeline)).await?;
        let now = Utc::now();
        for spec in &declared.specs {
            match existing.iter().find(|trigger| trigger.name == spec.name) {
                Some(trigger) if trigger.spec() != *spec => {
                    self.store
                        .update_trigger(trigger.id, spec.clone(), now)
                        .await?;
                }
                Some(_) => {}
                None => {
                    let token = (spec.schedule_type == ScheduleType::Api).then(new_token);
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
