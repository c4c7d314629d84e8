//! The project's Python environment for the Settings page: which interpreter, its version and packages, and
//! installing `requirements.txt` with the installer's output streamed live.

use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, Sse};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::dto::PythonDto;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// The interpreter blocks run with (none yet when the project's `.venv` will be created on the first run).
#[utoipa::path(get, path = "/python", tag = "meta",
    responses((status = OK, body = PythonDto), (status = 422, body = ErrorBody)))]
pub(super) async fn describe(State(state): State<AppState>) -> Result<Json<PythonDto>, ApiError> {
    let Some(python) = runtime::existing_python(&state.environment) else {
        return Ok(Json(PythonDto {
            interpreter: None,
            version: None,
            packages: Vec::new(),
            note: Some(
                "The project's .venv is created on the first run, or now with Install.".to_owned(),
            ),
        }));
    };
    let info = tokio::task::spawn_blocking(move || runtime::describe_python(&python))
        .await
        .map_err(|error| ApiError::invalid(error.to_string()))?
        .map_err(|error| ApiError::invalid(error.to_string()))?;
    Ok(Json(PythonDto {
        interpreter: Some(info.interpreter.display().to_string()),
        version: Some(info.version),
        packages: info.packages,
        note: None,
    }))
}

/// Installs `requirements.txt` now. The answer is a stream of server-sent events: `line` events with the installer's
/// output, then one `end` event `{"ok": bool, "message": ...}`.
#[utoipa::path(post, path = "/python/install", tag = "meta",
    responses((status = OK, description = "text/event-stream of `line` and `end` events")))]
pub(super) async fn install(
    State(state): State<AppState>,
) -> Sse<ReceiverStream<Result<Event, Infallible>>> {
    let (sender, receiver) = mpsc::channel(1024);
    let environment = state.environment.clone();
    tokio::task::spawn_blocking(move || {
        let send = |event: Event| {
            let _ = sender.blocking_send(Ok(event));
        };
        let result = runtime::install_requirements(&environment, &mut |line| {
            send(Event::default().event("line").data(line));
        });
        let end = match result {
            Ok(python) => {
                serde_json::json!({"ok": true, "message": format!("installed into {}", python.display())})
            }
            Err(error) => serde_json::json!({"ok": false, "message": error.to_string()}),
        };
        send(Event::default().event("end").data(end.to_string()));
    });
    Sse::new(ReceiverStream::new(receiver))
}
