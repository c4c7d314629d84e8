//! A block's log sink that writes the log file and announces each line for live streams, with the secret values the
//! block could have read hidden (`model::Mask`) before a line goes anywhere.

use std::sync::atomic::{AtomicU64, Ordering};

use model::{LogEvent, SharedMask};
use runtime::{FileSink, LogLine, LogSink, render_log_line};
use tokio::sync::broadcast;

pub(crate) struct LogTee {
    pub(crate) file: FileSink,
    run_id: i64,
    block_uuid: String,
    /// The index the next line gets in the file.
    next: AtomicU64,
    logs: broadcast::Sender<LogEvent>,
    /// The secret values to hide: the project's, and any the block reads while it runs (see `calls`).
    pub(crate) mask: SharedMask,
}

impl LogTee {
    /// Appends to the file at `file`'s path, numbering lines after those already there (an earlier attempt's).
    pub(crate) fn new(
        file: FileSink,
        run_id: i64,
        block_uuid: String,
        logs: broadcast::Sender<LogEvent>,
        mask: SharedMask,
    ) -> LogTee {
        let existing = count_lines(file.path()).unwrap_or(0);
        LogTee {
            file,
            run_id,
            block_uuid,
            next: AtomicU64::new(existing),
            logs,
            mask,
        }
    }
}

/// The lines of the file at `path`, read in small pieces (an earlier attempt's log may be large).
fn count_lines(path: &std::path::Path) -> std::io::Result<u64> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; 1 << 16];
    let mut lines = 0;
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(lines),
            Ok(read) => {
                lines += buffer[..read].iter().filter(|byte| **byte == b'\n').count() as u64
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

impl LogSink for LogTee {
    fn line(&self, mut line: LogLine) {
        line.text = self.mask.get().apply_owned(line.text);
        let rendered = render_log_line(&line);
        self.file.line(line);
        let index = self.next.fetch_add(1, Ordering::SeqCst);
        // Nobody streaming is fine.
        let _ = self.logs.send(LogEvent {
            run_id: self.run_id,
            block_uuid: self.block_uuid.clone(),
            index,
            line: rendered,
        });
    }
}
