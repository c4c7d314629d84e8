//! Pipeline runs: a filtered, paginated list; detail; block runs (a dynamic child's instances paged, and counted by
//! status); block logs.

use axum::Json;
use axum::extract::{Path, Query, State};
use model::{BlockRunStatus, RunStatus};
use serde::Deserialize;
use storage::{BlockRunFilter, RunFilter};
use utoipa::IntoParams;

use crate::audit::Note;
use crate::dto::{BlockGroupDto, BlockRunDto, OptionalJson, RetryInput, RunDto, RunPage};
use crate::error::ErrorBody;
use crate::masking::{self, Masked};
use crate::{ApiError, AppState};

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;
const DEFAULT_INSTANCE_PAGE: i64 = 100;
const MAX_INSTANCE_PAGE: i64 = 1000;

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

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct BlockRunQuery {
    /// The instances of this dynamic child (a block uuid), paged. Without it: the pipeline's own block runs (a
    /// dynamic child's own block run among them, its instances left out; see `/runs/{id}/block_groups`).
    block: Option<String>,
    /// Only block runs in this status.
    #[param(value_type = Option<BlockRunStatus>)]
    status: Option<String>,
    /// How many to skip.
    offset: Option<i64>,
    /// Page size: for instances 100 unless given, at most 1000; the pipeline's own block runs are all given
    /// unless a limit is.
    limit: Option<i64>,
}

/// The block runs of a run, in the order they were created: the pipeline's own, or one dynamic child's instances.
#[utoipa::path(get, path = "/runs/{id}/block_runs", tag = "runs",
    params(("id" = i64, Path, description = "Run id"), BlockRunQuery),
    responses((status = OK, body = Vec<BlockRunDto>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn block_runs(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<BlockRunQuery>,
) -> Result<Json<Vec<BlockRunDto>>, ApiError> {
    let filter = block_run_filter(query)?;
    if state.store.run(id).await?.is_none() {
        return Err(ApiError::not_found(format!("run {id} does not exist")));
    }
    let block_runs = state.store.block_run_page(id, filter).await?;
    let mask = masking::current(&state).await?;
    Ok(Json(
        block_runs
            .into_iter()
            .map(BlockRunDto::from)
            .collect::<Vec<_>>()
            .masked(&mask),
    ))
}

/// Each dynamic child of a run with how many instances it has in each status, counted by the database.
#[utoipa::path(get, path = "/runs/{id}/block_groups", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = Vec<BlockGroupDto>), (status = 404, body = ErrorBody)))]
pub(super) async fn block_groups(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<BlockGroupDto>>, ApiError> {
    if state.store.run(id).await?.is_none() {
        return Err(ApiError::not_found(format!("run {id} does not exist")));
    }
    let mut groups: Vec<BlockGroupDto> = Vec::new();
    for count in state.store.instance_counts(id).await? {
        if groups
            .last()
            .is_none_or(|group| group.block != count.origin)
        {
            groups.push(BlockGroupDto {
                block: count.origin.clone(),
                total: 0,
                counts: Default::default(),
            });
        }
        let group = groups.last_mut().expect("pushed above");
        group.total += count.count;
        group.counts.insert(count.status.as_str(), count.count);
    }
    Ok(Json(groups))
}

fn block_run_filter(query: BlockRunQuery) -> Result<BlockRunFilter, ApiError> {
    let status = match &query.status {
        None => None,
        Some(name) => Some(BlockRunStatus::parse(name).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown status `{name}`; use one of {}",
                BlockRunStatus::ALL.map(BlockRunStatus::as_str).join(", ")
            ))
        })?),
    };
    let limit = match (&query.block, query.limit) {
        (Some(_), limit) => Some(
            limit
                .unwrap_or(DEFAULT_INSTANCE_PAGE)
                .clamp(1, MAX_INSTANCE_PAGE),
        ),
        (None, limit) => limit.map(|limit| limit.max(1)),
    };
    Ok(BlockRunFilter {
        origin: query.block,
        status,
        offset: query.offset.unwrap_or(0).max(0),
        limit,
    })
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
) -> Result<(Note, Json<RunDto>), ApiError> {
    let from_block = input.and_then(|input| input.from_block);
    state.scheduler.retry_run(id, from_block.as_deref()).await?;
    let note = match from_block {
        Some(block) => Note::default().detail("from_block", block),
        None => Note::default(),
    };
    Ok((note, detail(State(state), Path(id)).await?))
}
