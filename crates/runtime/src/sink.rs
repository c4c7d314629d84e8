//! Where a block's output lines go: the runtime writes to a `LogSink`, callers decide where lines end up.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line a block printed, stamped when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub time: DateTime<Utc>,
    pub stream: Stream,
    pub text: String,
}

pub trait LogSink: Send + Sync {
    fn line(&self, line: LogLine);
}

/// Keeps lines in memory: for tests and for short runs whose output is returned whole.
#[derive(Debug, Default)]
pub struct VecSink {
    lines: Mutex<Vec<LogLine>>,
}

impl VecSink {
    pub fn lines(&self) -> Vec<LogLine> {
        self.lines.lock().expect("log lines lock").clone()
    }
}

impl LogSink for VecSink {
    fn line(&self, line: LogLine) {
        self.lines.lock().expect("log lines lock").push(line);
    }
}

/// Writes a block's output lines, stamped, to its log file, and keeps the last lines to show on failure.
pub struct FileSink {
    path: PathBuf,
    file: Mutex<File>,
    tail: Mutex<VecDeque<String>>,
}

const TAIL_LINES: usize = 60;

impl FileSink {
    pub fn create(path: &Path) -> std::io::Result<FileSink> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(FileSink {
            path: path.to_owned(),
            file: Mutex::new(File::options().create(true).append(true).open(path)?),
            tail: Mutex::new(VecDeque::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last lines the block printed.
    pub fn tail(&self) -> Vec<String> {
        self.tail
            .lock()
            .expect("tail lock")
            .iter()
            .cloned()
            .collect()
    }
}

impl LogSink for FileSink {
    fn line(&self, line: LogLine) {
        let stream = match line.stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let stamped = format!(
            "{} {stream} {}\n",
            line.time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            line.text
        );
        if let Err(error) = self
            .file
            .lock()
            .expect("log lock")
            .write_all(stamped.as_bytes())
        {
            tracing::warn!(%error, path = %self.path.display(), "cannot write block log");
        }
        let mut tail = self.tail.lock().expect("tail lock");
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line.text);
    }
}
