//! A worker: claims queued block runs from storage, runs each in the Python runtime while renewing its lease, and
//! records how it ended (completed, failed, or queued again for a retry per `retry_config`); and runs the
//! `cancelled` callbacks of block runs cancelled in a cancelled run.
//!
//! Workers never advance a run: the scheduler does, when it sees their notices.

mod calls;
mod cancelled_callbacks;
mod code;
mod error;
mod execute;
mod log_tee;
mod outcome;
mod products;
mod record;
mod request;
mod run;
mod secret_outputs;
mod worker;

pub use calls::RunLauncher;
pub use error::WorkerError;
pub use worker::{Worker, WorkerConfig};
