//! The warm Python supervisor (`python -m wand_runtime.supervisor`): one process per interpreter that runs each block
//! in a fresh process forked by one of its two fork servers (`fork_server.py`: a lean one, and one with pandas
//! imported) and relays what it writes. If the supervisor itself dies, the blocks it was running fail and the next
//! block starts a new one.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{oneshot, watch};

use crate::protocol::{BlockCalls, SupervisorMessage, decode_supervisor_message};
use crate::{BlockOutcome, BlockRequest, FailureReason, LogSink, RuntimeError, cap_log_text};

/// How long the supervisor may take to import pandas and friends before it counts as broken.
const STARTUP_LIMIT: Duration = Duration::from_secs(120);
/// How long past a block's own timeout Wand waits for the supervisor to report it before replacing the supervisor.
const TIMEOUT_GRACE: Duration = Duration::from_secs(10);
/// The longest message the supervisor may send. Log lines hold at most 64 KiB of text (a few hundred KiB once
/// JSON-escaped), so only the `done` event of a block with an enormous result or error comes near it.
const MAX_MESSAGE_BYTES: usize = 64 << 20;
/// The longest line of the supervisor's own stderr that is kept.
const MAX_STDERR_LINE_BYTES: usize = 64 << 10;
/// A line buffer that grew past this after a long message is given back, so one big message is not held forever.
const KEPT_BUFFER_BYTES: usize = 1 << 20;

/// How to start the supervisor process.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    pub python: PathBuf,
    /// The unpacked `wand_runtime` package (see `install_package`).
    pub package_dir: PathBuf,
    /// The working directory of blocks (relative paths in user code resolve against it).
    pub working_dir: PathBuf,
    /// The user's own `PYTHONPATH`, kept after Wand's package.
    pub user_python_path: Option<std::ffi::OsString>,
}

/// One warm Python supervisor process, started on first use and replaced when it dies.
pub struct Supervisor {
    config: SupervisorConfig,
    current: tokio::sync::Mutex<Option<Arc<Process>>>,
    next_id: AtomicU64,
}

struct Process {
    child: Mutex<Child>,
    stdin: SharedStdin,
    routes: Arc<Mutex<HashMap<u64, Route>>>,
    alive: Arc<AtomicBool>,
    /// Turns true when the supervisor's output ends (it exited).
    ended: watch::Receiver<bool>,
}

/// The supervisor's stdin, shared by the senders of requests and of replies to blocks' calls.
type SharedStdin = Arc<tokio::sync::Mutex<Option<ChildStdin>>>;

struct Route {
    sink: Arc<dyn LogSink>,
    calls: Arc<dyn BlockCalls>,
    done: oneshot::Sender<BlockOutcome>,
}

impl Supervisor {
    pub fn new(config: SupervisorConfig) -> Supervisor {
        Supervisor {
            config,
            current: tokio::sync::Mutex::new(None),
            next_id: AtomicU64::new(1),
        }
    }

    /// Starts the supervisor now, so the first block does not wait for the imports.
    pub async fn warm_up(&self) -> Result<(), RuntimeError> {
        self.process().await.map(|_| ())
    }

    /// Runs one block in a fresh child of the supervisor; its output lines go to `sink` as they come, and `calls`
    /// answers what it asks of Wand while it runs. A message on `cancel` kills the block's process group; the
    /// outcome is then `Cancelled`.
    pub async fn execute(
        &self,
        request: BlockRequest,
        sink: Arc<dyn LogSink>,
        calls: Arc<dyn BlockCalls>,
        cancel: oneshot::Receiver<()>,
    ) -> Result<BlockOutcome, RuntimeError> {
        let process = self.process().await?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (done, outcome) = oneshot::channel();
        process
            .routes
            .lock()
            .expect("routes lock")
            .insert(id, Route { sink, calls, done });
        let limit = request
            .timeout
            .map(|seconds| Duration::from_secs_f64(seconds) + TIMEOUT_GRACE);
        let message = serde_json::json!({"op": "run", "id": id, "request": request});
        if let Err(error) = process.send(&message).await {
            process.routes.lock().expect("routes lock").remove(&id);
            return Err(error);
        }
        let deadline = limit.map(|limit| tokio::time::Instant::now() + limit);
        let mut outcome = outcome;
        let mut cancel = cancel;
        let mut cancel_pending = true;
        let finished = loop {
            tokio::select! {
                finished = &mut outcome => break finished,
                asked = &mut cancel, if cancel_pending => {
                    cancel_pending = false;
                    if asked.is_ok() {
                        process.send(&serde_json::json!({"op": "cancel", "id": id})).await?;
                    }
                }
                _ = sleep_until(deadline) => {
                    tracing::warn!(
                        block = %request.block_uuid,
                        "the Python supervisor did not stop a block past its timeout; replacing it"
                    );
                    process.kill();
                    return Ok(timed_out());
                }
            }
        };
        Ok(finished.unwrap_or_else(|_| BlockOutcome::Failed {
            error:
                "the Python supervisor running this block stopped unexpectedly; it has been replaced"
                    .to_owned(),
            traceback: None,
            reason: Some(FailureReason::Crashed),
        }))
    }

    /// Stops the supervisor and every block it runs: closing its stdin makes it kill its children and exit.
    pub async fn shutdown(&self) {
        let Some(process) = self.current.lock().await.take() else {
            return;
        };
        process.stdin.lock().await.take();
        let mut ended = process.ended.clone();
        let exited =
            tokio::time::timeout(Duration::from_secs(3), ended.wait_for(|ended| *ended)).await;
        if !matches!(exited, Ok(Ok(_))) {
            process.kill();
        }
    }

    /// The live supervisor, started (and waited for) if there is none.
    async fn process(&self) -> Result<Arc<Process>, RuntimeError> {
        let mut current = self.current.lock().await;
        if let Some(process) = current.as_ref()
            && process.alive.load(Ordering::SeqCst)
        {
            return Ok(process.clone());
        }
        if current.is_some() {
            // The one before died (a crash, a kill past a block's timeout): this start replaces it.
            metrics::counter!("wand_python_supervisor_restarts_total").increment(1);
        }
        let process = Arc::new(Process::start(&self.config).await?);
        *current = Some(process.clone());
        Ok(process)
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        if let Ok(mut current) = self.current.try_lock()
            && let Some(process) = current.take()
        {
            process.kill();
        }
    }
}

/// Wand's package first (its `wand_runtime` and `mage_ai`), then whatever the user had on `PYTHONPATH`.
fn python_path(config: &SupervisorConfig) -> std::ffi::OsString {
    let mut path = config.package_dir.clone().into_os_string();
    if let Some(user) = config
        .user_python_path
        .as_ref()
        .filter(|user| !user.is_empty())
    {
        path.push(":");
        path.push(user);
    }
    path
}

impl Process {
    async fn start(config: &SupervisorConfig) -> Result<Process, RuntimeError> {
        let mut child = Command::new(&config.python)
            .args(["-u", "-m", "wand_runtime.supervisor"])
            .env("PYTHONPATH", python_path(config))
            .current_dir(&config.working_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| RuntimeError::Python {
                path: config.python.clone(),
                reason: error.to_string(),
            })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let routes: Arc<Mutex<HashMap<u64, Route>>> = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        let stdin: SharedStdin = Arc::new(tokio::sync::Mutex::new(Some(stdin)));
        let (routes_for_reader, alive_for_reader) = (routes.clone(), alive.clone());
        let stdin_for_reader = stdin.clone();
        let (ready_tx, ready_rx) = oneshot::channel();
        let errors = Arc::new(Mutex::new(Vec::<String>::new()));
        let stderr_reader = tokio::spawn(read_stderr(stderr, errors.clone()));
        let (ended_tx, ended) = watch::channel(false);
        tokio::spawn(async move {
            read_events(
                stdout,
                routes_for_reader,
                stdin_for_reader,
                alive_for_reader,
                ready_tx,
            )
            .await;
            let _ = ended_tx.send(true);
        });
        let ready = tokio::time::timeout(STARTUP_LIMIT, ready_rx).await;
        if !matches!(ready, Ok(Ok(()))) {
            let _ = child.start_kill();
            // Its stderr ends when it exits: wait for the reader to have its last words.
            let _ = tokio::time::timeout(Duration::from_secs(2), stderr_reader).await;
            let output = errors.lock().expect("stderr lock").join("\n");
            return Err(RuntimeError::Python {
                path: config.python.clone(),
                reason: format!("the Python supervisor did not start:\n{output}"),
            });
        }
        Ok(Process {
            child: Mutex::new(child),
            stdin,
            routes,
            alive,
            ended,
        })
    }

    async fn send(&self, message: &serde_json::Value) -> Result<(), RuntimeError> {
        send_line(&self.stdin, message).await
    }

    fn kill(&self) {
        self.alive.store(false, Ordering::SeqCst);
        let _ = self.child.lock().expect("child lock").start_kill();
    }
}

/// Writes one message as a line on the supervisor's stdin.
async fn send_line(stdin: &SharedStdin, message: &serde_json::Value) -> Result<(), RuntimeError> {
    let mut line = message.to_string();
    line.push('\n');
    let mut stdin = stdin.lock().await;
    let stdin = stdin.as_mut().ok_or_else(|| {
        RuntimeError::SupervisorDied("the Python supervisor is shutting down".to_owned())
    })?;
    stdin
        .write_all(line.as_bytes())
        .await
        .map_err(|error| RuntimeError::SupervisorDied(error.to_string()))
}

async fn read_events(
    stdout: tokio::process::ChildStdout,
    routes: Arc<Mutex<HashMap<u64, Route>>>,
    stdin: SharedStdin,
    alive: Arc<AtomicBool>,
    ready: oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut buffer = Vec::new();
    while let Ok(Some(size)) = read_bounded_line(&mut reader, &mut buffer, MAX_MESSAGE_BYTES).await
    {
        if size > buffer.len() {
            // Only a result can be this long: its block fails with the reason rather than waiting forever.
            tracing::warn!(
                size,
                "a message from the Python supervisor is too long and was dropped"
            );
            if let Some(route) = overlong_done_id(&buffer)
                .and_then(|id| routes.lock().expect("routes lock").remove(&id))
            {
                let _ = route.done.send(result_too_long(size));
            }
            release(&mut buffer);
            continue;
        }
        let decoded = std::str::from_utf8(&buffer)
            .map_err(|error| error.to_string())
            .and_then(|line| decode_supervisor_message(line).map_err(|error| error.to_string()));
        release(&mut buffer);
        let message = match decoded {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "unreadable message from the Python supervisor");
                continue;
            }
        };
        match message {
            SupervisorMessage::Ready => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(());
                }
            }
            SupervisorMessage::Log { id, line } => {
                let sink = routes
                    .lock()
                    .expect("routes lock")
                    .get(&id)
                    .map(|route| route.sink.clone());
                if let Some(sink) = sink {
                    let text = cap_log_text(line.text);
                    sink.line(crate::LogLine { text, ..line });
                }
            }
            SupervisorMessage::Call { id, call } => {
                let calls = routes
                    .lock()
                    .expect("routes lock")
                    .get(&id)
                    .map(|route| route.calls.clone());
                // Answered on its own task: a call may wait long (for another run to end) while this reader
                // keeps relaying every other block's lines.
                if let Some(calls) = calls {
                    let stdin = stdin.clone();
                    tokio::spawn(async move {
                        let reply = calls.call(call).await;
                        let message = serde_json::json!({"op": "reply", "id": id, "reply": reply});
                        if let Err(error) = send_line(&stdin, &message).await {
                            tracing::warn!(%error, "cannot reply to a block's call");
                        }
                    });
                }
            }
            SupervisorMessage::Done { id, outcome } => {
                if let Some(route) = routes.lock().expect("routes lock").remove(&id) {
                    let _ = route.done.send(outcome);
                }
            }
        }
    }
    alive.store(false, Ordering::SeqCst);
    // Dropping the routes tells every waiting block that its supervisor is gone.
    routes.lock().expect("routes lock").clear();
}

async fn read_stderr(stderr: tokio::process::ChildStderr, collected: Arc<Mutex<Vec<String>>>) {
    let mut reader = BufReader::new(stderr);
    let mut buffer = Vec::new();
    while let Ok(Some(_)) = read_bounded_line(&mut reader, &mut buffer, MAX_STDERR_LINE_BYTES).await
    {
        let line = String::from_utf8_lossy(&buffer).into_owned();
        tracing::debug!(target: "wand::python_supervisor", "{line}");
        let mut collected = collected.lock().expect("stderr lock");
        if collected.len() < 200 {
            collected.push(line);
        }
    }
}

/// Reads the next line into `line` (without its newline), keeping its first `max` bytes and reading past the rest:
/// memory stays bounded and time linear however long the line. Returns the line's whole length, or `None` at the
/// end of the input.
async fn read_bounded_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<usize>> {
    line.clear();
    let mut size = 0;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok((size > 0).then_some(size));
        }
        let newline = available.iter().position(|byte| *byte == b'\n');
        let part = &available[..newline.unwrap_or(available.len())];
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        size += part.len();
        let used = newline.map_or(available.len(), |at| at + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok(Some(size));
        }
    }
}

/// Gives back the memory of a line buffer that one long message made large.
fn release(buffer: &mut Vec<u8>) {
    if buffer.capacity() > KEPT_BUFFER_BYTES {
        *buffer = Vec::new();
    }
}

/// The block run id of a `done` event cut short (the supervisor writes `event` and `id` first).
fn overlong_done_id(prefix: &[u8]) -> Option<u64> {
    let rest = prefix.strip_prefix(br#"{"event": "done", "id": "#)?;
    let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

fn result_too_long(size: usize) -> BlockOutcome {
    BlockOutcome::Failed {
        error: format!(
            "the block's result was {size} bytes long, over the {} MiB the supervisor may report",
            MAX_MESSAGE_BYTES >> 20
        ),
        traceback: None,
        reason: Some(FailureReason::Crashed),
    }
}

/// Waits until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn timed_out() -> BlockOutcome {
    BlockOutcome::Failed {
        error: "the block ran past its timeout and was stopped".to_owned(),
        traceback: None,
        reason: Some(FailureReason::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines `input` holds, read `max` bytes at most each, with their whole lengths.
    async fn check(input: &[u8], max: usize, expected: &[(&str, usize)]) {
        let mut reader = BufReader::with_capacity(4, input);
        let mut buffer = Vec::new();
        let mut lines = Vec::new();
        while let Some(size) = read_bounded_line(&mut reader, &mut buffer, max)
            .await
            .unwrap()
        {
            lines.push((String::from_utf8(buffer.clone()).unwrap(), size));
        }
        let expected: Vec<_> = expected.iter().map(|(l, s)| (l.to_string(), *s)).collect();
        assert_eq!(lines, expected);
    }

    #[tokio::test]
    async fn lines_are_read_whole_up_to_the_bound_and_past_it_without_keeping_it() {
        check(b"ab\ncd\n", 8, &[("ab", 2), ("cd", 2)]).await;
        check(b"abcdefghij\nk", 4, &[("abcd", 10), ("k", 1)]).await;
        check(b"\n\n", 4, &[("", 0), ("", 0)]).await;
        check(b"", 4, &[]).await;
    }

    #[test]
    fn a_done_event_cut_short_still_names_its_block_run() {
        assert_eq!(
            overlong_done_id(br#"{"event": "done", "id": 42, "result": {"status": "fa"#),
            Some(42)
        );
        assert_eq!(overlong_done_id(br#"{"event": "log", "id": 42"#), None);
    }
}
