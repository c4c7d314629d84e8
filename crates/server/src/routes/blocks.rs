//! Blocks of a pipeline: add (from a template or an existing file), read and write code, set parents, move,
//! remove; and the block templates.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use model::{BlockType, Language, Notice};
use project::{BlockSource, NewBlock, offered_templates};
use scheduler::RunRequest;
use serde::Deserialize;
use storage::PipelineRun;
use tokio::sync::broadcast;
use utoipa::IntoParams;

use crate::audit::Note;
use crate::dto::{
    BlockDto, BlockRunDto, BlockUpdate, CodeWrite, ExecuteInput, ExecutionDto, FileContentDto,
    NewBlockInput, OptionalJson, PipelineDetail, TemplateDto,
};
use crate::error::ErrorBody;
use crate::masking::Masked;
use crate::routes::outputs::describe as describe_outputs;
use crate::routes::pipelines::describe;
use crate::{ApiError, AppState};

/// The templates a new block can start from, in menu order (SQL ones for the databases Wand runs SQL on).
#[utoipa::path(get, path = "/block_templates", tag = "blocks", responses((status = OK, body = Vec<TemplateDto>)))]
pub(super) async fn templates() -> Json<Vec<TemplateDto>> {
    Json(
        offered_templates()
            .map(|template| TemplateDto {
                key: template.key,
                block_type: template.block_type.as_str(),
                language: template.language.as_str(),
                label: template.label,
                group: template.group,
                data_provider: template.data_provider,
            })
            .collect(),
    )
}

/// The pipeline's blocks in their order, with both link lists.
#[utoipa::path(get, path = "/pipelines/{uuid}/blocks", tag = "blocks",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    responses((status = OK, body = Vec<BlockDto>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Json<Vec<BlockDto>>, ApiError> {
    Ok(Json(describe(&state, &uuid)?.blocks))
}

#[utoipa::path(post, path = "/pipelines/{uuid}/blocks", tag = "blocks",
    params(("uuid" = String, Path, description = "The pipeline's folder name")), request_body = NewBlockInput,
    responses((status = CREATED, body = PipelineDetail), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<NewBlockInput>,
) -> Result<(StatusCode, Note, Json<PipelineDetail>), ApiError> {
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
    let block = state.project.add_block(&uuid, block)?;
    Ok((
        StatusCode::CREATED,
        Note::object(block),
        Json(describe(&state, &uuid)?),
    ))
}

#[utoipa::path(put, path = "/pipelines/{uuid}/blocks/{block}", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid")),
    request_body = BlockUpdate,
    responses((status = OK, body = PipelineDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
    Json(input): Json<BlockUpdate>,
) -> Result<(Note, Json<PipelineDetail>), ApiError> {
    let mut block = block;
    let mut note = Note::default();
    let changed: Vec<&str> = [
        ("name", input.name.is_some()),
        ("upstream_blocks", input.upstream_blocks.is_some()),
        ("position", input.position.is_some()),
        ("configuration", input.configuration.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, given)| given.then_some(field))
    .collect();
    if let Some(name) = input.name {
        block = state.project.rename_block(&uuid, &block, &name)?;
        note = note.detail("renamed_to", block.clone());
    }
    if let Some(upstream) = input.upstream_blocks {
        state.project.set_upstream(&uuid, &block, upstream)?;
    }
    if let Some(position) = input.position {
        state.project.move_block(&uuid, &block, position)?;
    }
    if let Some(configuration) = input.configuration {
        state
            .project
            .update_block_configuration(&uuid, &block, configuration)?;
    }
    Ok((
        note.detail("changed", changed),
        Json(describe(&state, &uuid)?),
    ))
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
    responses((status = OK, body = FileContentDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
        .or_else(|| {
            // A conditional or callback: its code is edited like a block's.
            pipeline
                .dag
                .blocks()
                .iter()
                .flat_map(|b| b.conditionals.iter().chain(&b.callbacks))
                .find(|addon| addon.uuid == block)
                .map(|addon| addon.file.clone())
        })
        .ok_or_else(|| ApiError::not_found(format!("pipeline `{uuid}` has no block `{block}`")))
}

/// Runs one block now (the editor's "run block"), optionally with its upstream blocks, waits for it, and returns
/// what it printed and its output. The run is recorded like any other.
#[utoipa::path(post, path = "/pipelines/{uuid}/blocks/{block}/execute", tag = "blocks",
    params(("uuid" = String, Path, description = "Pipeline"), ("block" = String, Path, description = "Block uuid")),
    request_body(content = Option<ExecuteInput>, description = "Options (optional)"),
    responses((status = OK, body = ExecutionDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn execute(
    State(state): State<AppState>,
    Path((uuid, block)): Path<(String, String)>,
    OptionalJson(input): OptionalJson<ExecuteInput>,
) -> Result<(Note, Json<ExecutionDto>), ApiError> {
    let input = input.unwrap_or_default();
    let pipeline = state.project.load_pipeline(&uuid)?.pipeline;
    // A scratchpad runs here, from the editor, and never in a pipeline run (as in Mage).
    let scratchpad = pipeline
        .notebook_blocks
        .iter()
        .any(|b| b.uuid == block && b.block_type == BlockType::Scratchpad);
    if pipeline.dag.get(&block).is_none() && !scratchpad {
        return Err(ApiError::not_found(format!(
            "pipeline `{uuid}` has no block `{block}` that runs"
        )));
    }
    let mut only: Vec<String> = vec![block.clone()];
    if input.with_upstream && !scratchpad {
        only.extend(pipeline.dag.ancestors(&block));
    }
    let mut notices = state.notices.subscribe();
    let run = state
        .scheduler
        .create_run(RunRequest {
            only_blocks: Some(only),
            ..RunRequest::manual(uuid, input.variables, Utc::now())
        })
        .await?;
    let run = wait_until_finished(&state, run.id, &mut notices).await?;
    let block_runs = state.store.block_runs(run.id).await?;
    let target = block_runs.iter().find(|b| b.block_uuid == block);
    // The first page of the log, as `GET /runs/{id}/logs/{block}` gives it; the rest is read from there.
    let (logs, _, more_logs) = match target.and_then(|b| b.log_path.clone()) {
        Some(path) if std::path::Path::new(&path).starts_with(&state.data_dir) => {
            super::logs::read_page(
                Some(std::path::Path::new(&path)),
                0,
                super::logs::MAX_PAGE_LINES,
                true,
            )
            .await?
        }
        _ => (Vec::new(), 0, false),
    };
    let outputs = match target.and_then(|b| b.outputs.as_ref()) {
        Some(stored) => describe_outputs(&state, stored).await,
        None => Vec::new(),
    };
    let mask = crate::masking::current(&state).await?;
    let note = Note::default().run(run.id);
    Ok((
        note,
        Json(
            ExecutionDto {
                run: run.into(),
                block_runs: block_runs.into_iter().map(BlockRunDto::from).collect(),
                logs,
                more_logs,
                outputs,
            }
            .masked(&mask),
        ),
    ))
}

/// Waits for a run to end, woken by notices (and checking the database when notices were missed).
async fn wait_until_finished(
    state: &AppState,
    run_id: i64,
    notices: &mut broadcast::Receiver<Notice>,
) -> Result<PipelineRun, ApiError> {
    loop {
        let run = state
            .store
            .run(run_id)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("run {run_id} does not exist")))?;
        if run.status.is_finished() {
            return Ok(run);
        }
        match notices.recv().await {
            Ok(Notice::Run { run_id: id, .. }) if id == run_id => {}
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => {
                return Err(ApiError::shutting_down());
            }
        }
    }
}
