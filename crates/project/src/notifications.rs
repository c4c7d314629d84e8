//! Reads `notification_config` from the project's `metadata.yaml` and a pipeline's, merged as Mage merges them
//! (the pipeline's top-level keys over the project's). Strings come back unrendered: `model::render_value` renders
//! them with the environment `cli` hands in. Nothing here sends anything.

use indexmap::IndexMap;
use serde_json::Value;

use crate::{Project, ProjectError};

impl Project {
    /// The merged, unrendered `notification_config` for runs of `pipeline_uuid` (the project's alone for `None`).
    /// A pipeline that is gone or unreadable contributes nothing: its runs still alert as the project says.
    pub fn notification_config(&self, pipeline_uuid: Option<&str>) -> Result<Value, ProjectError> {
        let project: IndexMap<String, Value> =
            crate::disk::read_yaml(&self.root().join("metadata.yaml"))?;
        let pipeline: Option<Value> = pipeline_uuid
            .filter(|uuid| self.pipeline_uuids().iter().any(|known| known == uuid))
            .and_then(|uuid| {
                crate::disk::read_yaml::<IndexMap<String, Value>>(
                    &self
                        .root()
                        .join("pipelines")
                        .join(uuid)
                        .join("metadata.yaml"),
                )
                .ok()
            })
            .and_then(|mut document| document.shift_remove("notification_config"));
        Ok(model::merge_notification_config(
            project.get("notification_config"),
            pipeline.as_ref(),
        ))
    }
}
