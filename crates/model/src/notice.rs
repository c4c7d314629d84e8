//! Notices of status changes, published by the roles that make them (scheduler, workers) for whoever watches:
//! the scheduler wakes on them, displays and live streams show them.

use crate::{BlockRunStatus, RunStatus};

/// One status change of a run or of one of its block runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Run {
        run_id: i64,
        status: RunStatus,
    },
    BlockRun {
        run_id: i64,
        block_uuid: String,
        status: BlockRunStatus,
        /// A short human note: the error of a failure, the attempt of a retry, the duration of a completion.
        detail: String,
    },
    /// The scheduler asks the worker running this block run to stop it.
    CancelRequested {
        run_id: i64,
        block_uuid: String,
    },
}

impl Notice {
    pub fn run_id(&self) -> i64 {
        match self {
            Notice::Run { run_id, .. }
            | Notice::BlockRun { run_id, .. }
            | Notice::CancelRequested { run_id, .. } => *run_id,
        }
    }
}

/// One line a block printed, as its worker stored it (see `runtime::render_log_line`), for live streams.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    pub run_id: i64,
    pub block_uuid: String,
    /// The line's position in the block's log file, counting from 0.
    pub index: u64,
    pub line: String,
}
