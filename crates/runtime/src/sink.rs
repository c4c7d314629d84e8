//! Where a block's output lines go: the runtime writes to a `LogSink`, callers decide where lines end up.

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

/// Writes a block's output lines to its log file, one stamped line each (see `render_log_line`).
pub struct FileSink {
    path: PathBuf,
    file: Mutex<File>,
}

impl FileSink {
    /// Opens the log for appending (a retry adds to the same file).
    pub fn create(path: &Path) -> std::io::Result<FileSink> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(FileSink {
            path: path.to_owned(),
            file: Mutex::new(File::options().create(true).append(true).open(path)?),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl LogSink for FileSink {
    fn line(&self, line: LogLine) {
        let mut stamped = render_log_line(&line);
        stamped.push('\n');
        if let Err(error) = self
            .file
            .lock()
            .expect("log lock")
            .write_all(stamped.as_bytes())
        {
            tracing::warn!(%error, path = %self.path.display(), "cannot write block log");
        }
    }
}

/// A log line as stored: `<RFC 3339 time> <stdout|stderr> <text>`.
pub fn render_log_line(line: &LogLine) -> String {
    let stream = match line.stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    };
    format!(
        "{} {stream} {}",
        line.time.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        line.text
    )
}

/// The time, stream and text of a stored log line (the inverse of `render_log_line`).
pub fn parse_log_line(stored: &str) -> (&str, &str, &str) {
    let mut parts = stored.splitn(3, ' ');
    let time = parts.next().unwrap_or_default();
    let stream = parts.next().unwrap_or_default();
    let text = parts.next().unwrap_or_default();
    (time, stream, text)
}
