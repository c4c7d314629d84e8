//! Block logs: the whole log of a block run, and a live stream (server-sent events) that follows it until the
//! block run ends.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use model::{LogEvent, Notice};
use storage::BlockRun;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use crate::dto::{LogDto, LogLineDto};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// The lines a block printed in a run, with their times.
#[utoipa::path(get, path = "/runs/{id}/logs/{block_uuid}", tag = "runs",
    params(("id" = i64, Path, description = "Run id"), ("block_uuid" = String, Path, description = "Block uuid")),
    responses((status = OK, body = LogDto), (status = 404, body = ErrorBody)))]
pub(super) async fn log(
    State(state): State<AppState>,
    Path((id, block_uuid)): Path<(i64, String)>,
) -> Result<Json<LogDto>, ApiError> {
    let block_run = block_run(&state, id, &block_uuid).await?;
    let lines = read_lines(&state, &block_run)
        .await
        .iter()
        .map(|line| LogLineDto::parse(line))
        .collect();
    Ok(Json(LogDto { block_uuid, lines }))
}

/// Follows a block's log live as server-sent events: `line` events (`{index, time, stream, text}`) with what is
/// already there and then each new line, and one `end` event (`{status}`) when the block run is over.
#[utoipa::path(get, path = "/runs/{id}/logs/{block_uuid}/stream", tag = "runs",
    params(("id" = i64, Path, description = "Run id"), ("block_uuid" = String, Path, description = "Block uuid")),
    responses((status = OK, description = "text/event-stream of `line` and `end` events"), (status = 404, body = ErrorBody)))]
pub(super) async fn stream(
    State(state): State<AppState>,
    Path((id, block_uuid)): Path<(i64, String)>,
) -> Result<Sse<KeepAliveStream<ReceiverStream<Result<Event, Infallible>>>>, ApiError> {
    // Subscribe before reading, so no line falls between the file and the stream.
    let logs = state.logs.subscribe();
    let notices = state.notices.subscribe();
    let block_run = block_run(&state, id, &block_uuid).await?;
    let (sender, receiver) = mpsc::channel(256);
    tokio::spawn(follow(state, block_run, logs, notices, sender));
    Ok(Sse::new(ReceiverStream::new(receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

async fn follow(
    state: AppState,
    block_run: BlockRun,
    mut logs: broadcast::Receiver<LogEvent>,
    mut notices: broadcast::Receiver<Notice>,
    sender: mpsc::Sender<Result<Event, Infallible>>,
) {
    let (run_id, block) = (block_run.pipeline_run_id, block_run.block_uuid.clone());
    let mut next = 0;
    if !send_new_lines(&state, &block_run, &mut next, &sender).await {
        return;
    }
    let mut status = block_run.status;
    while !status.is_finished() {
        tokio::select! {
            event = logs.recv() => match event {
                Ok(event) if event.run_id == run_id && event.block_uuid == block && event.index >= next => {
                    next = event.index + 1;
                    if sender.send(Ok(line_event(event.index, &event.line))).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !send_new_lines(&state, &block_run, &mut next, &sender).await {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            notice = notices.recv() => match notice {
                Ok(Notice::BlockRun { run_id: r, block_uuid, status: new, .. }) if r == run_id && block_uuid == block => status = new,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    if let Ok(Some(current)) = current(&state, run_id, &block).await {
                        status = current.status;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
    // The lines and the status travel on different channels: read the file once more before ending.
    let latest = current(&state, run_id, &block)
        .await
        .ok()
        .flatten()
        .unwrap_or(block_run);
    if send_new_lines(&state, &latest, &mut next, &sender).await {
        let end = serde_json::json!({"status": status.as_str()});
        let _ = sender
            .send(Ok(Event::default().event("end").data(end.to_string())))
            .await;
    }
}

/// Sends the file's lines from `next` on; false when the client has gone.
async fn send_new_lines(
    state: &AppState,
    block_run: &BlockRun,
    next: &mut u64,
    sender: &mpsc::Sender<Result<Event, Infallible>>,
) -> bool {
    let lines = read_lines(state, block_run).await;
    for (index, line) in lines.iter().enumerate().skip(*next as usize) {
        if sender
            .send(Ok(line_event(index as u64, line)))
            .await
            .is_err()
        {
            return false;
        }
        *next = index as u64 + 1;
    }
    true
}

fn line_event(index: u64, stored: &str) -> Event {
    let line = LogLineDto::parse(stored);
    let data = serde_json::json!({"index": index, "time": line.time, "stream": line.stream, "text": line.text});
    Event::default().event("line").data(data.to_string())
}

async fn current(state: &AppState, run_id: i64, block: &str) -> Result<Option<BlockRun>, ApiError> {
    Ok(state
        .store
        .block_runs(run_id)
        .await?
        .into_iter()
        .find(|b| b.block_uuid == block))
}

async fn block_run(state: &AppState, run_id: i64, block: &str) -> Result<BlockRun, ApiError> {
    current(state, run_id, block)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {run_id} has no block `{block}`")))
}

/// The stored lines of a block run's log. Its place in the data directory is fixed (`runtime::log_key`; the worker
/// writes there from the start); a log written on another machine is fetched from the shared output store once
/// its block has ended.
async fn read_lines(state: &AppState, block_run: &BlockRun) -> Vec<String> {
    let Ok(Some(run)) = state.store.run(block_run.pipeline_run_id).await else {
        return Vec::new();
    };
    let key = runtime::log_key(&run.pipeline_uuid, run.id, &block_run.block_uuid);
    let path = if block_run.status.is_finished() {
        match state.outputs.fetch_key(&key).await {
            Ok(path) => path,
            Err(error) => {
                tracing::debug!(%error, "no log of this block run in the shared store");
                state.data_dir.join(&key)
            }
        }
    } else {
        state.data_dir.join(&key)
    };
    tokio::fs::read_to_string(&path)
        .await
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}
