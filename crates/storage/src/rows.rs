//! How records map to table rows where a derive cannot say it: triggers (a `model` type) come through `TriggerRow`,
//! and enum values are stored as their snake_case names. Times decode natively in both databases (SQLite's text is
//! RFC 3339); how each backend binds a time is its `stamp` function.

use chrono::{DateTime, Utc};
use model::{Trigger, TriggerSettings};
use serde_json::{Map, Value};
use sqlx::types::Json;

use crate::{BlockRunHead, RunHead, RunState, StorageError};

/// A row of `triggers`.
#[derive(sqlx::FromRow)]
pub(crate) struct TriggerRow {
    id: i64,
    pipeline_uuid: String,
    name: String,
    description: Option<String>,
    schedule_type: String,
    schedule_interval: Option<String>,
    timezone: String,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    status: String,
    variables: Json<Map<String, Value>>,
    settings: Json<TriggerSettings>,
    token: Option<String>,
    last_enabled_at: Option<DateTime<Utc>>,
    last_slot: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<TriggerRow> for Trigger {
    type Error = StorageError;

    fn try_from(row: TriggerRow) -> Result<Trigger, StorageError> {
        Ok(Trigger {
            id: row.id,
            pipeline_uuid: row.pipeline_uuid,
            name: row.name,
            description: row.description,
            schedule_type: from_text(&row.schedule_type)?,
            schedule_interval: row.schedule_interval,
            timezone: row.timezone,
            start_time: row.start_time,
            end_time: row.end_time,
            status: from_text(&row.status)?,
            variables: row.variables.0,
            settings: row.settings.0,
            token: row.token,
            last_enabled_at: row.last_enabled_at,
            last_slot: row.last_slot,
            created_at: row.created_at,
        })
    }
}

/// The snake_case name serde gives a unit enum variant, as stored in a text column.
pub(crate) fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

fn from_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StorageError> {
    serde_json::from_value(Value::String(text.to_owned()))
        .map_err(|error| StorageError::Corrupt(format!("`{text}`: {error}")))
}

/// A row of `RunStore::run_state`'s one statement: the run's head beside each block run read (a run without any has
/// one row, its block-run columns null).
#[derive(sqlx::FromRow)]
pub(crate) struct RunStateRow {
    run_status: String,
    run_started_at: Option<DateTime<Utc>>,
    run_backfill_id: Option<i64>,
    block_uuid: Option<String>,
    status: Option<String>,
    origin: Option<String>,
}

/// The run state the rows of `RunStateRow` spell, or None for no row (no such run).
pub(crate) fn run_state(rows: Vec<RunStateRow>) -> Result<Option<RunState>, StorageError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let head = RunHead {
        status: model::RunStatus::try_from(first.run_status.clone())?,
        started_at: first.run_started_at,
        backfill_id: first.run_backfill_id,
    };
    let mut block_runs = Vec::with_capacity(rows.len());
    for row in rows {
        if let (Some(block_uuid), Some(status)) = (row.block_uuid, row.status) {
            block_runs.push(BlockRunHead {
                block_uuid,
                status: model::BlockRunStatus::try_from(status)?,
                origin: row.origin,
            });
        }
    }
    Ok(Some(RunState { head, block_runs }))
}
