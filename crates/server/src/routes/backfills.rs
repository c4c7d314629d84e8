//! Backfills (Mage's): list and create a pipeline's, preview the runs a definition would make, read one with its
//! progress and runs, cancel, retry and delete. Writes go through the scheduler; this module only translates.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use model::{BackfillRange, BackfillStatus, IntervalType, RunStatus};
use scheduler::BackfillRequest;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use storage::Backfill;
use utoipa::{IntoParams, ToSchema};

use crate::audit::Note;
use crate::dto::RunDto;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// A backfill to make: a date range (`start_datetime`, `end_datetime`, `interval_type`, `interval_units`), or a list
/// of variable sets (`variable_sets`), not both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackfillInput {
    /// Its name (default: `Backfill <start>`).
    #[serde(default)]
    pub name: Option<String>,
    /// The first execution date (RFC 3339; UTC when it has no offset).
    #[serde(default)]
    pub start_datetime: Option<String>,
    /// The last possible execution date, included.
    #[serde(default)]
    pub end_datetime: Option<String>,
    #[serde(default)]
    pub interval_type: Option<IntervalType>,
    /// How many `interval_type`s between two runs (at least 1).
    #[serde(default)]
    pub interval_units: Option<u32>,
    /// One run per set, each set over `variables` (a set's `execution_date`, if any, is its run's).
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub variable_sets: Option<Vec<Map<String, Value>>>,
    /// Variables every run gets.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub variables: Option<Map<String, Value>>,
}

/// A date range to preview.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct PreviewQuery {
    start_datetime: String,
    end_datetime: String,
    #[param(value_type = IntervalType)]
    interval_type: String,
    interval_units: u32,
}

/// A run a backfill would make.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PlannedRunDto {
    pub execution_date: DateTime<Utc>,
    /// Its variables as Mage computes them (`ds`, `execution_date`, `hr`, `interval_*`).
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
}

/// How many of a backfill's planned runs are in each status (the latest run of each).
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct BackfillProgress {
    pub total: i64,
    pub initial: i64,
    pub running: i64,
    pub completed: i64,
    pub failed: i64,
    pub cancelled: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BackfillDto {
    pub id: i64,
    pub pipeline_uuid: String,
    pub name: String,
    pub status: BackfillStatus,
    pub start_datetime: Option<DateTime<Utc>>,
    pub end_datetime: Option<DateTime<Utc>>,
    pub interval_type: Option<IntervalType>,
    pub interval_units: Option<u32>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub variable_sets: Option<Vec<Map<String, Value>>>,
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    /// At most this many of its runs at once (the pipeline's `pipeline_run_limit` when it was made).
    pub run_limit: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub progress: BackfillProgress,
}

#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct RunsQuery {
    /// Every run, retried ones included (default: only the latest run of each planned run).
    #[serde(default)]
    all: bool,
}

#[utoipa::path(get, path = "/pipelines/{uuid}/backfills", tag = "backfills",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    responses((status = OK, body = Vec<BackfillDto>)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Json<Vec<BackfillDto>>, ApiError> {
    let mut out = Vec::new();
    for backfill in state.store.backfills(Some(&uuid)).await? {
        out.push(dto(&state, backfill).await?);
    }
    Ok(Json(out))
}

/// Makes a backfill and all its runs, which start as the pipeline's `concurrency_config` allows.
#[utoipa::path(post, path = "/pipelines/{uuid}/backfills", tag = "backfills",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    request_body = BackfillInput,
    responses((status = CREATED, body = BackfillDto), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<BackfillInput>,
) -> Result<(StatusCode, Note, Json<BackfillDto>), ApiError> {
    let request = request(uuid.clone(), input)?;
    let backfill = state.scheduler.create_backfill(request).await?;
    let note = Note::object(backfill.id)
        .pipeline(uuid)
        .detail("name", backfill.name.clone());
    Ok((
        StatusCode::CREATED,
        note,
        Json(dto(&state, backfill).await?),
    ))
}

/// The runs a date-range backfill would make, with their variables, without making them.
#[utoipa::path(get, path = "/pipelines/{uuid}/backfills/preview", tag = "backfills",
    params(("uuid" = String, Path, description = "The pipeline's folder name"), PreviewQuery),
    responses((status = OK, body = Vec<PlannedRunDto>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn preview(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Query(query): Query<PreviewQuery>,
) -> Result<Json<Vec<PlannedRunDto>>, ApiError> {
    let interval_type = IntervalType::parse(&query.interval_type).ok_or_else(|| {
        ApiError::invalid(format!(
            "unknown interval_type `{}`; use one of {}",
            query.interval_type,
            IntervalType::ALL.map(IntervalType::as_str).join(", ")
        ))
    })?;
    let input = BackfillInput {
        name: None,
        start_datetime: Some(query.start_datetime),
        end_datetime: Some(query.end_datetime),
        interval_type: Some(interval_type),
        interval_units: Some(query.interval_units),
        variable_sets: None,
        variables: None,
    };
    let planned = state.scheduler.preview_backfill(&request(uuid, input)?)?;
    Ok(Json(
        planned
            .into_iter()
            .map(|run| PlannedRunDto {
                execution_date: run.execution_date,
                variables: run.variables,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/backfills/{id}", tag = "backfills", params(("id" = i64, Path, description = "Backfill id")),
    responses((status = OK, body = BackfillDto), (status = 404, body = ErrorBody)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<BackfillDto>, ApiError> {
    let backfill = find(&state, id).await?;
    Ok(Json(dto(&state, backfill).await?))
}

/// The backfill's runs, in planned order.
#[utoipa::path(get, path = "/backfills/{id}/runs", tag = "backfills",
    params(("id" = i64, Path, description = "Backfill id"), RunsQuery),
    responses((status = OK, body = Vec<RunDto>), (status = 404, body = ErrorBody)))]
pub(super) async fn runs(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<RunsQuery>,
) -> Result<Json<Vec<RunDto>>, ApiError> {
    find(&state, id).await?;
    let runs = state.store.backfill_runs(id, !query.all).await?;
    Ok(Json(runs.into_iter().map(RunDto::from).collect()))
}

/// Cancels the backfill: its running runs are stopped, the rest never start.
#[utoipa::path(post, path = "/backfills/{id}/cancel", tag = "backfills",
    params(("id" = i64, Path, description = "Backfill id")),
    responses((status = OK, body = BackfillDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(Note, Json<BackfillDto>), ApiError> {
    let backfill = state.scheduler.cancel_backfill(id).await?;
    let note = Note::default().pipeline(backfill.pipeline_uuid.clone());
    Ok((note, Json(dto(&state, backfill).await?)))
}

/// Runs again each planned run whose latest run failed or was cancelled.
#[utoipa::path(post, path = "/backfills/{id}/retry", tag = "backfills",
    params(("id" = i64, Path, description = "Backfill id")),
    responses((status = OK, body = BackfillDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(Note, Json<BackfillDto>), ApiError> {
    let backfill = state.scheduler.retry_backfill(id).await?;
    let note = Note::default().pipeline(backfill.pipeline_uuid.clone());
    Ok((note, Json(dto(&state, backfill).await?)))
}

/// Deletes a backfill that is not running; its runs stay in the run history.
#[utoipa::path(delete, path = "/backfills/{id}", tag = "backfills", params(("id" = i64, Path, description = "Backfill id")),
    responses((status = NO_CONTENT), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Note, ()), ApiError> {
    let backfill = find(&state, id).await?;
    if backfill.status.is_open() {
        return Err(ApiError::new(
            crate::error::ErrorCode::InvalidTransition,
            format!(
                "backfill {id} is {}; cancel it before deleting it",
                backfill.status.as_str()
            ),
        ));
    }
    state.store.delete_backfill(id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        Note::default().pipeline(backfill.pipeline_uuid),
        (),
    ))
}

/// The scheduler's request for `input`, or what is wrong with it.
fn request(pipeline_uuid: String, input: BackfillInput) -> Result<BackfillRequest, ApiError> {
    let dates = input.start_datetime.is_some()
        || input.end_datetime.is_some()
        || input.interval_type.is_some()
        || input.interval_units.is_some();
    let range = match (input.variable_sets, dates) {
        (Some(_), true) => {
            return Err(ApiError::invalid(
                "give either a date range or variable_sets, not both",
            ));
        }
        (Some(sets), false) => BackfillRange::VariableSets(sets),
        (None, _) => {
            let missing =
                |name: &str| ApiError::invalid(format!("a date-range backfill needs `{name}`"));
            BackfillRange::Dates {
                start: time(
                    &input
                        .start_datetime
                        .ok_or_else(|| missing("start_datetime"))?,
                    "start_datetime",
                )?,
                end: time(
                    &input.end_datetime.ok_or_else(|| missing("end_datetime"))?,
                    "end_datetime",
                )?,
                interval_type: input
                    .interval_type
                    .ok_or_else(|| missing("interval_type"))?,
                units: input.interval_units.unwrap_or(1),
            }
        }
    };
    Ok(BackfillRequest {
        pipeline_uuid,
        name: input.name,
        range,
        variables: input.variables.unwrap_or_default(),
    })
}

/// An RFC 3339 time, or one without an offset (`2024-01-01T00:00:00`, `2024-01-01 00:00`, `2024-01-01`) taken as UTC.
fn time(text: &str, field: &str) -> Result<DateTime<Utc>, ApiError> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(time) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Ok(time.and_utc());
        }
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(ApiError::invalid(format!(
        "{field} `{text}` is not a time; use RFC 3339 (2024-01-31T00:00:00Z) or a date (2024-01-31)"
    )))
}

async fn find(state: &AppState, id: i64) -> Result<Backfill, ApiError> {
    state
        .store
        .backfill(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("backfill {id} does not exist")))
}

async fn dto(state: &AppState, backfill: Backfill) -> Result<BackfillDto, ApiError> {
    let mut progress = BackfillProgress {
        total: backfill.total_runs,
        ..BackfillProgress::default()
    };
    for (status, count) in state.store.backfill_progress(backfill.id).await? {
        let slot = match status {
            RunStatus::Initial => &mut progress.initial,
            RunStatus::Running => &mut progress.running,
            RunStatus::Completed => &mut progress.completed,
            RunStatus::Failed => &mut progress.failed,
            RunStatus::Cancelled => &mut progress.cancelled,
        };
        *slot += count;
    }
    let (start, end, interval_type, units, sets) = match backfill.range {
        BackfillRange::Dates {
            start,
            end,
            interval_type,
            units,
        } => (
            Some(start),
            Some(end),
            Some(interval_type),
            Some(units),
            None,
        ),
        BackfillRange::VariableSets(sets) => (None, None, None, None, Some(sets)),
    };
    Ok(BackfillDto {
        id: backfill.id,
        pipeline_uuid: backfill.pipeline_uuid,
        name: backfill.name,
        status: backfill.status,
        start_datetime: start,
        end_datetime: end,
        interval_type,
        interval_units: units,
        variable_sets: sets,
        variables: backfill.variables,
        run_limit: backfill.run_limit,
        created_at: backfill.created_at,
        started_at: backfill.started_at,
        completed_at: backfill.completed_at,
        failed_at: backfill.failed_at,
        progress,
    })
}
