//! The browser terminal: a shell on a pseudo-terminal in the project folder, over a WebSocket. Admins only (the
//! policy), from this server's own pages only (the guard's Origin check), and off entirely with `DISABLE_TERMINAL`.
//!
//! Protocol: the client sends text frames `{"type": "input", "data": "..."}` and `{"type": "resize", "cols": N,
//! "rows": M}`; the server sends the terminal's output as binary frames and closes when the shell exits.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::ErrorCode;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Input { data: String },
    Resize { cols: u16, rows: u16 },
}

pub(super) async fn terminal(
    State(state): State<AppState>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let Some(shell) = state.shell.clone() else {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the terminal is turned off on this server (DISABLE_TERMINAL)",
        ));
    };
    Ok(upgrade.on_upgrade(move |socket| async move {
        if let Err(error) = session(socket, &state, &shell).await {
            tracing::warn!(%error, "terminal session ended with an error");
        }
    }))
}

async fn session(
    socket: WebSocket,
    state: &AppState,
    shell: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (pty, pts) = pty_process::open()?;
    pty.resize(pty_process::Size::new(24, 80))?;
    let mut child = pty_process::Command::new(shell)
        .current_dir(state.project.root())
        .env("TERM", "xterm-256color")
        .kill_on_drop(true)
        .spawn(pts)?;
    let (mut output, mut input) = pty.into_split();
    let (mut to_browser, mut from_browser) = socket.split();
    let mut buffer = vec![0u8; 8192];
    loop {
        tokio::select! {
            read = output.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(count) => {
                    if to_browser.send(Message::Binary(buffer[..count].to_vec().into())).await.is_err() {
                        break;
                    }
                }
            },
            message = from_browser.next() => match message {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Input { data }) => input.write_all(data.as_bytes()).await?,
                    Ok(ClientMessage::Resize { cols, rows }) => input.resize(pty_process::Size::new(rows.max(1), cols.max(1)))?,
                    Err(error) => tracing::debug!(%error, "ignored terminal message"),
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = child.wait() => break,
        }
    }
    let _ = child.start_kill();
    let _ = to_browser.send(Message::Close(None)).await;
    Ok(())
}
