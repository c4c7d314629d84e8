//! Triggers (Mage's "pipeline schedules"): what starts runs of a pipeline, on a schedule or through the API.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{CatchUp, RunInterval, RunSettings, Schedule, ScheduleError};

/// How a trigger starts runs: on its schedule (`time`) or when its API URL is called (`api`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleType {
    Time,
    Api,
}

/// Whether a trigger is switched on: a time trigger fires only while active; calling an API trigger activates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerStatus {
    Active,
    #[default]
    Inactive,
}

/// What a run that passed its timeout becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutStatus {
    #[default]
    Failed,
    Cancelled,
}

/// Mage's trigger `settings`, plus Wand's catch-up policy.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TriggerSettings {
    /// Skip a slot while an earlier run of this trigger is still going.
    pub skip_if_previous_running: bool,
    /// Keep running independent blocks after a block failed.
    pub allow_blocks_to_fail: bool,
    /// Run the slot that was current when the trigger was enabled, instead of waiting for the next one.
    pub create_initial_pipeline_run: bool,
    /// Seconds after which a run of this trigger is stopped.
    pub timeout: Option<f64>,
    pub timeout_status: TimeoutStatus,
    /// At most this many runs of this trigger at once; further slots wait.
    pub pipeline_run_limit: Option<u32>,
    /// What to do with slots missed while Wand was down.
    pub catch_up: CatchUpPolicy,
    /// Mage's `sla` (a top-level key of the trigger in `triggers.yaml`): seconds after its execution date past which
    /// a run still going is marked `passed_sla` and alerts (`trigger_passed_sla`) once.
    pub sla: Option<u64>,
}

/// The serialisable twin of `CatchUp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CatchUpPolicy {
    None,
    #[default]
    Latest,
    All,
}

impl From<CatchUpPolicy> for CatchUp {
    fn from(policy: CatchUpPolicy) -> CatchUp {
        match policy {
            CatchUpPolicy::None => CatchUp::None,
            CatchUpPolicy::Latest => CatchUp::Latest,
            CatchUpPolicy::All => CatchUp::All,
        }
    }
}

impl TriggerSettings {
    /// The settings its runs carry.
    pub fn run_settings(&self) -> RunSettings {
        RunSettings {
            allow_blocks_to_fail: self.allow_blocks_to_fail,
            timeout: self.timeout,
            timeout_status: self.timeout_status,
            block_run_limit: None,
        }
    }
}

/// A trigger as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub id: i64,
    pub pipeline_uuid: String,
    /// Unique per pipeline.
    pub name: String,
    pub description: Option<String>,
    pub schedule_type: ScheduleType,
    /// `@once`, `@hourly`, ..., or cron; `None` for API triggers.
    pub schedule_interval: Option<String>,
    /// IANA time zone of the schedule (default UTC).
    pub timezone: String,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub status: TriggerStatus,
    pub variables: Map<String, Value>,
    pub settings: TriggerSettings,
    /// The secret of an API trigger's URL.
    pub token: Option<String>,
    /// When it was last switched to active.
    pub last_enabled_at: Option<DateTime<Utc>>,
    /// The latest slot a run was created (or skipped) for.
    pub last_slot: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Trigger {
    /// The interval its run for `execution_date` covers, for a time trigger (an API trigger's run has none, as in
    /// Mage).
    pub fn run_interval(&self, execution_date: DateTime<Utc>) -> Option<RunInterval> {
        if self.schedule_type != ScheduleType::Time {
            return None;
        }
        let timezone = self.timezone.trim().parse().unwrap_or(chrono_tz::UTC);
        let interval = self.schedule_interval.as_deref().unwrap_or("@once");
        Some(RunInterval::of(interval, timezone, execution_date))
    }

    /// The schedule of a time trigger.
    pub fn schedule(&self) -> Result<Schedule, ScheduleError> {
        Schedule::new(
            self.schedule_interval.as_deref().unwrap_or("@once"),
            &self.timezone,
            self.start_time,
            self.end_time,
        )
    }
}

/// The fields of a trigger that users set (in the API or in `triggers.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerSpec {
    pub pipeline_uuid: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub schedule_type: ScheduleType,
    #[serde(default)]
    pub schedule_interval: Option<String>,
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: TriggerStatus,
    #[serde(default)]
    pub variables: Map<String, Value>,
    #[serde(default)]
    pub settings: TriggerSettings,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// Why a trigger as written cannot be kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TriggerSpecError {
    #[error("`name`: {0}")]
    Name(#[from] crate::NameError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

impl TriggerSpec {
    /// Checks what can be checked without the project: its name, and that a time trigger's schedule parses and
    /// can fire.
    pub fn validate(&self) -> Result<(), TriggerSpecError> {
        crate::check_name(&self.name)?;
        if self.schedule_type == ScheduleType::Time {
            Schedule::new(
                self.schedule_interval.as_deref().unwrap_or("@once"),
                &self.timezone,
                self.start_time,
                self.end_time,
            )?;
        }
        Ok(())
    }
}

impl Trigger {
    /// The user-set fields of a stored trigger.
    pub fn spec(&self) -> TriggerSpec {
        TriggerSpec {
            pipeline_uuid: self.pipeline_uuid.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            schedule_type: self.schedule_type,
            schedule_interval: self.schedule_interval.clone(),
            timezone: self.timezone.clone(),
            start_time: self.start_time,
            end_time: self.end_time,
            status: self.status,
            variables: self.variables.clone(),
            settings: self.settings,
        }
    }
}
