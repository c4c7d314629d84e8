//! The scheduler: the single writer of run state. It advances runs as their block runs finish (queueing children,
//! skipping what a failure blocks, finishing runs), recovers block runs whose worker lost its lease, and applies
//! what blocks asked of the project once their run is over.
//!
//! It never executes a block: workers claim queued block runs from storage.

mod advance;
mod backfills;
mod clock;
mod error;
mod expand;
mod notifications;
pub mod retention;
mod scheduler;
mod streams;
mod trigger_files;
mod trigger_ops;
mod triggers;

pub use advance::{Instances, Step, advance};
pub use backfills::BackfillRequest;
pub use clock::{Clock, SystemClock};
pub use error::SchedulerError;
pub use notifications::{NotifySettings, notification_config};
pub use scheduler::{Event, RunRequest, Scheduler};
pub use streams::{STOP_WAIT, StreamState};
pub use trigger_files::new_token;
