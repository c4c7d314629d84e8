//! Triggers in the PostgreSQL backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{Trigger, TriggerSpec, TriggerStatus};
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::triggers::{conflict, enum_text, from_text};
use crate::{PgStore, StorageError, TriggerStore};

#[async_trait]
impl TriggerStore for PgStore {
    async fn create_trigger(
        &self,
        spec: TriggerSpec,
        token: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Trigger, StorageError> {
        let enabled = (spec.status == TriggerStatus::Active).then_some(now);
        let row = sqlx::query(
            "INSERT INTO triggers (pipeline_uuid, name, description, schedule_type, schedule_interval, timezone,
                start_time, end_time, status, variables, settings, token, last_enabled_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *",
        )
        .bind(&spec.pipeline_uuid)
        .bind(&spec.name)
        .bind(&spec.description)
        .bind(enum_text(&spec.schedule_type))
        .bind(&spec.schedule_interval)
        .bind(&spec.timezone)
        .bind(spec.start_time)
        .bind(spec.end_time)
        .bind(enum_text(&spec.status))
        .bind(Value::Object(spec.variables.clone()))
        .bind(serde_json::to_value(spec.settings).expect("settings serialize"))
        .bind(token)
        .bind(enabled)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|error| conflict(error, &spec))?;
        trigger(&row)
    }

    async fn update_trigger(
        &self,
        id: i64,
        spec: TriggerSpec,
        now: DateTime<Utc>,
    ) -> Result<Trigger, StorageError> {
        let row = sqlx::query(
            "UPDATE triggers SET pipeline_uuid = $1, name = $2, description = $3, schedule_type = $4,
                schedule_interval = $5, timezone = $6, start_time = $7, end_time = $8,
                last_enabled_at = CASE WHEN $9 = 'active' AND status <> 'active' THEN $10 ELSE last_enabled_at END,
                status = $9, variables = $11, settings = $12
             WHERE id = $13 RETURNING *",
        )
        .bind(&spec.pipeline_uuid)
        .bind(&spec.name)
        .bind(&spec.description)
        .bind(enum_text(&spec.schedule_type))
        .bind(&spec.schedule_interval)
        .bind(&spec.timezone)
        .bind(spec.start_time)
        .bind(spec.end_time)
        .bind(enum_text(&spec.status))
        .bind(now)
        .bind(Value::Object(spec.variables.clone()))
        .bind(serde_json::to_value(spec.settings).expect("settings serialize"))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| conflict(error, &spec))?
        .ok_or(StorageError::TriggerNotFound(id))?;
        trigger(&row)
    }

    async fn delete_trigger(&self, id: i64) -> Result<bool, StorageError> {
        let result = sqlx::query("DELETE FROM triggers WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_pipeline_triggers(&self, pipeline_uuid: &str) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM triggers WHERE pipeline_uuid = $1")
            .bind(pipeline_uuid)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    async fn set_trigger_token(&self, id: i64, token: &str) -> Result<(), StorageError> {
        let result = sqlx::query("UPDATE triggers SET token = $1 WHERE id = $2")
            .bind(token)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if result.rows_affected() == 0 {
            return Err(StorageError::TriggerNotFound(id));
        }
        Ok(())
    }

    async fn move_triggers(&self, from: &str, to: &str) -> Result<u64, StorageError> {
        let result = sqlx::query("UPDATE triggers SET pipeline_uuid = $2 WHERE pipeline_uuid = $1")
            .bind(from)
            .bind(to)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    async fn trigger(&self, id: i64) -> Result<Option<Trigger>, StorageError> {
        let row = sqlx::query("SELECT * FROM triggers WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(trigger).transpose()
    }

    async fn triggers(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Trigger>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM triggers WHERE ($1::TEXT IS NULL OR pipeline_uuid = $1) ORDER BY id",
        )
        .bind(pipeline_uuid)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trigger).collect()
    }

    async fn record_slot(&self, id: i64, slot: DateTime<Utc>) -> Result<(), StorageError> {
        sqlx::query("UPDATE triggers SET last_slot = $1 WHERE id = $2")
            .bind(slot)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn trigger(row: &PgRow) -> Result<Trigger, StorageError> {
    let variables: Value = row.get("variables");
    let settings: Value = row.get("settings");
    Ok(Trigger {
        id: row.get("id"),
        pipeline_uuid: row.get("pipeline_uuid"),
        name: row.get("name"),
        description: row.get("description"),
        schedule_type: from_text(row.get("schedule_type"))?,
        schedule_interval: row.get("schedule_interval"),
        timezone: row.get("timezone"),
        start_time: row.get("start_time"),
        end_time: row.get("end_time"),
        status: from_text(row.get("status"))?,
        variables: variables.as_object().cloned().unwrap_or_default(),
        settings: serde_json::from_value(settings)
            .map_err(|error| StorageError::Corrupt(error.to_string()))?,
        token: row.get("token"),
        last_enabled_at: row.get("last_enabled_at"),
        last_slot: row.get("last_slot"),
        created_at: row.get("created_at"),
    })
}
