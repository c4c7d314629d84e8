//! Health, project summary and the front page.

use axum::Json;
use axum::extract::State;

use crate::dto::{Health, HealthStatus, ProjectDto, SettingsDto};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// Answers without touching Python or the database.
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = OK, body = Health)))]
pub(super) async fn health() -> Json<Health> {
    Json(Health {
        status: HealthStatus::Ok,
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[utoipa::path(get, path = "/project", tag = "meta",
    responses((status = OK, body = ProjectDto), (status = 500, body = ErrorBody)))]
pub(super) async fn project(State(state): State<AppState>) -> Result<Json<ProjectDto>, ApiError> {
    Ok(Json(ProjectDto {
        name: state.project.name().to_owned(),
        root: state.project.root().display().to_string(),
        data_dir: state.data_dir.display().to_string(),
        database: state.database.clone(),
        version: env!("CARGO_PKG_VERSION"),
        pipelines: state.project.pipeline_uuids().len(),
    }))
}

#[utoipa::path(get, path = "/project/settings", tag = "meta", responses((status = OK, body = SettingsDto)))]
pub(super) async fn settings(State(state): State<AppState>) -> Result<Json<SettingsDto>, ApiError> {
    let settings = state.project.settings()?;
    Ok(Json(SettingsDto {
        concurrency: settings.concurrency,
        retry_config: serde_json::to_value(settings.retry).unwrap_or_default(),
    }))
}

#[utoipa::path(put, path = "/project/settings", tag = "meta", request_body = SettingsDto,
    responses((status = OK, body = SettingsDto), (status = 422, body = ErrorBody)))]
pub(super) async fn update_settings(
    State(state): State<AppState>,
    Json(input): Json<SettingsDto>,
) -> Result<Json<SettingsDto>, ApiError> {
    let retry = match input.retry_config {
        serde_json::Value::Null => model::RetryConfig::default(),
        value => serde_json::from_value(value)
            .map_err(|error| ApiError::invalid(format!("`retry_config`: {error}")))?,
    };
    state.project.update_settings(&project::ProjectSettings {
        concurrency: input.concurrency,
        retry,
    })?;
    settings(State(state)).await
}
