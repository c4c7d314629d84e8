//! Triggers in the SQLite backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{Trigger, TriggerSpec, TriggerStatus};
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::sqlite::{optional_time, parse_json, parse_time, stamp};
use crate::triggers::{conflict, enum_text, from_text};
use crate::{SqliteStore, StorageError, TriggerStore};

#[async_trait]
impl TriggerStore for SqliteStore {
    async fn create_trigger(
        &self,
        spec: TriggerSpec,
        token: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Trigger, StorageError> {
        let enabled = (spec.status == TriggerStatus::Active).then(|| stamp(now));
        let row = sqlx::query(
            "INSERT INTO triggers (pipeline_uuid, name, description, schedule_type, schedule_interval, timezone,
                start_time, end_time, status, variables, settings, token, last_enabled_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(&spec.pipeline_uuid)
        .bind(&spec.name)
        .bind(&spec.description)
        .bind(enum_text(&spec.schedule_type))
        .bind(&spec.schedule_interval)
        .bind(&spec.timezone)
        .bind(spec.start_time.map(stamp))
        .bind(spec.end_time.map(stamp))
        .bind(enum_text(&spec.status))
        .bind(Value::Object(spec.variables.clone()).to_string())
        .bind(serde_json::to_string(&spec.settings).expect("settings serialize"))
        .bind(token)
        .bind(enabled)
        .bind(stamp(now))
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
        let now = stamp(now);
        let row = sqlx::query(
            "UPDATE triggers SET pipeline_uuid = ?, name = ?, description = ?, schedule_type = ?,
                schedule_interval = ?, timezone = ?, start_time = ?, end_time = ?,
                last_enabled_at = CASE WHEN ? = 'active' AND status <> 'active' THEN ? ELSE last_enabled_at END,
                status = ?, variables = ?, settings = ?
             WHERE id = ? RETURNING *",
        )
        .bind(&spec.pipeline_uuid)
        .bind(&spec.name)
        .bind(&spec.description)
        .bind(enum_text(&spec.schedule_type))
        .bind(&spec.schedule_interval)
        .bind(&spec.timezone)
        .bind(spec.start_time.map(stamp))
        .bind(spec.end_time.map(stamp))
        .bind(enum_text(&spec.status))
        .bind(&now)
        .bind(enum_text(&spec.status))
        .bind(Value::Object(spec.variables.clone()).to_string())
        .bind(serde_json::to_string(&spec.settings).expect("settings serialize"))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| conflict(error, &spec))?
        .ok_or(StorageError::TriggerNotFound(id))?;
        trigger(&row)
    }

    async fn delete_trigger(&self, id: i64) -> Result<bool, StorageError> {
        let result = sqlx::query("DELETE FROM triggers WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn delete_pipeline_triggers(&self, pipeline_uuid: &str) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM triggers WHERE pipeline_uuid = ?")
            .bind(pipeline_uuid)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    async fn set_trigger_token(&self, id: i64, token: &str) -> Result<(), StorageError> {
        let result = sqlx::query("UPDATE triggers SET token = ? WHERE id = ?")
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
        let result = sqlx::query("UPDATE triggers SET pipeline_uuid = ? WHERE pipeline_uuid = ?")
            .bind(to)
            .bind(from)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }

    async fn trigger(&self, id: i64) -> Result<Option<Trigger>, StorageError> {
        let row = sqlx::query("SELECT * FROM triggers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(trigger).transpose()
    }

    async fn triggers(&self, pipeline_uuid: Option<&str>) -> Result<Vec<Trigger>, StorageError> {
        let rows = sqlx::query(
            "SELECT * FROM triggers WHERE (? IS NULL OR pipeline_uuid = ?) ORDER BY id",
        )
        .bind(pipeline_uuid)
        .bind(pipeline_uuid)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(trigger).collect()
    }

    async fn record_slot(&self, id: i64, slot: DateTime<Utc>) -> Result<(), StorageError> {
        sqlx::query("UPDATE triggers SET last_slot = ? WHERE id = ?")
            .bind(stamp(slot))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn trigger(row: &SqliteRow) -> Result<Trigger, StorageError> {
    let variables: Value = parse_json(row.get("variables"))?;
    Ok(Trigger {
        id: row.get("id"),
        pipeline_uuid: row.get("pipeline_uuid"),
        name: row.get("name"),
        description: row.get("description"),
        schedule_type: from_text(row.get("schedule_type"))?,
        schedule_interval: row.get("schedule_interval"),
        timezone: row.get("timezone"),
        start_time: optional_time(row, "start_time")?,
        end_time: optional_time(row, "end_time")?,
        status: from_text(row.get("status"))?,
        variables: variables.as_object().cloned().unwrap_or_default(),
        settings: parse_json(row.get("settings"))?,
        token: row.get("token"),
        last_enabled_at: optional_time(row, "last_enabled_at")?,
        last_slot: optional_time(row, "last_slot")?,
        created_at: parse_time(row.get("created_at"))?,
    })
}
