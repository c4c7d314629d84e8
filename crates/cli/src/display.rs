//! What `wand run` shows while it works: a live line per block on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use model::BlockRunStatus;

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
            BlockRunStatus::ConditionFailed => "–",
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
