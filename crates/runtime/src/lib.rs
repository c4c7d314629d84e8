//! Executes blocks: finds or builds the project's Python environment, keeps a warm Python supervisor that forks a
//! child per block, streams block output lines to a `LogSink`, and reads stored table outputs for previews.
//!
//! The runtime knows no database and no HTTP: callers record outcomes and serve logs.

mod environment;
mod error;
mod installed;
mod output_store;
mod package;
mod preview;
mod protocol;
mod sink;
mod supervisor;

pub use environment::{
    BASE_PACKAGES, EnvironmentRequest, PythonInfo, describe_python, ensure_python, existing_python,
    install_requirements,
};
pub use error::RuntimeError;
pub use installed::{WHEEL_DIST_NAME, installed_python};
pub use output_store::{OutputStore, OutputStoreError, log_key};
pub use package::install_package;
pub use preview::{TablePreview, preview_table};
pub use protocol::{
    AHEAD_FILES, BlockCalls, BlockOutcome, BlockRequest, FailureReason, NoCalls, Pick, RequestMode,
    RunStatusAnswer, RunStatusAnswered, RunStatusQuery, StreamingBlock, StreamingTree,
    SupervisorMessage, UpstreamBlock, decode_supervisor_message, stream_counters_path,
};
pub use sink::{
    FileSink, LogLine, LogSink, MAX_LOG_LINE_BYTES, Stream, VecSink, cap_log_text, parse_log_line,
    render_log_line,
};
pub use supervisor::{Supervisor, SupervisorConfig};
