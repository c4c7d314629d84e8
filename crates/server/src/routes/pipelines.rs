//! Pipelines: list (invalid ones with their error), detail, and "run now".

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use scheduler::RunRequest;
use storage::RunFilter;

use crate::audit::Note;
use crate::dto::{
    BlockDto, OptionalJson, PipelineDetail, PipelineName, PipelineSummary, RunDto, RunNowInput,
};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

#[utoipa::path(get, path = "/pipelines", tag = "pipelines",
    responses((status = OK, body = Vec<PipelineSummary>)))]
pub(super) async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<PipelineSummary>>, ApiError> {
    let mut summaries = Vec::new();
    for uuid in state.project.pipeline_uuids() {
        let last_run = state
            .store
            .runs(RunFilter {
                pipeline_uuid: Some(uuid.clone()),
                limit: Some(1),
                ..RunFilter::default()
            })
            .await?
            .pop()
            .map(RunDto::from);
        let triggers = state.store.triggers(Some(&uuid)).await?.len();
        let triggers_error = triggers_error(&state, &uuid);
        let summary = match state.project.load_pipeline(&uuid) {
            Ok(loaded) => PipelineSummary {
                name: loaded.pipeline.name.clone(),
                blocks: loaded.pipeline.dag.len() + loaded.pipeline.notebook_blocks.len(),
                uuid,
                triggers,
                last_run,
                error: None,
                triggers_error,
            },
            Err(error) => PipelineSummary {
                name: uuid.clone(),
                uuid,
                blocks: 0,
                triggers,
                last_run,
                error: Some(error.to_string()),
                triggers_error,
            },
        };
        summaries.push(summary);
    }
    Ok(Json(summaries))
}

#[utoipa::path(get, path = "/pipelines/{uuid}", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    responses((status = OK, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Json<PipelineDetail>, ApiError> {
    Ok(Json(describe(&state, &uuid)?))
}

/// A pipeline as the editor shows it: its blocks in file order with both link lists.
pub(crate) fn describe(state: &AppState, uuid: &str) -> Result<PipelineDetail, ApiError> {
    let loaded = state.project.load_pipeline(uuid)?;
    let triggers = state.project.read_triggers(uuid);
    let pipeline = &loaded.pipeline;
    let order: Vec<String> = loaded
        .file
        .blocks()
        .iter()
        .filter_map(|entry| {
            entry
                .get("uuid")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    let mut blocks: Vec<&model::Block> = pipeline
        .dag
        .blocks()
        .iter()
        .chain(&pipeline.notebook_blocks)
        .collect();
    blocks.sort_by_key(|block| {
        order
            .iter()
            .position(|uuid| *uuid == block.uuid)
            .unwrap_or(usize::MAX)
    });
    let blocks = blocks
        .into_iter()
        .map(|block| {
            let downstream = pipeline
                .dag
                .downstream(&block.uuid)
                .iter()
                .map(|b| b.uuid.clone())
                .collect();
            BlockDto::new(block, downstream)
        })
        .collect();
    Ok(PipelineDetail {
        uuid: pipeline.uuid.clone(),
        name: pipeline.name.clone(),
        variables: pipeline.variables.clone(),
        blocks,
        warnings: loaded
            .warnings
            .iter()
            .chain(
                triggers
                    .as_ref()
                    .map_or(&[][..], |declared| &declared.warnings),
            )
            .map(ToString::to_string)
            .collect(),
        triggers_error: problems(&triggers),
    })
}

/// What keeps the pipeline's `triggers.yaml` from applying, read from the file itself so it shows until fixed.
fn triggers_error(state: &AppState, uuid: &str) -> Option<String> {
    problems(&state.project.read_triggers(uuid))
}

/// The problems of a triggers file as read, one a line.
fn problems(triggers: &Result<project::DeclaredTriggers, project::ProjectError>) -> Option<String> {
    match triggers {
        Err(error) => Some(error.to_string()),
        Ok(declared) if !declared.problems.is_empty() => Some(
            declared
                .problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Ok(_) => None,
    }
}

/// Creates a standard (batch) pipeline; its uuid is made from the name.
#[utoipa::path(post, path = "/pipelines", tag = "pipelines", request_body = PipelineName,
    responses((status = CREATED, body = PipelineDetail), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    Json(input): Json<PipelineName>,
) -> Result<(StatusCode, Note, Json<PipelineDetail>), ApiError> {
    let uuid = state.project.create_pipeline(&input.name)?;
    let note = Note::object(&uuid).pipeline(&uuid);
    Ok((StatusCode::CREATED, note, Json(describe(&state, &uuid)?)))
}

/// Renames a pipeline; like Mage, its uuid follows the name (the answer has the new one). Its triggers stay its
/// own, with the same ids and API-trigger tokens.
#[utoipa::path(put, path = "/pipelines/{uuid}", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")), request_body = PipelineName,
    responses((status = OK, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn rename(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<PipelineName>,
) -> Result<(Note, Json<PipelineDetail>), ApiError> {
    let new_uuid = state.scheduler.rename_pipeline(&uuid, &input.name).await?;
    let note = Note::object(&new_uuid)
        .pipeline(&new_uuid)
        .detail("from", uuid);
    Ok((note, Json(describe(&state, &new_uuid)?)))
}

/// Deletes a pipeline's folder and its triggers; its runs stay in the history.
#[utoipa::path(delete, path = "/pipelines/{uuid}", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    responses((status = NO_CONTENT), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.scheduler.delete_pipeline(&uuid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copies a pipeline's definition (not its triggers or runs) under a new name.
#[utoipa::path(post, path = "/pipelines/{uuid}/clone", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")), request_body = PipelineName,
    responses((status = CREATED, body = PipelineDetail), (status = 404, body = ErrorBody)))]
pub(super) async fn clone(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<PipelineName>,
) -> Result<(StatusCode, Note, Json<PipelineDetail>), ApiError> {
    let new_uuid = state.project.clone_pipeline(&uuid, &input.name)?;
    let note = Note::object(&new_uuid)
        .pipeline(&new_uuid)
        .detail("copy_of", uuid);
    Ok((
        StatusCode::CREATED,
        note,
        Json(describe(&state, &new_uuid)?),
    ))
}

/// Runs the pipeline now, without a trigger; `variables` override the pipeline's. Refused (409) for a streaming
/// pipeline while a run of it is unfinished.
#[utoipa::path(post, path = "/pipelines/{uuid}/runs", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    request_body(content = Option<RunNowInput>, description = "Optional run variables"),
    responses((status = CREATED, body = RunDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn run_now(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    OptionalJson(input): OptionalJson<RunNowInput>,
) -> Result<(StatusCode, Note, Json<RunDto>), ApiError> {
    let variables = input.map(|input| input.variables).unwrap_or_default();
    let run = state
        .scheduler
        .run_now(RunRequest::manual(uuid, variables, Utc::now()))
        .await?;
    Ok((
        StatusCode::CREATED,
        Note::run_started(&run),
        Json(run.into()),
    ))
}
