//! Wand's vocabulary: pipelines, blocks, the validated DAG, run statuses and their one state machine.
//!
//! This crate does no I/O and knows nothing of files, databases or processes.

mod backfill;
mod block;
mod dag;
mod definition;
mod dynamic;
mod error;
mod global_data_product;
mod name;
mod notice;
mod notification;
mod outputs;
mod retention;
mod schedule;
mod secret;
mod status;
mod trigger;
mod user;
mod variables;

pub use backfill::{
    BackfillError, BackfillRange, BackfillStatus, IntervalType, MAX_BACKFILL_RUNS, PlannedRun,
    python_iso,
};
pub use block::{AddonBlock, Block, BlockType, Language, RetryConfig};
pub use dag::{ConcurrencyConfig, Dag, Pipeline};
pub use definition::{PipelineDefinition, RunSettings};
pub use dynamic::{
    Axis, DynamicInstance, DynamicItems, Source, dynamic_children, fans_out, plan_instances,
};
pub use error::{DagError, InvalidTransition, UnknownStatus};
pub use global_data_product::{
    Freshness, GlobalDataProduct, OUTDATED_AFTER_KEYS, OUTDATED_STARTING_AT_KEYS, OutdatedAfter,
    ProductBlock, time_part,
};
pub use name::{MAX_NAME_CHARS, NameError, check_name};
pub use notice::{LogEvent, Notice};
pub use notification::{
    AlertEvent, CHANNEL_KEYS, Channel, DEFAULT_ALERT_ON, EmailConfig, EnvLookup, Message,
    MessageFacts, MessageTemplate, NotificationConfig, UNSUPPORTED_CHANNEL_KEYS, mask_url,
    merge_notification_config, message, parse_notification_config, python_datetime, render_value,
};
pub use outputs::{BlockOutputs, Container, Effects, GlobalVariable, OutputKind, StoredOutput};
pub use retention::{InvalidPeriod, RetentionPeriod};
pub use schedule::{
    CatchUp, Interval, MAX_CATCH_UP, ON_TIME, RunInterval, Schedule, ScheduleError,
};
pub use secret::{
    MASKED, MAX_SECRET_NAME_CHARS, MAX_SECRET_VALUE_BYTES, MIN_MASKED_CHARS, Mask, SharedMask,
    check_secret_name, check_secret_value,
};
pub use status::{BlockRunEvent, BlockRunStatus, RunEvent, RunStatus};
pub use trigger::{
    CatchUpPolicy, ScheduleType, TimeoutStatus, Trigger, TriggerSettings, TriggerSpec,
    TriggerSpecError, TriggerStatus,
};
pub use user::{Role, User, normalize_email};
pub use variables::merge_variables;
