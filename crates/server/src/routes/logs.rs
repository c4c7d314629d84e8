//! Block logs: a block run's log read page by page, and a live stream (server-sent events) that follows it until
//! the block run ends. Both read the log file forward from a byte offset, one line at a time: never the whole file.

use std::convert::Infallible;
use std::io::SeekFrom;
use std::path::{Path as FilePath, PathBuf};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, KeepAliveStream, Sse};
use model::{LogEvent, Notice};
use serde::{Deserialize, Serialize};
use storage::BlockRun;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, BufReader};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use utoipa::{IntoParams, ToSchema};

use crate::dto::{LogDto, LogLineDto};
use crate::error::ErrorBody;
use crate::masking::{self, Masked};
use crate::{ApiError, AppState};

/// Lines in a page when the request does not say.
const DEFAULT_PAGE_LINES: usize = 1000;
pub(super) const MAX_PAGE_LINES: usize = 10_000;
/// A page ends once its lines hold this many bytes (a line's text holds at most `runtime::MAX_LOG_LINE_BYTES`).
const MAX_PAGE_BYTES: u64 = 1 << 20;
/// The longest stored line read whole: its text, capped by the runtime, with its time, stream and truncation marker.
/// A log written before lines were capped may hold longer ones; they are cut here, with a marker.
const MAX_STORED_LINE_BYTES: usize = runtime::MAX_LOG_LINE_BYTES + 512;
/// Events queued for one follower: a client that reads slowly holds at most this many lines in memory.
const FOLLOWER_QUEUE: usize = 64;

#[derive(Debug, Deserialize, IntoParams)]
pub(super) struct LogPageQuery {
    /// Where the page starts: the `next_cursor` of the page before (a byte offset at the start of a line). 0, the
    /// default, is the start of the log.
    cursor: Option<u64>,
    /// At most this many lines (default 1000, at most 10,000). A page also ends after about 1 MiB of lines.
    limit: Option<usize>,
}

/// A page of a block run's log. The whole log is the pages read from cursor 0, each from the `next_cursor` of the
/// one before, while `more` is true. A block run that is still going may add lines after `next_cursor` later.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LogPageDto {
    #[serde(flatten)]
    pub log: LogDto,
    /// The byte offset in the log where this page starts.
    pub cursor: u64,
    /// The byte offset just after this page's last line: the `cursor` of the next page.
    pub next_cursor: u64,
    /// Whether the log held more lines after this page when it was read.
    pub more: bool,
}

/// A page of the lines a block printed in a run, with their times (a line's text is at most 64 KiB; a longer line
/// was cut, ending with ` … [line truncated: N bytes, kept first 65536]`).
#[utoipa::path(get, path = "/runs/{id}/logs/{block_uuid}", tag = "runs",
    params(("id" = i64, Path, description = "Run id"), ("block_uuid" = String, Path, description = "Block uuid"), LogPageQuery),
    responses((status = OK, body = LogPageDto), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn log(
    State(state): State<AppState>,
    Path((id, block_uuid)): Path<(i64, String)>,
    Query(query): Query<LogPageQuery>,
) -> Result<Json<LogPageDto>, ApiError> {
    super::retention::check_logs(&state, id).await?;
    let block_run = block_run(&state, id, &block_uuid).await?;
    let limit = query
        .limit
        .unwrap_or(DEFAULT_PAGE_LINES)
        .clamp(1, MAX_PAGE_LINES);
    let path = log_path(&state, &block_run).await;
    let cursor = query.cursor.unwrap_or(0);
    let (lines, next_cursor, more) = read_page(
        path.as_deref(),
        cursor,
        limit,
        block_run.status.is_finished(),
    )
    .await?;
    let mask = masking::current(&state).await?;
    Ok(Json(LogPageDto {
        log: LogDto {
            block_uuid,
            lines: lines.masked(&mask),
        },
        cursor,
        next_cursor,
        more,
    }))
}

/// Follows a block's log live as server-sent events: `line` events (`{index, time, stream, text}`) with what is
/// already there and then each new line, and one `end` event (`{status}`) when the block run is over.
#[utoipa::path(get, path = "/runs/{id}/logs/{block_uuid}/stream", tag = "runs",
    params(("id" = i64, Path, description = "Run id"), ("block_uuid" = String, Path, description = "Block uuid")),
    responses((status = OK, description = "text/event-stream of `line` and `end` events"), (status = 404, body = ErrorBody),
        (status = 410, body = ErrorBody)))]
pub(super) async fn stream(
    State(state): State<AppState>,
    Path((id, block_uuid)): Path<(i64, String)>,
) -> Result<Sse<KeepAliveStream<ReceiverStream<Result<Event, Infallible>>>>, ApiError> {
    // Subscribe before reading the status, so no change falls between the two.
    let notices = state.notices.subscribe();
    super::retention::check_logs(&state, id).await?;
    let block_run = block_run(&state, id, &block_uuid).await?;
    let mask = masking::current(&state).await?;
    let (sender, receiver) = mpsc::channel(FOLLOWER_QUEUE);
    let follower = Follower { sender, mask };
    tokio::spawn(follow(state, block_run, notices, follower));
    Ok(Sse::new(ReceiverStream::new(receiver))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

type Sender = mpsc::Sender<Result<Event, Infallible>>;

/// Where one client's events go, and the secret values hidden in the lines sent.
struct Follower {
    sender: Sender,
    mask: model::Mask,
}

impl std::ops::Deref for Follower {
    type Target = Sender;

    fn deref(&self) -> &Sender {
        &self.sender
    }
}

impl Follower {
    /// A `line` event for the stored line `stored`, the `index`th of the log.
    fn line_event(&self, index: u64, stored: &str) -> Event {
        let line = LogLineDto::parse(stored).masked(&self.mask);
        let data = serde_json::json!({"index": index, "time": line.time, "stream": line.stream, "text": line.text});
        Event::default().event("line").data(data.to_string())
    }
}

/// What a follower has sent: the lines before `index`, which end at byte `offset` of the log.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Cursor {
    offset: u64,
    index: u64,
}

/// Streams a block run's log to one client. Lines come from the log bus while the follower keeps up; when it falls
/// behind (the bus lagged, a line is missing, or the client reads slower than the block prints) it lets go of the
/// bus, so lines do not pile up behind it, and reads the file from the offset it had reached instead.
async fn follow(
    state: AppState,
    block_run: BlockRun,
    mut notices: broadcast::Receiver<Notice>,
    sender: Follower,
) {
    let (run_id, block) = (block_run.pipeline_run_id, block_run.block_uuid.clone());
    let mut cursor = Cursor::default();
    let mut status = block_run.status;
    let path = log_path(&state, &block_run).await;
    let mut logs: Option<broadcast::Receiver<LogEvent>> = None;
    while !status.is_finished() {
        let Some(receiver) = logs.as_mut() else {
            // Read the file without holding the bus, subscribe, then read what was written meanwhile: from then on
            // the bus has every line the file does not.
            if !catch_up(path.as_deref(), &mut cursor, false, &sender).await {
                return;
            }
            logs = Some(state.logs.subscribe());
            if !catch_up(path.as_deref(), &mut cursor, false, &sender).await {
                return;
            }
            continue;
        };
        let mut behind = false;
        let mut waiting = None;
        tokio::select! {
            event = receiver.recv() => match event {
                Ok(event) if event.run_id == run_id && event.block_uuid == block => {
                    match send_event(&event, &mut cursor, &sender) {
                        Sent::Yes => {}
                        Sent::Behind => behind = true,
                        Sent::Full(item) => waiting = Some((item, event.line.len() as u64 + 1)),
                        Sent::Gone => return,
                    }
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => behind = true,
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
            () = sender.closed() => return,
        }
        if let Some((item, size)) = waiting {
            // The client reads slower than the block prints: let go of the bus while waiting for it.
            logs = None;
            if sender.send(item).await.is_err() {
                return;
            }
            cursor.offset += size;
            cursor.index += 1;
        }
        if behind {
            logs = None;
        }
    }
    drop(logs);
    // The lines and the status travel on different channels: read the rest of the file before ending. A log
    // written on another machine is in the shared store only now that its block has ended.
    let latest = current(&state, run_id, &block)
        .await
        .ok()
        .flatten()
        .unwrap_or(block_run);
    let path = log_path(&state, &latest).await;
    if catch_up(path.as_deref(), &mut cursor, true, &sender).await {
        let end = serde_json::json!({"status": status.as_str()});
        let _ = sender
            .send(Ok(Event::default().event("end").data(end.to_string())))
            .await;
    }
}

enum Sent {
    Yes,
    /// The event is past a line the follower has not sent: the file has it.
    Behind,
    /// The client's queue is full: here is the event to wait with.
    Full(Result<Event, Infallible>),
    Gone,
}

/// Sends a line from the bus if it is the next one (one already sent from the file is skipped).
fn send_event(event: &LogEvent, cursor: &mut Cursor, sender: &Follower) -> Sent {
    if event.index < cursor.index {
        return Sent::Yes;
    }
    if event.index > cursor.index {
        return Sent::Behind;
    }
    match sender.try_send(Ok(sender.line_event(event.index, &event.line))) {
        Ok(()) => {
            cursor.offset += event.line.len() as u64 + 1;
            cursor.index += 1;
            Sent::Yes
        }
        Err(TrySendError::Full(item)) => Sent::Full(item),
        Err(TrySendError::Closed(_)) => Sent::Gone,
    }
}

/// Sends the file's whole lines from `cursor` on (with `last`, an unfinished last line too: the log is complete);
/// false when the client has gone.
async fn catch_up(
    path: Option<&FilePath>,
    cursor: &mut Cursor,
    last: bool,
    sender: &Follower,
) -> bool {
    let Some(path) = path else { return true };
    let mut reader = match LogReader::open(path, cursor.offset).await {
        Ok(Some(reader)) => reader,
        Ok(None) => return true,
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "cannot read a block log");
            return true;
        }
    };
    loop {
        match reader.next_line(last).await {
            Ok(Some(line)) => {
                if sender
                    .send(Ok(sender.line_event(cursor.index, &line)))
                    .await
                    .is_err()
                {
                    return false;
                }
                cursor.offset = reader.offset;
                cursor.index += 1;
            }
            Ok(None) => return true,
            Err(error) => {
                tracing::warn!(%error, path = %path.display(), "cannot read a block log");
                return true;
            }
        }
    }
}

/// Reads up to `limit` lines (and about `MAX_PAGE_BYTES`) from byte `cursor`: the lines, the offset after them and
/// whether more lines follow. `complete` says the log will not grow, so an unfinished last line counts.
pub(super) async fn read_page(
    path: Option<&FilePath>,
    cursor: u64,
    limit: usize,
    complete: bool,
) -> Result<(Vec<LogLineDto>, u64, bool), ApiError> {
    let not_a_line = || {
        ApiError::invalid(format!(
            "cursor {cursor} is not the start of a line of this log"
        ))
    };
    let opened = match path {
        Some(path) => LogReader::open(path, cursor).await,
        None => Ok(None),
    };
    let mut reader = match opened {
        Ok(Some(reader)) => reader,
        Ok(None) if cursor == 0 => return Ok((Vec::new(), 0, false)),
        Ok(None) => return Err(not_a_line()),
        Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => return Err(not_a_line()),
        Err(error) => {
            tracing::warn!(%error, "cannot read a block log");
            return Ok((Vec::new(), cursor, false));
        }
    };
    let mut lines = Vec::new();
    let mut next_cursor = cursor;
    while lines.len() < limit && next_cursor - cursor < MAX_PAGE_BYTES {
        match reader.next_line(complete).await {
            Ok(Some(line)) => {
                lines.push(LogLineDto::parse(&line));
                next_cursor = reader.offset;
            }
            Ok(None) => return Ok((lines, next_cursor, false)),
            Err(error) => {
                tracing::warn!(%error, "cannot read a block log");
                return Ok((lines, next_cursor, false));
            }
        }
    }
    let more = matches!(reader.next_line(complete).await, Ok(Some(_)));
    Ok((lines, next_cursor, more))
}

/// A log file read forward from a byte offset, one line at a time, holding one line at most.
struct LogReader {
    reader: BufReader<tokio::fs::File>,
    /// Where the next line starts.
    offset: u64,
    buffer: Vec<u8>,
}

impl LogReader {
    /// The log at `path` from `offset`, which must be 0 or just after a newline (else an `InvalidInput` error);
    /// `None` when there is no log (yet).
    async fn open(path: &FilePath, offset: u64) -> std::io::Result<Option<LogReader>> {
        let mut file = match tokio::fs::File::open(path).await {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        if offset > 0 {
            file.seek(SeekFrom::Start(offset - 1)).await?;
            let mut before = [0];
            if file.read(&mut before).await? != 1 || before[0] != b'\n' {
                return Err(std::io::ErrorKind::InvalidInput.into());
            }
        }
        Ok(Some(LogReader {
            reader: BufReader::with_capacity(1 << 16, file),
            offset,
            buffer: Vec::new(),
        }))
    }

    /// The next whole line, or `None` at the end of the file. A line still being written is left for later,
    /// unless `last` says the log is complete.
    async fn next_line(&mut self, last: bool) -> std::io::Result<Option<String>> {
        let (size, whole) =
            read_bounded_line(&mut self.reader, &mut self.buffer, MAX_STORED_LINE_BYTES).await?;
        if !whole && (size == 0 || !last) {
            return Ok(None);
        }
        self.offset += size + u64::from(whole);
        let mut line = String::from_utf8_lossy(&self.buffer).into_owned();
        if size > self.buffer.len() as u64 {
            // Told in bytes of text, as the runtime tells the lines it cuts.
            let prefix = (line.len() - runtime::parse_log_line(&line).2.len()) as u64;
            let kept = self.buffer.len() as u64 - prefix;
            let size = size - prefix;
            line.push_str(&format!(
                " … [line truncated: {size} bytes, kept first {kept}]"
            ));
        }
        if self.buffer.capacity() > 2 * MAX_STORED_LINE_BYTES {
            self.buffer = Vec::new();
        }
        Ok(Some(line))
    }
}

/// Reads up to the next newline, keeping the first `max` bytes in `line` and reading past the rest: the line's
/// whole length and whether a newline ended it (rather than the end of the file).
async fn read_bounded_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<(u64, bool)> {
    line.clear();
    let mut size = 0;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok((size, false));
        }
        let newline = available.iter().position(|byte| *byte == b'\n');
        let part = &available[..newline.unwrap_or(available.len())];
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&part[..part.len().min(room)]);
        size += part.len() as u64;
        let used = newline.map_or(available.len(), |at| at + 1);
        reader.consume(used);
        if newline.is_some() {
            return Ok((size, true));
        }
    }
}

async fn current(state: &AppState, run_id: i64, block: &str) -> Result<Option<BlockRun>, ApiError> {
    // One row, however many instances of dynamic children the run has.
    Ok(state
        .store
        .block_runs_for(run_id, &[block.to_owned()], &[])
        .await?
        .into_iter()
        .find(|b| b.block_uuid == block))
}

async fn block_run(state: &AppState, run_id: i64, block: &str) -> Result<BlockRun, ApiError> {
    current(state, run_id, block)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {run_id} has no block `{block}`")))
}

/// Where a block run's log is. Its place in the data directory is fixed (`runtime::log_key`; the worker writes there
/// from the start); a log written on another machine is fetched from the shared output store once its block has
/// ended.
async fn log_path(state: &AppState, block_run: &BlockRun) -> Option<PathBuf> {
    let Ok(Some(run)) = state.store.run(block_run.pipeline_run_id).await else {
        return None;
    };
    let key = runtime::log_key(&run.pipeline_uuid, run.id, &block_run.block_uuid);
    if block_run.status.is_finished() {
        match state.outputs.fetch_key(&key).await {
            Ok(path) => return Some(path),
            Err(error) => tracing::debug!(%error, "no log of this block run in the shared store"),
        }
    }
    Some(state.data_dir.join(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `lines` as a log and reads it back in pages of `limit` lines: each page's lines, `more`, and the last
    /// cursor.
    async fn pages(text: &str, limit: usize, complete: bool) -> (Vec<(Vec<String>, bool)>, u64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("block.log");
        std::fs::write(&path, text).unwrap();
        let mut cursor = 0;
        let mut pages = Vec::new();
        loop {
            let (lines, next, more) = read_page(Some(&path), cursor, limit, complete)
                .await
                .unwrap_or_else(|_| panic!("cursor {cursor}"));
            pages.push((lines.into_iter().map(|l| l.text).collect(), more));
            cursor = next;
            if !more {
                return (pages, cursor);
            }
        }
    }

    fn stored(texts: &[&str]) -> String {
        texts
            .iter()
            .map(|text| format!("2026-12-02T09:00:00.000Z stdout {text}\n"))
            .collect()
    }

    #[tokio::test]
    async fn pages_together_are_the_whole_log() {
        let text = stored(&["a", "b", "c", "d", "e"]);
        let expected = |pages: &[&[&str]]| -> Vec<(Vec<String>, bool)> {
            let last = pages.len() - 1;
            pages
                .iter()
                .enumerate()
                .map(|(i, page)| (page.iter().map(|t| t.to_string()).collect(), i < last))
                .collect()
        };
        assert_eq!(
            pages(&text, 2, true).await,
            (
                expected(&[&["a", "b"], &["c", "d"], &["e"]]),
                text.len() as u64
            )
        );
        assert_eq!(
            pages(&text, 5, true).await,
            (expected(&[&["a", "b", "c", "d", "e"]]), text.len() as u64)
        );
        let empty: &[&str] = &[];
        assert_eq!(pages("", 5, true).await, (expected(&[empty]), 0));
    }

    #[tokio::test]
    async fn a_line_still_being_written_waits_until_the_log_is_complete() {
        let text = format!("{}2026-12-02T09:00:00.000Z stdout half", stored(&["a"]));
        let whole = stored(&["a"]).len() as u64;
        assert_eq!(pages(&text, 10, false).await.1, whole);
        assert_eq!(pages(&text, 10, true).await.1, text.len() as u64);
    }

    #[tokio::test]
    async fn a_cursor_inside_a_line_or_past_the_end_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("block.log");
        std::fs::write(&path, stored(&["abc"])).unwrap();
        for cursor in [3, 1000] {
            assert!(read_page(Some(&path), cursor, 10, true).await.is_err());
        }
    }

    #[tokio::test]
    async fn a_page_holds_about_a_mebibyte_and_an_overlong_stored_line_is_cut() {
        let long = "x".repeat(runtime::MAX_LOG_LINE_BYTES);
        let huge = "y".repeat(5 << 20);
        let mut texts: Vec<&str> = vec![&long; 40];
        texts.push(&huge);
        let (pages, _) = pages(&stored(&texts), 10_000, true).await;
        let sizes: Vec<usize> = pages.iter().map(|(lines, _)| lines.len()).collect();
        assert_eq!(sizes, [16, 16, 9]);
        let cut = pages[2].0.last().unwrap();
        assert!(cut.len() < MAX_STORED_LINE_BYTES + 100);
        assert!(cut.ends_with(&format!(
            " … [line truncated: {} bytes, kept first {}]",
            5 << 20,
            MAX_STORED_LINE_BYTES - 32
        )));
    }

    #[tokio::test]
    async fn a_follower_that_fell_behind_reads_only_the_rest_of_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("block.log");
        let first = stored(&["a", "b"]);
        std::fs::write(&path, format!("{first}{}", stored(&["c", "d"]))).unwrap();
        let (sender, mut receiver) = mpsc::channel(16);
        let mut cursor = Cursor {
            offset: first.len() as u64,
            index: 2,
        };
        let follower = Follower {
            sender,
            mask: model::Mask::default(),
        };
        assert!(catch_up(Some(&path), &mut cursor, false, &follower).await);
        drop(follower);
        let mut sent = 0;
        while receiver.recv().await.is_some() {
            sent += 1;
        }
        assert_eq!(sent, 2);
        let size = std::fs::metadata(&path).unwrap().len();
        assert_eq!(
            cursor,
            Cursor {
                offset: size,
                index: 4
            }
        );
    }
}
