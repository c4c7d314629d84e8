//! Pipeline runs: a filtered, paginated list; detail; block runs; block logs.

use axum::Json;
use axum::extract::{Path, Query, State};
use model::RunStatus;
use serde::Deserialize;
use storage::RunFilter;
use utoipa::IntoParams;

use crate::dto::{BlockRunDto, OptionalJson, RetryInput, RunDto, RunPage};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct RunQuery {
    /// Only runs of this pipeline.
    pipeline: Option<String>,
    /// Only runs in this status.
    #[param(value_type = Option<RunStatus>)]
    status: Option<String>,
    /// Only runs of this trigger.
    trigger_id: Option<i64>,
    /// Page size (default 50, at most 500).
    limit: Option<i64>,
    /// Only runs older than this run id (from `next_before`).
    before: Option<i64>,
    /// Only runs whose execution date is at or after this time (RFC 3339).
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only runs whose execution date is before this time (RFC 3339).
    until: Option<chrono::DateTime<chrono::Utc>>,
}

#[utoipa::path(get, path = "/runs", tag = "runs", params(RunQuery),
    responses((status = OK, body = RunPage), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    Query(query): Query<RunQuery>,
) -> Result<Json<RunPage>, ApiError> {
    let status = match &query.status {
        None => None,
        Some(name) => Some(RunStatus::parse(name).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown status `{name}`; use initial, running, completed, failed or cancelled"
            ))
        })?),
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let runs = state
        .store
        .runs(RunFilter {
            pipeline_uuid: query.pipeline,
            trigger_id: query.trigger_id,
            status,
            before_id: query.before,
            since: query.since,
            until: query.until,
            limit: Some(limit),
        })
        .await?;
    let next_before = (runs.len() as i64 == limit)
        .then(|| runs.last().map(|run| run.id))
        .flatten();
    Ok(Json(RunPage {
        runs: runs.into_iter().map(RunDto::from).collect(),
        next_before,
    }))
}

#[utoipa::path(get, path = "/runs/{id}", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = RunDto), (status = 404, body = ErrorBody)))]
pub(super) async fn detail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RunDto>, ApiError> {
    let run = state
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id} does not exist")))?;
    Ok(Json(run.into()))
}

#[utoipa::path(get, path = "/runs/{id}/block_runs", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = Vec<BlockRunDto>), (status = 404, body = ErrorBody)))]
pub(super) async fn block_runs(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<BlockRunDto>>, ApiError> {
    if state.store.run(id).await?.is_none() {
        return Err(ApiError::not_found(format!("run {id} does not exist")));
    }
    let block_runs = state.store.block_runs(id).await?;
    Ok(Json(
        block_runs.into_iter().map(BlockRunDto::from).collect(),
    ))
}

/// Cancels a run: waiting blocks are cancelled, running blocks' processes are stopped.
#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = RunDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RunDto>, ApiError> {
    state.scheduler.cancel_run(id).await?;
    detail(State(state), Path(id)).await
}

/// Runs a finished run again: the blocks that did not complete, or `from_block` and everything below it.
#[utoipa::path(post, path = "/runs/{id}/retry", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    request_body(content = Option<RetryInput>, description = "Optional block to retry from"),
    responses((status = OK, body = RunDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn retry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    OptionalJson(input): OptionalJson<RetryInput>,
) -> Result<Json<RunDto>, ApiError> {
    let from_block = input.and_then(|input| input.from_block);
    state.scheduler.retry_run(id, from_block.as_deref()).await?;
    detail(State(state), Path(id)).await
}
