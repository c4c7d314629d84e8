//! The messages between Wand and the Python supervisor (see `python/wand_runtime/supervisor.py`).

use chrono::{TimeZone, Utc};
use model::{AddonBlock, BlockOutputs, Effects};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{LogLine, Stream};

/// Everything a forked child needs to run one block.
#[derive(Debug, Clone, Serialize)]
pub struct BlockRequest {
    pub repo_path: String,
    pub project_name: String,
    pub data_dir: String,
    /// The root of Mage's multi-project platform the project belongs to (`project::platform_root`), if any: its
    /// parent goes on `sys.path` instead of the project's, and block modules are named from it.
    pub platform_root: Option<String>,
    pub pipeline_uuid: String,
    pub block_uuid: String,
    pub block_type: String,
    /// `python` or `sql`: which runner executes the file.
    pub language: String,
    pub run_id: i64,
    /// The block file, relative to the project.
    pub file: String,
    /// RFC 3339.
    pub execution_date: String,
    pub execution_partition: String,
    pub env: String,
    pub trigger_name: Option<String>,
    /// The interval a time trigger's run covers (Mage's `interval_*` kwargs).
    pub interval: Option<model::RunInterval>,
    /// Merged variables (pipeline < trigger < run).
    pub variables: Map<String, Value>,
    pub configuration: Value,
    /// The stored outputs of each upstream block, in `upstream_blocks` order (`None`: the parent has none).
    pub inputs: Vec<Option<BlockOutputs>>,
    /// The upstream blocks themselves, in the same order: a SQL block names their tables after them.
    pub upstream: Vec<UpstreamBlock>,
    /// How each input becomes the block's argument, in the same order; empty when every input is passed whole.
    pub picks: Vec<Pick>,
    /// An instance of a dynamic child: its index among its block's instances (Mage's `dynamic_block_index`).
    pub dynamic_block_index: Option<usize>,
    /// The folder the block's outputs go to.
    pub output_dir: String,
    pub run_tests: bool,
    /// Seconds.
    pub timeout: Option<f64>,
    /// Seconds until a sensor whose check did not hold is checked again (Mage's 60).
    pub sensor_interval: f64,
    /// The answers to the questions the block asked about other runs (`check_status`), one round per question.
    pub run_statuses: Vec<RunStatusAnswered>,
    /// Mage's conditionals attached to the block: it runs only if each one's `@condition` functions hold.
    pub conditionals: Vec<AddonBlock>,
    /// Mage's callbacks attached to the block, run after it in its process.
    pub callbacks: Vec<AddonBlock>,
    /// This attempt (1 for the first) and the retries the block has: failure callbacks run after the last
    /// attempt only, as in Mage, whose retries happen before its callbacks.
    pub attempt: i64,
    pub retries: u32,
    /// What to run: the block, or only the `cancelled` callbacks of a block run cancelled in a cancelled run.
    pub mode: RequestMode,
    /// The Python files of the blocks right downstream (at most [`AHEAD_FILES`]): the fork server compiles them
    /// before it forks its next spare child, which most likely runs one of them.
    pub ahead: Vec<String>,
    /// For the source block of a streaming pipeline: the whole tree, run in this one process
    /// (`wand_runtime/streaming/engine.py`) until it is stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streaming: Option<StreamingTree>,
}

/// At most this many downstream files travel in a request's `ahead`.
pub const AHEAD_FILES: usize = 16;

/// A streaming pipeline's blocks (source, transformers, sinks) and where its process keeps its counters.
#[derive(Debug, Clone, Serialize)]
pub struct StreamingTree {
    pub blocks: Vec<StreamingBlock>,
    /// The JSON file the engine replaces about every second with its counters (`stream_counters_path`).
    pub counters_path: String,
}

/// One block of a [`StreamingTree`].
#[derive(Debug, Clone, Serialize)]
pub struct StreamingBlock {
    pub uuid: String,
    pub block_type: String,
    pub language: String,
    pub file: String,
    pub upstream: Vec<String>,
    pub configuration: Value,
}

/// Where a streaming run's counters live under the data directory: beside its source block's outputs.
pub fn stream_counters_path(
    data_dir: &std::path::Path,
    pipeline: &str,
    run_id: i64,
) -> std::path::PathBuf {
    data_dir
        .join("runs")
        .join(pipeline)
        .join(run_id.to_string())
        .join("stream.json")
}

/// What a [`BlockRequest`] asks the runtime to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestMode {
    /// The block (its conditionals before it, its `success` or `failure` callbacks after it).
    #[default]
    Block,
    /// Only the `cancelled` callbacks attached to the block, as Mage runs them for a block run it cancelled in a
    /// cancelled run: with no positional argument, the run's variables and Mage's kwargs. The outcome is
    /// `CallbacksRan`.
    CancelledCallbacks,
}

/// How one input becomes a positional argument (Mage's dynamic-block rules, `wand_runtime/dynamic.py`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "pick", rename_all = "snake_case")]
pub enum Pick {
    /// The input as stored.
    Whole,
    /// Item `index` of a dynamic block's `[items, metadata]` (its metadata entry joins the kwargs).
    Item { index: usize },
    /// The output of an instance of a dynamic child (its second output, a dict, joins the kwargs).
    Instance,
    /// Item `index` of what an instance of a dynamic child that is dynamic itself returned.
    InstanceItem { index: usize },
    /// The outputs of every instance of a reducing dynamic child, in index order (`None`: it stored nothing),
    /// gathered into one list.
    Reduce {
        instances: Vec<Option<BlockOutputs>>,
    },
}

/// What a block knows of one parent: a SQL block writes the parent's output to a table named after it, or reads
/// the table a SQL parent on the same database already wrote.
#[derive(Debug, Clone, Serialize)]
pub struct UpstreamBlock {
    pub uuid: String,
    pub block_type: String,
    pub language: String,
    pub configuration: Value,
}

/// A question a sensor asks about the run history through Mage's `check_status`: the run of `pipeline_uuid` with
/// the latest execution date in `[since, until]`, and in it the block run of `block_uuid`. The dates are kept as
/// the block wrote them (RFC 3339), so its answer comes back with the very same query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStatusQuery {
    pub pipeline_uuid: String,
    pub block_uuid: Option<String>,
    pub since: String,
    pub until: String,
}

/// What the run history says to a [`RunStatusQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunStatusAnswer {
    /// Whether the project has the pipeline.
    pub pipeline_exists: bool,
    /// Whether the pipeline has the block (true when no block was asked about).
    pub block_exists: bool,
    /// The status of the latest run in the window, if there is one.
    pub run_status: Option<String>,
    /// The status of the asked block's run in that run, if it has one.
    pub block_run_status: Option<String>,
}

/// A question with its answer, as the block request carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunStatusAnswered {
    pub query: RunStatusQuery,
    pub answer: RunStatusAnswer,
}

/// Why a block failed, when it is not the block's own exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    Timeout,
    Crashed,
    Cancelled,
}

/// How a block run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockOutcome {
    Completed {
        /// How the return value was stored, with the side effects the block asked for (`set_global_variable`).
        outputs: BlockOutputs,
        tests: u64,
        /// What went wrong in its callbacks: recorded on the block run, which stays completed (as in Mage).
        callback_errors: Vec<String>,
    },
    /// A conditional attached to the block returned false (or raised): the block did not run.
    ConditionFailed,
    Failed {
        error: String,
        traceback: Option<String>,
        reason: Option<FailureReason>,
    },
    Cancelled,
    /// A sensor's check did not hold: it is to be checked again later (the process is gone meanwhile).
    Waiting,
    /// The block asked about the run history: it is to run again at once with the answers.
    Asks {
        queries: Vec<RunStatusQuery>,
    },
    /// Its `cancelled` callbacks ran (`RequestMode::CancelledCallbacks`), with what went wrong in them.
    CallbacksRan {
        callback_errors: Vec<String>,
    },
}

/// The `result` of a `done` event, as the child or the supervisor wrote it.
#[derive(Debug, Deserialize)]
struct RawResult {
    status: String,
    #[serde(default)]
    stored: Value,
    #[serde(default)]
    tests: u64,
    #[serde(default)]
    effects: Effects,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    traceback: Option<String>,
    #[serde(default)]
    reason: Option<FailureReason>,
    #[serde(default)]
    queries: Vec<RunStatusQuery>,
    #[serde(default)]
    callback_errors: Vec<String>,
}

impl From<RawResult> for BlockOutcome {
    fn from(raw: RawResult) -> BlockOutcome {
        match raw.status.as_str() {
            "completed" => match serde_json::from_value::<BlockOutputs>(raw.stored) {
                Ok(outputs) => BlockOutcome::Completed {
                    outputs: BlockOutputs {
                        effects: raw.effects,
                        ..outputs
                    },
                    tests: raw.tests,
                    callback_errors: raw.callback_errors,
                },
                Err(error) => BlockOutcome::Failed {
                    error: format!(
                        "the runtime described the block's stored output wrongly: {error}"
                    ),
                    traceback: None,
                    reason: Some(FailureReason::Crashed),
                },
            },
            "cancelled" => BlockOutcome::Cancelled,
            "condition_failed" => BlockOutcome::ConditionFailed,
            "waiting" => BlockOutcome::Waiting,
            "asks" => BlockOutcome::Asks {
                queries: raw.queries,
            },
            "callbacks_ran" => BlockOutcome::CallbacksRan {
                callback_errors: raw.callback_errors,
            },
            _ => BlockOutcome::Failed {
                error: raw.error.unwrap_or_else(|| "the block failed".to_owned()),
                traceback: raw.traceback,
                reason: raw.reason,
            },
        }
    }
}

/// A message from the Python supervisor, decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum SupervisorMessage {
    /// The supervisor has done its imports and takes requests.
    Ready,
    /// A line block run `id` printed.
    Log { id: u64, line: LogLine },
    /// Block run `id` asks Wand for something (`wand_runtime.context.call`) and waits for the reply.
    Call { id: u64, call: Value },
    /// Block run `id` ended.
    Done { id: u64, outcome: BlockOutcome },
}

/// Decodes one line the Python supervisor wrote on its stdout.
pub fn decode_supervisor_message(line: &str) -> Result<SupervisorMessage, serde_json::Error> {
    Ok(match serde_json::from_str::<SupervisorEvent>(line)? {
        SupervisorEvent::Ready {} => SupervisorMessage::Ready,
        SupervisorEvent::Log {
            id,
            stream,
            line,
            ts,
        } => SupervisorMessage::Log {
            id,
            line: LogLine {
                time: Utc
                    .timestamp_micros((ts * 1e6) as i64)
                    .single()
                    .unwrap_or_else(Utc::now),
                stream: if stream == "stderr" {
                    Stream::Stderr
                } else {
                    Stream::Stdout
                },
                text: line,
            },
        },
        SupervisorEvent::Call { id, call } => SupervisorMessage::Call { id, call },
        SupervisorEvent::Done { id, result } => SupervisorMessage::Done {
            id,
            outcome: result.into(),
        },
    })
}

/// A line the supervisor writes on its stdout.
#[derive(Debug, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum SupervisorEvent {
    Ready {},
    Log {
        id: u64,
        stream: String,
        line: String,
        ts: f64,
    },
    Call {
        id: u64,
        call: Value,
    },
    Done {
        id: u64,
        result: RawResult,
    },
}

/// What a running block may ask of Wand (`wand_runtime.context.call`): the handler answers each call with a JSON
/// object holding `ok` and, when not ok, `error`.
pub trait BlockCalls: Send + Sync {
    fn call(
        &self,
        call: Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send + '_>>;
}

/// For runs that offer a block nothing to call: every call is refused with the reason.
pub struct NoCalls(pub &'static str);

impl BlockCalls for NoCalls {
    fn call(
        &self,
        call: Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send + '_>> {
        let op = call
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("a call")
            .to_owned();
        Box::pin(
            async move { serde_json::json!({"ok": false, "error": format!("{op}: {}", self.0)}) },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_s_call_to_wand_is_relayed_as_it_was_made() {
        assert_eq!(
            decode_supervisor_message(
                r#"{"event": "call", "id": 4, "call": {"op": "wait_for_run", "run_id": 9}}"#
            )
            .unwrap(),
            SupervisorMessage::Call {
                id: 4,
                call: serde_json::json!({"op": "wait_for_run", "run_id": 9}),
            }
        );
    }

    #[test]
    fn a_sensor_that_did_not_hold_is_waiting() {
        assert_eq!(
            decode_supervisor_message(
                r#"{"event": "done", "id": 7, "result": {"status": "waiting"}}"#
            )
            .unwrap(),
            SupervisorMessage::Done {
                id: 7,
                outcome: BlockOutcome::Waiting
            }
        );
    }

    #[test]
    fn a_block_that_asks_about_the_run_history_says_what() {
        let line = r#"{"event": "done", "id": 3, "result": {"status": "asks", "queries": [
            {"pipeline_uuid": "other", "block_uuid": null, "since": "2026-12-01T00:00:00+00:00",
             "until": "2026-12-02T00:00:00+00:00"}]}}"#;
        assert_eq!(
            decode_supervisor_message(line).unwrap(),
            SupervisorMessage::Done {
                id: 3,
                outcome: BlockOutcome::Asks {
                    queries: vec![RunStatusQuery {
                        pipeline_uuid: "other".to_owned(),
                        block_uuid: None,
                        since: "2026-12-01T00:00:00+00:00".to_owned(),
                        until: "2026-12-02T00:00:00+00:00".to_owned(),
                    }]
                }
            }
        );
    }
}
