//! Triggers in storage: the `TriggerStore` half of the store (its queries are in `queries`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{Trigger, TriggerSpec};

use crate::StorageError;

#[async_trait]
pub trait TriggerStore: Send + Sync {
    /// Stores a new trigger, created at `now`; an API trigger gets `token`. Names are unique per pipeline.
    async fn create_trigger(
        &self,
        spec: TriggerSpec,
        token: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Trigger, StorageError>;

    /// Replaces a trigger's user-set fields; switching it to active records `now` as its enable time.
    async fn update_trigger(
        &self,
        id: i64,
        spec: TriggerSpec,
        now: DateTime<Utc>,
    ) -> Result<Trigger, StorageError>;

    /// Deletes a trigger; false if there was none. Its runs stay.
    async fn delete_trigger(&self, id: i64) -> Result<bool, StorageError>;

    /// Deletes every trigger of a pipeline (the pipeline was deleted); returns how many. Their runs stay.
    async fn delete_pipeline_triggers(&self, pipeline_uuid: &str) -> Result<u64, StorageError>;

    /// Replaces an API trigger's token (the secret of its URL), as written in `triggers.yaml`.
    async fn set_trigger_token(&self, id: i64, token: &str) -> Result<(), StorageError>;

    /// Hands a pipeline's triggers to its new uuid after a rename, keeping their ids, tokens and history.
    async fn move_triggers(&self, from: &str, to: &str) -> Result<u64, StorageError>;

    async fn trigger(&self, id: i64) -> Result<Option<Trigger>, StorageError>;

    /// All triggers, or a pipeline's, by id.
    async fn triggers(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Trigger>, StorageError>;

    /// Remembers the latest schedule slot handled for a trigger.
    async fn record_slot(&self, id: i64, slot: DateTime<Utc>) -> Result<(), StorageError>;
}

/// A second trigger of the same name in a pipeline, as the conflict users read.
pub(crate) fn name_taken(error: sqlx::Error, spec: &TriggerSpec) -> StorageError {
    crate::queries::conflict(error, || {
        format!(
            "pipeline `{}` already has a trigger named `{}`; choose another name",
            spec.pipeline_uuid, spec.name
        )
    })
}
