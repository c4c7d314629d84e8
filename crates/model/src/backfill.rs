//! Backfills (Mage's `Backfill`): what one asks for (a date range stepped by an interval, or a list of variable
//! sets) and the runs it plans, with the per-run variables Mage's `preview_run_dates` computes. Pure: no clock, no
//! storage; the scheduler creates the runs.

use chrono::{DateTime, Duration, Months, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::RunInterval;

/// At most this many runs per backfill: a typo (seconds for a year) is refused instead of filling the database.
pub const MAX_BACKFILL_RUNS: usize = 10_000;

/// The step of a date-range backfill (Mage's `Backfill.IntervalType`; `custom` steps by seconds, as in Mage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntervalType {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Custom,
}

/// Where a backfill stands (Mage's `Backfill.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackfillStatus {
    /// Its runs exist; none has started yet.
    Initial,
    Running,
    /// Every run (the latest per planned run) completed.
    Completed,
    /// Every run finished and at least one did not complete.
    Failed,
    Cancelled,
}

/// What a backfill runs: one run per date of a range, or one run per variable set.
#[derive(Debug, Clone, PartialEq)]
pub enum BackfillRange {
    /// From `start` to `end` (both included) every `units` × `interval_type`.
    Dates {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        interval_type: IntervalType,
        units: u32,
    },
    /// One run per set; a set's `execution_date` (RFC 3339), if any, is its run's, else the backfill's start time.
    VariableSets(Vec<Map<String, Value>>),
}

/// One run a backfill plans.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    pub execution_date: DateTime<Utc>,
    /// The run's variables: the backfill's, then Mage's per-date keys (`ds`, `execution_date`, `hr`, `interval_*`)
    /// or the variable set.
    pub variables: Map<String, Value>,
    /// For a date range: the interval blocks get as `interval_*` kwargs (datetimes, as Mage's `get_variables`).
    pub interval: Option<RunInterval>,
}

/// Why a backfill cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackfillError {
    #[error("interval_units must be at least 1")]
    NoUnits,
    #[error("end_datetime {end} is before start_datetime {start}: the backfill would make no runs")]
    EndBeforeStart { start: String, end: String },
    #[error(
        "the backfill would make more than {MAX_BACKFILL_RUNS} runs; use a shorter range or a longer interval"
    )]
    TooManyRuns,
    #[error("the list of variable sets is empty: the backfill would make no runs")]
    NoVariableSets,
    #[error("variable set {index}: execution_date `{value}` is not an RFC 3339 time")]
    BadExecutionDate { index: usize, value: String },
    #[error("the dates overflow the calendar")]
    Overflow,
}

impl BackfillRange {
    /// The runs of the backfill, in order. `variables` apply to every run (under the per-run keys); `now` is the
    /// execution date of a variable set that names none.
    pub fn plan(
        &self,
        variables: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Result<Vec<PlannedRun>, BackfillError> {
        match self {
            BackfillRange::Dates {
                start,
                end,
                interval_type,
                units,
            } => {
                let dates = dates(*start, *end, *interval_type, *units)?;
                Ok(date_runs(&dates, variables))
            }
            BackfillRange::VariableSets(sets) => {
                if sets.is_empty() {
                    return Err(BackfillError::NoVariableSets);
                }
                if sets.len() > MAX_BACKFILL_RUNS {
                    return Err(BackfillError::TooManyRuns);
                }
                sets.iter()
                    .enumerate()
                    .map(|(index, set)| {
                        let execution_date = match set.get("execution_date") {
                            None | Some(Value::Null) => now,
                            Some(value) => value
                                .as_str()
                                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                                .map(|time| time.with_timezone(&Utc))
                                .ok_or_else(|| BackfillError::BadExecutionDate {
                                    index,
                                    value: value.to_string(),
                                })?,
                        };
                        let mut run = variables.clone();
                        run.extend(set.clone());
                        Ok(PlannedRun {
                            execution_date,
                            variables: run,
                            interval: None,
                        })
                    })
                    .collect()
            }
        }
    }
}

/// Mage's `__build_dates`: from `start` while not after `end`, adding the interval each time (months and years by
/// calendar, a day of month past the month's end clamped to its last day, and carried on from there).
fn dates(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    interval_type: IntervalType,
    units: u32,
) -> Result<Vec<DateTime<Utc>>, BackfillError> {
    if units == 0 {
        return Err(BackfillError::NoUnits);
    }
    if end < start {
        return Err(BackfillError::EndBeforeStart {
            start: python_iso(start),
            end: python_iso(end),
        });
    }
    let step = |at: DateTime<Utc>| -> Option<DateTime<Utc>> {
        let units = i64::from(units);
        match interval_type {
            IntervalType::Second | IntervalType::Custom => {
                at.checked_add_signed(Duration::seconds(units))
            }
            IntervalType::Minute => at.checked_add_signed(Duration::minutes(units)),
            IntervalType::Hour => at.checked_add_signed(Duration::hours(units)),
            IntervalType::Day => at.checked_add_signed(Duration::days(units)),
            IntervalType::Week => at.checked_add_signed(Duration::weeks(units)),
            IntervalType::Month => at.checked_add_months(Months::new(u32::try_from(units).ok()?)),
            IntervalType::Year => {
                at.checked_add_months(Months::new(u32::try_from(units).ok()?.checked_mul(12)?))
            }
        }
    };
    let mut dates = Vec::new();
    let mut current = start;
    while current <= end {
        if dates.len() == MAX_BACKFILL_RUNS {
            return Err(BackfillError::TooManyRuns);
        }
        dates.push(current);
        current = step(current).ok_or(BackfillError::Overflow)?;
    }
    Ok(dates)
}

/// Mage's `__build_variables_list`: each date's interval runs to the next date; the last one's is as long as the one
/// before it (a single date has no length); the previous start is the start minus the length.
fn date_runs(dates: &[DateTime<Utc>], variables: &Map<String, Value>) -> Vec<PlannedRun> {
    let seconds_between = |from: DateTime<Utc>, to: DateTime<Utc>| {
        (to - from).num_microseconds().unwrap_or(0) as f64 / 1e6
    };
    let last = dates.len() - 1;
    dates
        .iter()
        .enumerate()
        .map(|(index, &start)| {
            let (end, seconds, mut previous) = if index < last {
                let end = dates[index + 1];
                (Some(end), Some(seconds_between(start, end)), None)
            } else if index >= 1 {
                let previous = dates[index - 1];
                let seconds = seconds_between(previous, start);
                (
                    Some(start + (start - previous)),
                    Some(seconds),
                    Some(previous),
                )
            } else {
                (None, None, None)
            };
            if previous.is_none()
                && let Some(seconds) = seconds.filter(|seconds| *seconds != 0.0)
            {
                previous = Some(start - Duration::microseconds((seconds * 1e6).round() as i64));
            }
            let mut run = variables.clone();
            let text = |time: Option<DateTime<Utc>>| {
                time.map_or(Value::Null, |time| Value::from(python_iso(time)))
            };
            run.insert(
                "ds".into(),
                Value::from(start.format("%Y-%m-%d").to_string()),
            );
            run.insert("execution_date".into(), Value::from(python_iso(start)));
            run.insert("hr".into(), Value::from(start.format("%H").to_string()));
            run.insert("interval_end_datetime".into(), text(end));
            run.insert(
                "interval_seconds".into(),
                seconds.map_or(Value::Null, Value::from),
            );
            run.insert(
                "interval_start_datetime".into(),
                Value::from(python_iso(start)),
            );
            run.insert("interval_start_datetime_previous".into(), text(previous));
            PlannedRun {
                execution_date: start,
                variables: run,
                interval: Some(RunInterval {
                    start,
                    end,
                    seconds,
                    start_previous: previous,
                }),
            }
        })
        .collect()
}

/// A UTC time as Python's `datetime.isoformat()` writes it (what Mage stores): `+00:00`, microseconds only if any.
pub fn python_iso(time: DateTime<Utc>) -> String {
    let format = if time.timestamp_subsec_micros() == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Micros
    };
    time.to_rfc3339_opts(format, false)
}

impl BackfillStatus {
    pub const ALL: [BackfillStatus; 5] = [
        BackfillStatus::Initial,
        BackfillStatus::Running,
        BackfillStatus::Completed,
        BackfillStatus::Failed,
        BackfillStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BackfillStatus::Initial => "initial",
            BackfillStatus::Running => "running",
            BackfillStatus::Completed => "completed",
            BackfillStatus::Failed => "failed",
            BackfillStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(name: &str) -> Option<BackfillStatus> {
        BackfillStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether its runs may still start.
    pub fn is_open(self) -> bool {
        matches!(self, BackfillStatus::Initial | BackfillStatus::Running)
    }
}

impl IntervalType {
    pub const ALL: [IntervalType; 8] = [
        IntervalType::Second,
        IntervalType::Minute,
        IntervalType::Hour,
        IntervalType::Day,
        IntervalType::Week,
        IntervalType::Month,
        IntervalType::Year,
        IntervalType::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntervalType::Second => "second",
            IntervalType::Minute => "minute",
            IntervalType::Hour => "hour",
            IntervalType::Day => "day",
            IntervalType::Week => "week",
            IntervalType::Month => "month",
            IntervalType::Year => "year",
            IntervalType::Custom => "custom",
        }
    }

    pub fn parse(name: &str) -> Option<IntervalType> {
        IntervalType::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

#[cfg(test)]
mod tests;
