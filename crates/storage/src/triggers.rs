//! Triggers in storage: the `TriggerStore` half of the store.

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

    async fn trigger(&self, id: i64) -> Result<Option<Trigger>, StorageError>;

    /// All triggers, or a pipeline's, by id.
    async fn triggers(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Trigger>, StorageError>;

    /// Remembers the latest schedule slot handled for a trigger.
    async fn record_slot(&self, id: i64, slot: DateTime<Utc>) -> Result<(), StorageError>;
}
