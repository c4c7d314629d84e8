//! Streams: a streaming run's live counters (`GET /runs/{id}/stream`): what its engine process last wrote to
//! `runs/<pipeline>/<run>/stream.json` in the data directory (`wand_runtime/streaming/engine.py`; the file outlives
//! the process, so the counters survive a restart of the server); and a streaming pipeline's controls
//! (`/pipelines/{uuid}/stream`: where it stands; start, stop, restart), which the scheduler carries out.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{Action, Note};
use crate::dto::{StreamAction, StreamActionInput, StreamChangeDto, StreamStateDto};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// A streaming run's counters, summed over its attempts.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub(crate) struct StreamDto {
    /// Whether the run is a streaming pipeline's.
    #[serde(default)]
    pub(crate) streaming: bool,
    /// Messages read from the source and stored by every sink.
    #[serde(default)]
    pub(crate) messages_in: i64,
    /// Records written, by sink block.
    #[serde(default)]
    pub(crate) messages_out: BTreeMap<String, i64>,
    /// Records a sink that is not idempotent (no unique key) holds twice, by sink block: written before a crash or a
    /// later sink's failure, not yet acknowledged to the broker, and so delivered and written again.
    #[serde(default)]
    pub(crate) duplicates: BTreeMap<String, i64>,
    /// Attempts that ended in an error (each is retried as the pipeline's `retry_config` says).
    #[serde(default)]
    pub(crate) errors: i64,
    /// Messages waiting in the broker, when the broker says so cheaply.
    #[serde(default)]
    pub(crate) lag: Option<i64>,
    /// When the last batch was stored (RFC 3339).
    #[serde(default)]
    pub(crate) last_message_at: Option<String>,
    #[serde(default)]
    pub(crate) last_error: Option<String>,
    /// `running`, `stopped` (a clean stop) or `failed`, as the process last said.
    #[serde(default)]
    pub(crate) state: Option<String>,
    /// How many processes ran the pipeline for this run (1 plus its restarts).
    #[serde(default)]
    pub(crate) attempts: i64,
    /// When the process last wrote the counters (RFC 3339).
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
}

#[utoipa::path(get, path = "/runs/{id}/stream", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = StreamDto), (status = 404, body = ErrorBody)))]
pub(super) async fn stream_counters(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<StreamDto>, ApiError> {
    let run = state
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id} does not exist")))?;
    if run.definition.streaming_source().is_none() {
        return Ok(Json(StreamDto::default()));
    }
    let path = runtime::stream_counters_path(&state.data_dir, &run.pipeline_uuid, id);
    let mut counters = match tokio::fs::read(&path).await {
        Ok(bytes) => serde_json::from_slice::<StreamDto>(&bytes).unwrap_or_default(),
        Err(_) => StreamDto::default(),
    };
    counters.streaming = true;
    Ok(Json(counters))
}

/// Where a pipeline's stream stands: whether it is a streaming pipeline, its unfinished run, its `@always_on`
/// trigger and its newest run.
#[utoipa::path(get, path = "/pipelines/{uuid}/stream", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    responses((status = OK, body = StreamStateDto), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn stream_state(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
) -> Result<Json<StreamStateDto>, ApiError> {
    Ok(Json(state.scheduler.stream_state(&uuid).await?.into()))
}

/// Starts, stops or restarts a streaming pipeline. A start goes through its active `@always_on` trigger when it
/// has one (which then keeps it up) and is refused (409) while a run of it is unfinished; a stop cancels its
/// unfinished runs (409 when there is none), and the trigger does not start another; a restart stops it, waits
/// until the stopped runs' source has ended (at most 30 s), then starts it.
#[utoipa::path(post, path = "/pipelines/{uuid}/stream", tag = "pipelines",
    params(("uuid" = String, Path, description = "The pipeline's folder name")),
    request_body = StreamActionInput,
    responses((status = OK, body = StreamChangeDto), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn control_stream(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    Json(input): Json<StreamActionInput>,
) -> Result<(Note, Json<StreamChangeDto>), ApiError> {
    let scheduler = &state.scheduler;
    let (stopped, started) = match input.action {
        StreamAction::Start => (Vec::new(), Some(scheduler.start_stream(&uuid).await?)),
        StreamAction::Stop => (scheduler.stop_stream(&uuid).await?, None),
        StreamAction::Restart => {
            let (stopped, run) = scheduler.restart_stream(&uuid).await?;
            (stopped, Some(run))
        }
    };
    let note = match &started {
        Some(run) => Note::run_started(run),
        None => Note::object(stopped[0])
            .action(Action::Cancel)
            .pipeline(uuid.clone())
            .run(stopped[0]),
    };
    let mut note = note.detail("stream", input.action.as_str());
    if !stopped.is_empty() {
        note = note.detail("stopped", stopped.clone());
    }
    let stream = scheduler.stream_state(&uuid).await?.into();
    Ok((
        note,
        Json(StreamChangeDto {
            stopped,
            started: started.map(|run| run.id),
            stream,
        }),
    ))
}
