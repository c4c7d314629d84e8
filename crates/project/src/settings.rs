//! Project settings in the project's `metadata.yaml`: block concurrency and the default retry policy. Every other
//! key of the file is kept when they are written.

use indexmap::IndexMap;
use model::RetryConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{Project, ProjectError};

/// The settings Wand reads from (and writes to) the project's `metadata.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectSettings {
    /// `queue_config.concurrency`: how many blocks run at once across the project.
    pub concurrency: Option<u32>,
    /// `retry_config`: the default for every pipeline and block.
    pub retry: RetryConfig,
}

impl Project {
    /// The settings as the file says now (defaults when the file or a key is missing).
    pub fn settings(&self) -> Result<ProjectSettings, ProjectError> {
        let document = self.metadata()?;
        Ok(ProjectSettings {
            concurrency: document
                .get("queue_config")
                .and_then(|queue| queue.get("concurrency"))
                .and_then(Value::as_u64)
                .map(|n| n as u32),
            retry: document
                .get("retry_config")
                .and_then(|value| serde_json::from_value(value.clone()).ok())
                .unwrap_or_default(),
        })
    }

    /// Writes the settings, keeping every other key of `metadata.yaml` in its place.
    pub fn update_settings(&self, settings: &ProjectSettings) -> Result<(), ProjectError> {
        let mut document = self.metadata()?;
        let queue = document
            .entry("queue_config".to_owned())
            .or_insert_with(|| json!({}));
        if !queue.is_object() {
            *queue = json!({});
        }
        queue["concurrency"] = settings.concurrency.map_or(Value::Null, |n| json!(n));
        document.insert(
            "retry_config".to_owned(),
            serde_json::to_value(settings.retry).unwrap_or_default(),
        );
        crate::disk::write_yaml(&self.root().join("metadata.yaml"), &document)
    }

    fn metadata(&self) -> Result<IndexMap<String, Value>, ProjectError> {
        crate::disk::read_yaml(&self.root().join("metadata.yaml"))
    }
}
