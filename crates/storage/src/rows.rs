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

/// The row of `RunStore::run_state`'s one statement: the run's head and its block runs read, as one JSON list of
/// `[block_uuid, status, origin]` in creation order. One row, not one per block run: sqlx hands SQLite's rows over
/// one by one between threads, which made a 100-block run's state cost ~2.5 µs a block run to read (the
/// `run_state` bench of `storage`).
#[derive(sqlx::FromRow)]
pub(crate) struct RunStateRow {
    run_status: String,
    run_started_at: Option<DateTime<Utc>>,
    run_backfill_id: Option<i64>,
    block_runs: Json<Vec<(String, String, Option<String>)>>,
}

/// The run state `RunStateRow` spells, or None for no row (no such run).
pub(crate) fn run_state(row: Option<RunStateRow>) -> Result<Option<RunState>, StorageError> {
    let Some(row) = row else {
        return Ok(None);
    };
    let head = RunHead {
        status: model::RunStatus::try_from(row.run_status)?,
        started_at: row.run_started_at,
        backfill_id: row.run_backfill_id,
    };
    let block_runs = row
        .block_runs
        .0
        .into_iter()
        .map(|(block_uuid, status, origin)| {
            Ok(BlockRunHead {
                block_uuid,
                status: model::BlockRunStatus::try_from(status)?,
                origin,
            })
        })
        .collect::<Result<_, StorageError>>()?;
    Ok(Some(RunState { head, block_runs }))
}
