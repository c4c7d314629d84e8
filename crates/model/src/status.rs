//! Run and block-run statuses (Mage's names) and the one state machine every status change goes through.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{InvalidTransition, UnknownStatus};

/// The status of a pipeline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Initial,
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// What happens to a pipeline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEvent {
    Start,
    Complete,
    Fail,
    Cancel,
    /// Some of its block runs go back to `initial` to run again.
    Retry,
}

/// The status of one block within a pipeline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockRunStatus {
    Initial,
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    UpstreamFailed,
    ConditionFailed,
}

/// What happens to a block run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockRunEvent {
    /// All its parents completed: it may be claimed.
    Enqueue,
    /// A worker claimed it and started its process.
    Start,
    Complete,
    Fail,
    /// Its attempt ended (failed attempt with retries left, or a lost worker): it waits in the queue again.
    Requeue,
    /// A sensor's check did not hold: it waits in the queue for its next check, and the check was no attempt.
    Wait,
    Cancel,
    /// A parent failed, so it will not run.
    UpstreamFail,
    /// A conditional attached to it returned false (it was running), or a parent's did (it had not started).
    ConditionFail,
    /// The user asked to run it again.
    Retry,
    /// A dynamic child's parents are done: its instances (child block runs) were created in its place.
    Expand,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Initial,
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Initial => "initial",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(name: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
        )
    }

    /// The status after `event`, or why the event is not allowed now.
    pub fn apply(self, event: RunEvent) -> Result<RunStatus, InvalidTransition> {
        use RunStatus::*;
        let next = match (self, event) {
            (Initial, RunEvent::Start) => Running,
            (Running, RunEvent::Complete) => Completed,
            (Initial | Running, RunEvent::Fail) => Failed,
            (Initial | Running, RunEvent::Cancel) => Cancelled,
            (Completed | Failed | Cancelled, RunEvent::Retry) => Running,
            _ => {
                return Err(InvalidTransition {
                    kind: "pipeline run",
                    status: self.as_str(),
                    event: event.as_str(),
                });
            }
        };
        Ok(next)
    }
}

impl RunEvent {
    fn as_str(self) -> &'static str {
        match self {
            RunEvent::Start => "start",
            RunEvent::Complete => "complete",
            RunEvent::Fail => "fail",
            RunEvent::Cancel => "cancel",
            RunEvent::Retry => "retry",
        }
    }
}

impl BlockRunStatus {
    pub const ALL: [BlockRunStatus; 8] = [
        BlockRunStatus::Initial,
        BlockRunStatus::Queued,
        BlockRunStatus::Running,
        BlockRunStatus::Completed,
        BlockRunStatus::Failed,
        BlockRunStatus::Cancelled,
        BlockRunStatus::UpstreamFailed,
        BlockRunStatus::ConditionFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BlockRunStatus::Initial => "initial",
            BlockRunStatus::Queued => "queued",
            BlockRunStatus::Running => "running",
            BlockRunStatus::Completed => "completed",
            BlockRunStatus::Failed => "failed",
            BlockRunStatus::Cancelled => "cancelled",
            BlockRunStatus::UpstreamFailed => "upstream_failed",
            BlockRunStatus::ConditionFailed => "condition_failed",
        }
    }

    pub fn parse(name: &str) -> Option<BlockRunStatus> {
        BlockRunStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the block run is over (it will not change unless retried).
    pub fn is_finished(self) -> bool {
        !matches!(
            self,
            BlockRunStatus::Initial | BlockRunStatus::Queued | BlockRunStatus::Running
        )
    }

    /// The status after `event`, or why the event is not allowed now.
    pub fn apply(self, event: BlockRunEvent) -> Result<BlockRunStatus, InvalidTransition> {
        if event.sources().contains(&self) {
            Ok(event.target())
        } else {
            Err(self.refusal(event))
        }
    }

    /// Why `event` cannot happen to a block run in this status (a store that found its status changed meanwhile
    /// refuses with it too).
    pub fn refusal(self, event: BlockRunEvent) -> InvalidTransition {
        InvalidTransition {
            kind: "block run",
            status: self.as_str(),
            event: event.as_str(),
        }
    }
}

impl BlockRunEvent {
    /// The statuses the event is allowed from. Each event leads to one status (`target`), so a store can apply it
    /// as one conditional update.
    pub fn sources(self) -> &'static [BlockRunStatus] {
        use BlockRunStatus::*;
        match self {
            BlockRunEvent::Enqueue | BlockRunEvent::Expand => &[Initial],
            BlockRunEvent::Start => &[Queued],
            BlockRunEvent::Complete | BlockRunEvent::Requeue | BlockRunEvent::Wait => &[Running],
            BlockRunEvent::Fail | BlockRunEvent::Cancel => &[Initial, Queued, Running],
            BlockRunEvent::ConditionFail => &[Initial, Running],
            BlockRunEvent::UpstreamFail => &[Initial, Queued],
            BlockRunEvent::Retry => &[
                Completed,
                Failed,
                Cancelled,
                UpstreamFailed,
                ConditionFailed,
            ],
        }
    }

    /// The status the event leads to, from any of its `sources`.
    pub fn target(self) -> BlockRunStatus {
        use BlockRunStatus::*;
        match self {
            BlockRunEvent::Enqueue | BlockRunEvent::Requeue | BlockRunEvent::Wait => Queued,
            BlockRunEvent::Start => Running,
            BlockRunEvent::Complete | BlockRunEvent::Expand => Completed,
            BlockRunEvent::Fail => Failed,
            BlockRunEvent::Cancel => Cancelled,
            BlockRunEvent::UpstreamFail => UpstreamFailed,
            BlockRunEvent::ConditionFail => ConditionFailed,
            BlockRunEvent::Retry => Initial,
        }
    }

    pub const ALL: [BlockRunEvent; 11] = [
        BlockRunEvent::Enqueue,
        BlockRunEvent::Start,
        BlockRunEvent::Complete,
        BlockRunEvent::Fail,
        BlockRunEvent::Requeue,
        BlockRunEvent::Wait,
        BlockRunEvent::Cancel,
        BlockRunEvent::UpstreamFail,
        BlockRunEvent::ConditionFail,
        BlockRunEvent::Retry,
        BlockRunEvent::Expand,
    ];

    fn as_str(self) -> &'static str {
        match self {
            BlockRunEvent::Enqueue => "enqueue",
            BlockRunEvent::Start => "start",
            BlockRunEvent::Complete => "complete",
            BlockRunEvent::Fail => "fail",
            BlockRunEvent::Requeue => "requeue",
            BlockRunEvent::Wait => "wait",
            BlockRunEvent::Cancel => "cancel",
            BlockRunEvent::UpstreamFail => "upstream_fail",
            BlockRunEvent::ConditionFail => "condition_fail",
            BlockRunEvent::Retry => "retry",
            BlockRunEvent::Expand => "expand",
        }
    }
}

impl TryFrom<String> for RunStatus {
    type Error = UnknownStatus;

    fn try_from(name: String) -> Result<RunStatus, UnknownStatus> {
        RunStatus::parse(&name).ok_or(UnknownStatus(name))
    }
}

impl TryFrom<String> for BlockRunStatus {
    type Error = UnknownStatus;

    fn try_from(name: String) -> Result<BlockRunStatus, UnknownStatus> {
        BlockRunStatus::parse(&name).ok_or(UnknownStatus(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the whole block-run transition table: one line per status, `event -> status` or `-`.
    fn block_run_table() -> String {
        let mut out = String::new();
        for status in BlockRunStatus::ALL {
            let cells: Vec<String> = BlockRunEvent::ALL
                .iter()
                .map(|event| match status.apply(*event) {
                    Ok(next) => format!("{}->{}", event.as_str(), next.as_str()),
                    Err(_) => "-".to_owned(),
                })
                .filter(|cell| cell != "-")
                .collect();
            out.push_str(&format!("{}: {}\n", status.as_str(), cells.join(" ")));
        }
        out
    }

    #[test]
    fn block_run_transitions_form_the_documented_table() {
        let expected = "\
initial: enqueue->queued fail->failed cancel->cancelled upstream_fail->upstream_failed condition_fail->condition_failed expand->completed
queued: start->running fail->failed cancel->cancelled upstream_fail->upstream_failed
running: complete->completed fail->failed requeue->queued wait->queued cancel->cancelled condition_fail->condition_failed
completed: retry->initial
failed: retry->initial
cancelled: retry->initial
upstream_failed: retry->initial
condition_failed: retry->initial
";
        assert_eq!(block_run_table(), expected);
    }

    #[test]
    fn run_transitions() {
        let check = |from: RunStatus, event: RunEvent, expected: Option<RunStatus>| {
            assert_eq!(from.apply(event).ok(), expected, "{from:?} + {event:?}");
        };
        check(
            RunStatus::Initial,
            RunEvent::Start,
            Some(RunStatus::Running),
        );
        check(
            RunStatus::Running,
            RunEvent::Complete,
            Some(RunStatus::Completed),
        );
        check(RunStatus::Initial, RunEvent::Complete, None);
        check(RunStatus::Completed, RunEvent::Cancel, None);
        check(RunStatus::Failed, RunEvent::Retry, Some(RunStatus::Running));
        check(
            RunStatus::Running,
            RunEvent::Cancel,
            Some(RunStatus::Cancelled),
        );
    }

    #[test]
    fn invalid_transition_names_status_and_event() {
        let error = BlockRunStatus::Completed
            .apply(BlockRunEvent::Start)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot apply `start` to a block run in status `completed`"
        );
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in BlockRunStatus::ALL {
            assert_eq!(BlockRunStatus::parse(status.as_str()), Some(status));
        }
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
        }
    }

    /// The API sends statuses through serde (and documents them from the same derive), storage through `as_str`:
    /// the names must agree.
    #[test]
    fn serde_names_are_the_stored_names() {
        let name = |value: serde_json::Value| value.as_str().unwrap().to_owned();
        for status in BlockRunStatus::ALL {
            assert_eq!(name(serde_json::to_value(status).unwrap()), status.as_str());
        }
        for status in RunStatus::ALL {
            assert_eq!(name(serde_json::to_value(status).unwrap()), status.as_str());
        }
    }
}
