//! Where a block's output lines go: the runtime writes to a `LogSink`, callers decide where lines end up.

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
