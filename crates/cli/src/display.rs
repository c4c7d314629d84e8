//! What `wand run` shows while it works: a live line per block on a terminal, plain lines otherwise.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use model::BlockRunStatus;

/// Per-block progress on stderr. The instances of a dynamic child (`child:a`, ...) are counted on their block's line
/// on a terminal, and only their end is printed otherwise: a fan-out of 1,000 is 1,000 lines, not 3,000 or a flood
/// across the progress bars.
pub(crate) struct Display {
    bars: Option<(MultiProgress, HashMap<String, ProgressBar>)>,
    blocks: Vec<String>,
    /// Per dynamic child: how many instances it has, and how many ended (completed, and otherwise).
    fan_outs: std::sync::Mutex<HashMap<String, FanOut>>,
    /// Per block run: the last status shown. The scheduler publishes `queued` after its write commits, so on a
    /// loaded machine a worker may claim, run and finish the block before that notice arrives: a late `queued`
    /// or `running` after an end is stale, and is not shown over the end.
    shown: std::sync::Mutex<HashMap<String, BlockRunStatus>>,
}

#[derive(Default)]
struct FanOut {
    total: usize,
    completed: usize,
    other: usize,
}

impl Display {
    pub(crate) fn new(blocks: &[String]) -> Display {
        let fan_outs = std::sync::Mutex::new(HashMap::new());
        if !std::io::stderr().is_terminal() {
            return Display {
                bars: None,
                blocks: blocks.to_vec(),
                fan_outs,
                shown: Default::default(),
            };
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
            blocks: blocks.to_vec(),
            fan_outs,
            shown: Default::default(),
        }
    }

    /// The dynamic child `name` is an instance of (`child` for `child:a`), if it is one.
    fn origin<'a>(&self, name: &'a str) -> Option<&'a str> {
        if self.blocks.iter().any(|block| block == name) {
            return None;
        }
        let (origin, _) = name.split_once(':')?;
        self.blocks
            .iter()
            .any(|block| block == origin)
            .then_some(origin)
    }

    pub(crate) fn status(&self, block: &str, status: BlockRunStatus, detail: &str) {
        {
            let mut shown = self.shown.lock().expect("shown statuses");
            let last = shown.entry(block.to_owned()).or_insert(status);
            if last.is_finished() && !status.is_finished() {
                return;
            }
            *last = status;
        }
        // A dynamic child's expansion says how many instances it has ("<n> dynamic children").
        if let Some(total) = detail
            .strip_suffix(" dynamic children")
            .and_then(|count| count.parse().ok())
        {
            let mut fan_outs = self.fan_outs.lock().expect("fan-out counts");
            fan_outs.entry(block.to_owned()).or_default().total = total;
            if let Some(bar) = self.bars.as_ref().and_then(|(_, bars)| bars.get(block))
                && total > 0
            {
                bar.set_message(format!("0 of {total} children done"));
                bar.enable_steady_tick(Duration::from_millis(100));
                return;
            }
        }
        if let Some(origin) = self.origin(block) {
            if !status.is_finished() {
                return;
            }
            let line = self.bars.as_ref().and_then(|(_, bars)| bars.get(origin));
            if let Some(bar) = line {
                let mut fan_outs = self.fan_outs.lock().expect("fan-out counts");
                let counts = fan_outs.entry(origin.to_owned()).or_default();
                if status == BlockRunStatus::Completed {
                    counts.completed += 1;
                } else {
                    counts.other += 1;
                }
                let done = counts.completed + counts.other;
                let text = format!(
                    "{done} of {} children done ({} completed, {} did not)",
                    counts.total, counts.completed, counts.other
                );
                if done >= counts.total {
                    let mark = if counts.other == 0 { "✓" } else { "✗" };
                    bar.finish_with_message(format!("{mark} {text}"));
                } else {
                    bar.set_message(text);
                }
                if status != BlockRunStatus::Completed
                    && let Some((multi, _)) = &self.bars
                {
                    let _ = multi.println(format!("✗ {block}: {} {detail}", status.as_str()));
                }
                return;
            }
        }
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

    /// Shows the end of each of `block_runs` that ended without the display hearing of it.
    pub(crate) fn catch_up(&self, block_runs: &[storage::BlockRun]) {
        for block_run in block_runs {
            let shown = self
                .shown
                .lock()
                .expect("shown statuses")
                .get(&block_run.block_uuid)
                .copied();
            if block_run.status.is_finished() && !shown.is_some_and(BlockRunStatus::is_finished) {
                self.status(&block_run.block_uuid, block_run.status, "");
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `queued` notice published before the worker's `completed` but delivered after it does not replace it.
    #[test]
    fn a_late_notice_does_not_replace_a_blocks_end() {
        let display = Display {
            bars: None,
            blocks: vec!["load".to_owned()],
            fan_outs: Default::default(),
            shown: Default::default(),
        };
        let shown = |display: &Display| display.shown.lock().unwrap().get("load").copied();
        display.status("load", BlockRunStatus::Running, "");
        assert_eq!(shown(&display), Some(BlockRunStatus::Running));
        display.status("load", BlockRunStatus::Completed, "");
        display.status("load", BlockRunStatus::Queued, "");
        assert_eq!(shown(&display), Some(BlockRunStatus::Completed));
        display.status("load", BlockRunStatus::Failed, "boom");
        assert_eq!(shown(&display), Some(BlockRunStatus::Failed));
    }
}
