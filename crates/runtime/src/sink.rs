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

/// Writes a block's output lines to its log file, one stamped line each (see `render_log_line`). The file is made
/// by the first line: a block that prints nothing leaves none (an empty log), which spares a silent block an inode
/// creation (0.05–0.6 ms on the benchmark VM's ext4; bench/RESULTS.md, "Issue 17, fourth session").
pub struct FileSink {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl FileSink {
    /// A log at `path`, appended to (a retry adds to the same file) once there is a line. Its folder is made now, so
    /// a data folder that cannot hold it stops the block before it runs.
    pub fn create(path: &Path) -> std::io::Result<FileSink> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(FileSink {
            path: path.to_owned(),
            file: Mutex::new(None),
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
        let mut file = self.file.lock().expect("log lock");
        if file.is_none() {
            match File::options().create(true).append(true).open(&self.path) {
                Ok(opened) => *file = Some(opened),
                Err(error) => {
                    tracing::warn!(%error, path = %self.path.display(), "cannot open block log");
                    return;
                }
            }
        }
        if let Some(Err(error)) = file.as_mut().map(|file| file.write_all(stamped.as_bytes())) {
            tracing::warn!(%error, path = %self.path.display(), "cannot write block log");
        }
    }
}

/// The longest text of a log line, in bytes: the Python supervisor keeps the first 64 KiB of a longer line and ends it
/// with a marker (` … [line truncated: 150000000 bytes, kept first 65536]`), and `cap_log_text` holds any other
/// source of lines to the same bound.
pub const MAX_LOG_LINE_BYTES: usize = 64 * 1024;

/// Room left for the truncation marker the Python supervisor appends to a line it cut.
const MARKER_ROOM: usize = 256;

/// `text` as stored: a text longer than `MAX_LOG_LINE_BYTES` (plus room for a marker the supervisor already wrote)
/// keeps its first `MAX_LOG_LINE_BYTES` at most, cut at a character boundary, and ends with the truncation marker.
pub fn cap_log_text(mut text: String) -> String {
    if text.len() <= MAX_LOG_LINE_BYTES + MARKER_ROOM {
        return text;
    }
    let size = text.len();
    let mut cut = MAX_LOG_LINE_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(&format!(
        " … [line truncated: {size} bytes, kept first {cut}]"
    ));
    text.shrink_to_fit();
    text
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &str) {
        assert_eq!(cap_log_text(text.to_owned()), expected);
    }

    fn line(text: &str) -> LogLine {
        LogLine {
            time: Utc::now(),
            stream: Stream::Stdout,
            text: text.to_owned(),
        }
    }

    #[test]
    fn a_log_file_is_made_by_its_first_line_and_a_retry_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/block.log");
        let silent = FileSink::create(&path).unwrap();
        assert!(
            path.parent().unwrap().is_dir(),
            "its folder is made at once"
        );
        drop(silent);
        assert!(
            !path.exists(),
            "a block that printed nothing leaves no file"
        );
        FileSink::create(&path).unwrap().line(line("first attempt"));
        FileSink::create(&path)
            .unwrap()
            .line(line("second attempt"));
        let text = std::fs::read_to_string(&path).unwrap();
        let texts: Vec<&str> = text.lines().map(|l| parse_log_line(l).2).collect();
        assert_eq!(texts, ["first attempt", "second attempt"]);
    }

    #[test]
    fn long_texts_are_cut_at_a_character_boundary_with_a_marker() {
        let short = "x".repeat(MAX_LOG_LINE_BYTES);
        check(&short, &short);
        let already_cut = format!("{short} … [line truncated: 150000000 bytes, kept first 65536]");
        check(&already_cut, &already_cut);
        let long = "x".repeat(1 << 20);
        check(
            &long,
            &format!("{short} … [line truncated: 1048576 bytes, kept first 65536]"),
        );
        // "é" takes two bytes: with one byte of "a" in front, the 65,536th byte is the first half of an "é".
        let wide = format!("a{}", "é".repeat(40_000));
        check(
            &wide,
            &format!(
                "a{} … [line truncated: 80001 bytes, kept first 65535]",
                "é".repeat(32_767)
            ),
        );
    }
}
