//! Blocks of a pipeline: add (from a template or an existing file), read and write code, set parents, move,
//! remove; and the block templates.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use model::{BlockType, Language};
use project::{BLOCK_TEMPLATES, BlockSource, NewBlock};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::dto::{
    BlockUpdate, CodeWrite, FileContentDto, NewBlockInput, PipelineDetail, TemplateDto,
};
use crate::error::ErrorBody;
use crate::routes::pipelines::describe;
use crate::{ApiError, AppState};

#[utoipa::path(get, path = "/block_templates", tag = "blocks", responses((status = OK, body = Vec<TemplateDto>)))]
pub(super) async fn templates() -> Json<Vec<TemplateDto>> {
    Json(
        BLOCK_TEMPLATES
            .iter()
            .map(|template| TemplateDto {
                key: template.key,
                block_type: template.block_type.as_str(),
                language: template.language.as_str(),
                label: template.label,
            })
            .collect(),
    )
}

#[utoipa::path(post, path = "/pipelines/{uuid}/blocks", tag = "blocks",
    params(("uuid" = String, Path, description = "The pipeline's folder name")), request_body = NewBlockInput,
    responses((status = CREATED, body = PipelineDetail), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<NewBlockInput>,
) -> Result<(StatusCode, Json<PipelineDetail>), ApiError> {
    let block_type = BlockType::parse(&input.block_type)
        .ok_or_else(|| ApiError::invalid(format!("unknown block type `{}`", input.block_type)))?;
    let language = match input.language.as_deref() {
        None => Language::Python,
        Some(name) => Language::parse(name)
            .ok_or_else(|| ApiError::invalid(format!("unknown language `{name}`")))?,
    };
    let source = match input.existing_file {
        Some(path) => BlockSource::ExistingFile(path),
        None => BlockSource::Template(input.template),
    };
    let block = NewBlock {
        name: input.name,
        block_type,
        language,
        upstream: input.upstream_blocks,
        source,
    };
    state.project.add_block(&uuid, block)?;
    Ok((StatusCode::CREATED, Json(describe(&state, &uuid)?)))
}

#[utoipa::path(put, path = "/pipelines/{uuid}/blocks/{block}", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid")),
    request_body = BlockUpdate,
    responses((status = OK, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
    Json(input): Json<BlockUpdate>,
) -> Result<Json<PipelineDetail>, ApiError> {
    if let Some(upstream) = input.upstream_blocks {
        state.project.set_upstream(&uuid, &block, upstream)?;
    }
    if let Some(position) = input.position {
        state.project.move_block(&uuid, &block, position)?;
    }
    Ok(Json(describe(&state, &uuid)?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct RemoveQuery {
    /// Also delete the block's file (default: keep it, other pipelines may use it).
    #[serde(default)]
    delete_file: bool,
}

#[utoipa::path(delete, path = "/pipelines/{uuid}/blocks/{block}", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid"), RemoveQuery),
    responses((status = OK, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn remove(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
    Query(query): Query<RemoveQuery>,
) -> Result<Json<PipelineDetail>, ApiError> {
    state
        .project
        .remove_block(&uuid, &block, query.delete_file)?;
    Ok(Json(describe(&state, &uuid)?))
}

#[utoipa::path(get, path = "/pipelines/{uuid}/blocks/{block}/code", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid")),
    responses((status = OK, body = FileContentDto), (status = 404, body = ErrorBody)))]
pub(super) async fn read_code(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
) -> Result<Json<FileContentDto>, ApiError> {
    let file = block_file(&state, &uuid, &block)?;
    Ok(Json(state.project.read_file(&file)?.into()))
}

/// Saves a block's code; `version` must be the one read (409 `file_changed` otherwise).
#[utoipa::path(put, path = "/pipelines/{uuid}/blocks/{block}/code", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid")),
    request_body = CodeWrite,
    responses((status = OK, body = FileContentDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn write_code(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
    Json(input): Json<CodeWrite>,
) -> Result<Json<FileContentDto>, ApiError> {
    let file = block_file(&state, &uuid, &block)?;
    Ok(Json(
        state
            .project
            .write_file(&file, &input.content, Some(&input.version))?
            .into(),
    ))
}

fn block_file(state: &AppState, uuid: &str, block: &str) -> Result<String, ApiError> {
    let pipeline = state.project.load_pipeline(uuid)?.pipeline;
    pipeline
        .dag
        .get(block)
        .or_else(|| pipeline.notebook_blocks.iter().find(|b| b.uuid == block))
        .map(|found| found.file.clone())
        .ok_or_else(|| ApiError::not_found(format!("pipeline `{uuid}` has no block `{block}`")))
}
