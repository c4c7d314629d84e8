//! Retention through the API: deleting runs (one, or many by ids or by pipeline and age) with their block runs,
//! outputs and logs; what outputs and logs take on the disk with the retention periods in force; and the `pruned`
//! answer (410) where a run's outputs or logs were deleted by a retention period.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use model::RetentionPeriod;
use serde::{Deserialize, Serialize};
use storage::{PipelineRun, RunFilter};
use utoipa::ToSchema;

use crate::audit::Note;
use crate::error::{ErrorBody, ErrorCode};
use crate::{ApiError, AppState};

/// How many runs one bulk deletion by pipeline and age deletes at most (ask again for more).
const MAX_BULK: usize = 1000;

/// What a deletion removed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeletedRunsDto {
    /// The ids of the runs deleted.
    pub deleted: Vec<i64>,
    /// The files of their outputs and logs removed from the disk, and their bytes.
    pub files: u64,
    pub bytes: u64,
}

/// Which runs to delete: `ids`, or the finished runs of `pipeline` that ended more than `older_than` ago
/// (`30d`, `12h`, `2w`; at most 1000 at a time).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DeleteRunsInput {
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    #[serde(default)]
    pub pipeline: Option<String>,
    #[serde(default)]
    pub older_than: Option<String>,
}

/// The retention periods in force and what block outputs and logs take on the disk of this server.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DiskUsageDto {
    /// `variables_retention_period` of `metadata.yaml` (block outputs), if set.
    pub outputs_retention: Option<String>,
    /// `logging_config.retention_period` (block logs), if set.
    pub logs_retention: Option<String>,
    /// Why the periods could not be read (then none is applied), if they could not.
    pub retention_error: Option<String>,
    pub output_bytes: u64,
    pub log_bytes: u64,
    /// Per pipeline (by the folder name under `runs/`), largest first.
    pub pipelines: Vec<PipelineUsageDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PipelineUsageDto {
    pub pipeline_uuid: String,
    /// Runs with files on the disk.
    pub runs: u64,
    pub output_bytes: u64,
    pub log_bytes: u64,
}

/// Deletes a finished run with its block runs, outputs and logs. A run still going is refused: cancel it first.
#[utoipa::path(delete, path = "/runs/{id}", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = DeletedRunsDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_run(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(Note, Json<DeletedRunsDto>), ApiError> {
    let run = state
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id} does not exist")))?;
    let deleted = delete(&state, &[id]).await?;
    let note = Note::default().pipeline(run.pipeline_uuid).run(id);
    Ok((note, Json(deleted)))
}

/// Deletes many finished runs with their block runs, outputs and logs: by `ids` (refused, deleting none, if one
/// of them is still going), or the finished runs of `pipeline` older than `older_than`.
#[utoipa::path(post, path = "/runs/delete", tag = "runs", request_body = DeleteRunsInput,
    responses((status = OK, body = DeletedRunsDto), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn delete_runs(
    State(state): State<AppState>,
    Json(input): Json<DeleteRunsInput>,
) -> Result<(Note, Json<DeletedRunsDto>), ApiError> {
    let ids = match (input.ids, input.pipeline, input.older_than) {
        (Some(ids), None, None) => ids,
        (None, Some(pipeline), Some(period)) => {
            let period = RetentionPeriod::parse(&period)
                .map_err(|error| ApiError::invalid(format!("`older_than`: {error}")))?;
            finished_before(&state, &pipeline, Utc::now() - period.duration()).await?
        }
        _ => {
            return Err(ApiError::invalid(
                "give either `ids` (a list of run ids) or both `pipeline` and `older_than` (like 30d)",
            ));
        }
    };
    let deleted = delete(&state, &ids).await?;
    let note = Note::default().detail("runs", deleted.deleted.clone());
    Ok((note, Json(deleted)))
}

/// The retention periods and the disk used by block outputs and logs, per pipeline.
#[utoipa::path(get, path = "/disk_usage", tag = "meta",
    responses((status = OK, body = DiskUsageDto)))]
pub(super) async fn disk_usage(
    State(state): State<AppState>,
) -> Result<Json<DiskUsageDto>, ApiError> {
    let (retention, retention_error) = match state.project.retention() {
        Ok(settings) => (settings, None),
        Err(error) => (Default::default(), Some(error.to_string())),
    };
    let mut pipelines = scheduler::retention::disk_usage(&state.data_dir).await?;
    pipelines.sort_by_key(|usage| std::cmp::Reverse(usage.output_bytes + usage.log_bytes));
    Ok(Json(DiskUsageDto {
        outputs_retention: retention.outputs.map(|period| period.to_string()),
        logs_retention: retention.logs.map(|period| period.to_string()),
        retention_error,
        output_bytes: pipelines.iter().map(|usage| usage.output_bytes).sum(),
        log_bytes: pipelines.iter().map(|usage| usage.log_bytes).sum(),
        pipelines: pipelines
            .into_iter()
            .map(|usage| PipelineUsageDto {
                pipeline_uuid: usage.pipeline_uuid,
                runs: usage.runs,
                output_bytes: usage.output_bytes,
                log_bytes: usage.log_bytes,
            })
            .collect(),
    }))
}

/// A 410 `pruned` answer when the outputs of run `id` were deleted by a retention period.
pub(crate) async fn check_outputs(state: &AppState, id: i64) -> Result<(), ApiError> {
    match state.store.run(id).await? {
        Some(run) => gone(
            "block outputs",
            run.pruned.outputs_pruned_at,
            run.pruned.outputs_pruned_by.as_deref(),
            &run,
        ),
        None => Ok(()),
    }
}

/// A 410 `pruned` answer when the logs of run `id` were deleted by a retention period.
pub(crate) async fn check_logs(state: &AppState, id: i64) -> Result<(), ApiError> {
    match state.store.run(id).await? {
        Some(run) => gone(
            "logs",
            run.pruned.logs_pruned_at,
            run.pruned.logs_pruned_by.as_deref(),
            &run,
        ),
        None => Ok(()),
    }
}

fn gone(
    what: &str,
    at: Option<DateTime<Utc>>,
    by: Option<&str>,
    run: &PipelineRun,
) -> Result<(), ApiError> {
    let Some(at) = at else { return Ok(()) };
    Err(ApiError::new(
        ErrorCode::Pruned,
        format!(
            "the {what} of run {} were pruned on {} by the retention period ({}); the run record stays",
            run.id,
            at.format("%Y-%m-%d %H:%M UTC"),
            by.unwrap_or("unknown")
        ),
    ))
}

async fn delete(state: &AppState, ids: &[i64]) -> Result<DeletedRunsDto, ApiError> {
    let (deleted, removed) =
        scheduler::retention::delete_runs(state.store.as_ref(), &state.data_dir, ids).await?;
    Ok(DeletedRunsDto {
        deleted,
        files: removed.files,
        bytes: removed.bytes,
    })
}

/// The ids of the finished runs of `pipeline` that ended before `cutoff`, at most `MAX_BULK`.
async fn finished_before(
    state: &AppState,
    pipeline: &str,
    cutoff: DateTime<Utc>,
) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    let mut before_id = None;
    loop {
        let page = state
            .store
            .runs(RunFilter {
                pipeline_uuid: Some(pipeline.to_owned()),
                before_id,
                limit: Some(500),
                ..RunFilter::default()
            })
            .await?;
        let Some(last) = page.last() else {
            return Ok(ids);
        };
        before_id = Some(last.id);
        ids.extend(
            page.iter()
                .filter(|run| {
                    run.status.is_finished() && run.completed_at.unwrap_or(run.created_at) < cutoff
                })
                .map(|run| run.id),
        );
        if ids.len() >= MAX_BULK {
            ids.truncate(MAX_BULK);
            return Ok(ids);
        }
    }
}
