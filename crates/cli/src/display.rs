//! What `wand run` shows while it works: a live line per block on a terminal, plain lines otherwise;
//! and the block log files that capture each block's output.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use model::BlockRunStatus;
use runtime::{LogLine, LogSink, Stream};

/// Per-block progress on stderr.
pub(crate) struct Display {
    bars: Option<(MultiProgress, HashMap<String, ProgressBar>)>,
}

impl Display {
    pub(crate) fn new(blocks: &[String]) -> Display {
        if !std::io::stderr().is_terminal() {
            return Display { bars: None };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let width = blocks.iter().map(String::len).max().unwrap_or(10);
        let style =
            ProgressStyle::with_template(&format!("{{spinner}} {{prefix:{width}}}  {{msg}}"))
                .expect("valid template")
                .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏·");
        let bars = blocks
            .iter()
            .map(|block| {
                let bar = multi.add(ProgressBar::new_spinner().with_style(style.clone()));
                bar.set_prefix(block.clone());
                bar.set_message("waiting");
                (block.clone(), bar)
            })
            .collect();
        Display {
            bars: Some((multi, bars)),
        }
    }

    pub(crate) fn status(&self, block: &str, status: BlockRunStatus, detail: &str) {
        let mark = match status {
            BlockRunStatus::Completed => "✓",
            BlockRunStatus::Failed | BlockRunStatus::UpstreamFailed | BlockRunStatus::Cancelled => {
                "✗"
            }
            _ => "•",
        };
        let text = if detail.is_empty() {
            status.as_str().to_owned()
        } else {
            format!("{} {detail}", status.as_str())
        };
        match self.bars.as_ref().and_then(|(_, bars)| bars.get(block)) {
            Some(bar) if status.is_finished() => bar.finish_with_message(format!("{mark} {text}")),
            Some(bar) => {
                bar.set_message(text);
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            None => eprintln!("{mark} {block}: {text}"),
        }
    }

    pub(crate) fn clear(&self) {
        if let Some((multi, bars)) = &self.bars {
            for bar in bars.values() {
                if !bar.is_finished() {
                    bar.finish();
                }
            }
            let _ = multi.clear();
        }
    }
}

/// Writes a block's output lines, stamped, to its log file, and keeps the last lines to show on failure.
pub(crate) struct BlockLog {
    path: PathBuf,
    file: Mutex<File>,
    tail: Mutex<VecDeque<String>>,
}

const TAIL_LINES: usize = 60;

impl BlockLog {
    pub(crate) fn create(path: &Path) -> std::io::Result<BlockLog> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(BlockLog {
            path: path.to_owned(),
            file: Mutex::new(File::options().create(true).append(true).open(path)?),
            tail: Mutex::new(VecDeque::new()),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The last lines the block printed.
    pub(crate) fn tail(&self) -> Vec<String> {
        self.tail
            .lock()
            .expect("tail lock")
            .iter()
            .cloned()
            .collect()
    }
}

impl LogSink for BlockLog {
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
