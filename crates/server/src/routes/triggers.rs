//! Triggers: list, create, read, replace, delete, and "run now" with variables.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use model::{ScheduleType, TriggerSettings, TriggerSpec};
use serde_json::Value;

use crate::audit::Note;
use crate::dto::{OptionalJson, RunDto, RunNowInput, TriggerDto, TriggerInput};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

#[utoipa::path(get, path = "/pipelines/{uuid}/triggers", tag = "triggers",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    responses((status = OK, body = Vec<TriggerDto>)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Json<Vec<TriggerDto>>, ApiError> {
    let triggers = state.store.triggers(Some(&uuid)).await?;
    Ok(Json(triggers.into_iter().map(TriggerDto::from).collect()))
}

#[utoipa::path(get, path = "/triggers", tag = "triggers", responses((status = OK, body = Vec<TriggerDto>)))]
pub(super) async fn all(State(state): State<AppState>) -> Result<Json<Vec<TriggerDto>>, ApiError> {
    let triggers = state.store.triggers(None).await?;
    Ok(Json(triggers.into_iter().map(TriggerDto::from).collect()))
}

#[utoipa::path(post, path = "/pipelines/{uuid}/triggers", tag = "triggers",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    request_body = TriggerInput,
    responses((status = CREATED, body = TriggerDto), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<TriggerInput>,
) -> Result<(StatusCode, Note, Json<TriggerDto>), ApiError> {
    let trigger = state.scheduler.create_trigger(spec(uuid, input)?).await?;
    let note = Note::object(trigger.id).detail("name", trigger.name.clone());
    Ok((StatusCode::CREATED, note, Json(trigger.into())))
}

#[utoipa::path(get, path = "/triggers/{id}", tag = "triggers", params(("id" = i64, Path, description = "Trigger id")),
    responses((status = OK, body = TriggerDto), (status = 404, body = ErrorBody)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<TriggerDto>, ApiError> {
    Ok(Json(find(&state, id).await?.into()))
}

#[utoipa::path(put, path = "/triggers/{id}", tag = "triggers", params(("id" = i64, Path, description = "Trigger id")),
    request_body = TriggerInput,
    responses((status = OK, body = TriggerDto), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn replace(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(input): Json<TriggerInput>,
) -> Result<(Note, Json<TriggerDto>), ApiError> {
    let existing = find(&state, id).await?;
    let spec = spec(existing.pipeline_uuid, input)?;
    let trigger = state.scheduler.update_trigger(id, spec).await?;
    let note = Note::object(id).detail("name", trigger.name.clone());
    Ok((note, Json(trigger.into())))
}

#[utoipa::path(delete, path = "/triggers/{id}", tag = "triggers", params(("id" = i64, Path, description = "Trigger id")),
    responses((status = NO_CONTENT), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.scheduler.delete_trigger(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Run pipeline now": a run of the trigger's pipeline with its variables, overridden by `variables`. Refused (409)
/// for a streaming pipeline while a run of it is unfinished.
#[utoipa::path(post, path = "/triggers/{id}/runs", tag = "triggers", params(("id" = i64, Path, description = "Trigger id")),
    request_body(content = Option<RunNowInput>, description = "Optional run variables"),
    responses((status = CREATED, body = RunDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn run_now(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    OptionalJson(input): OptionalJson<RunNowInput>,
) -> Result<(StatusCode, Note, Json<RunDto>), ApiError> {
    let variables = input.map(|input| input.variables).unwrap_or_default();
    let run = state.scheduler.run_trigger(id, variables).await?;
    Ok((
        StatusCode::CREATED,
        Note::run_started(&run),
        Json(run.into()),
    ))
}

async fn find(state: &AppState, id: i64) -> Result<model::Trigger, ApiError> {
    state
        .store
        .trigger(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("trigger {id} does not exist")))
}

/// Reads a client's trigger of the pipeline `pipeline_uuid` into the form the scheduler checks and stores.
fn spec(pipeline_uuid: String, input: TriggerInput) -> Result<TriggerSpec, ApiError> {
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid("`name` must not be empty"));
    }
    let settings: TriggerSettings = match input.settings {
        Value::Null => TriggerSettings::default(),
        value => serde_json::from_value(value)
            .map_err(|error| ApiError::invalid(format!("`settings`: {error}")))?,
    };
    Ok(TriggerSpec {
        pipeline_uuid,
        name: input.name.trim().to_owned(),
        description: input.description,
        schedule_type: input.schedule_type.unwrap_or(ScheduleType::Time),
        schedule_interval: input.schedule_interval,
        timezone: input.timezone.unwrap_or_else(|| "UTC".to_owned()),
        start_time: input.start_time,
        end_time: input.end_time,
        status: input.status.unwrap_or_default(),
        variables: input.variables,
        settings,
    })
}
