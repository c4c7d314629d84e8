//! A block's log sink that writes the log file and announces each line for live streams.

use std::sync::atomic::{AtomicU64, Ordering};

use model::LogEvent;
use runtime::{FileSink, LogLine, LogSink, render_log_line};
use tokio::sync::broadcast;

pub(crate) struct LogTee {
    pub(crate) file: FileSink,
    run_id: i64,
    block_uuid: String,
    /// The index the next line gets in the file.
    next: AtomicU64,
    logs: broadcast::Sender<LogEvent>,
}

impl LogTee {
    /// Appends to the file at `file`'s path, numbering lines after those already there (an earlier attempt's).
    pub(crate) fn new(
        file: FileSink,
        run_id: i64,
        block_uuid: String,
        logs: broadcast::Sender<LogEvent>,
    ) -> LogTee {
        let existing = std::fs::read(file.path())
            .map(|bytes| bytes.iter().filter(|byte| **byte == b'\n').count() as u64)
            .unwrap_or(0);
        LogTee {
            file,
            run_id,
            block_uuid,
            next: AtomicU64::new(existing),
            logs,
        }
    }
}

impl LogSink for LogTee {
    fn line(&self, line: LogLine) {
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
