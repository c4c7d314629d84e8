//! Schedule math for time triggers: Mage's interval presets and 5-field cron in a time zone, start and end times,
//! and which slots are due after a pause under an explicit catch-up policy.

use std::str::FromStr;

use chrono::{DateTime, Duration, Months, Utc};
use chrono_tz::Tz;
use croner::Cron;
use serde::{Deserialize, Serialize};

/// How often a time trigger fires.
#[derive(Debug, Clone)]
pub enum Interval {
    /// Once, at the start time (or as soon as the trigger is active).
    Once,
    /// Mage's `@always_on` (streaming pipelines): no slots; a run is started whenever none of the trigger's is
    /// going (`scheduler/src/triggers.rs`), between the start and end times.
    AlwaysOn,
    /// A cron expression; the presets `@hourly`, `@daily`, `@weekly` (Monday) and `@monthly` are cron too.
    Cron { text: String, cron: Box<Cron> },
}

/// What to do with slots that passed while Wand was not running (Mage issues #4897, #5538).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CatchUp {
    /// Skip every missed slot; run only slots that come on time.
    None,
    /// Run the most recent missed slot once.
    #[default]
    Latest,
    /// Run every missed slot, oldest first (bounded by `MAX_CATCH_UP`).
    All,
}

/// At most this many missed slots are run for one trigger at once, whatever the policy.
pub const MAX_CATCH_UP: usize = 1000;

/// A slot counts as on time (not missed) when it is noticed within this long.
pub const ON_TIME: Duration = Duration::seconds(60);

/// A time trigger's schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub interval: Interval,
    pub timezone: Tz,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "`{0}` is not a schedule: use @once, @always_on, @hourly, @daily, @weekly, @monthly or a 5-field cron expression like `30 2 * * *` ({1})"
    )]
    Interval(String, String),
    #[error("`{0}` is not a time zone: use an IANA name like `UTC` or `Europe/Paris`")]
    TimeZone(String),
    #[error("the start time {start} is after the end time {end}")]
    StartAfterEnd {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl Interval {
    pub fn parse(text: &str) -> Result<Interval, ScheduleError> {
        let pattern = match text.trim() {
            "@once" => return Ok(Interval::Once),
            "@always_on" => return Ok(Interval::AlwaysOn),
            "@hourly" => "0 * * * *",
            "@daily" => "0 0 * * *",
            "@weekly" => "0 0 * * 1",
            "@monthly" => "0 0 1 * *",
            other => other,
        };
        if pattern.split_whitespace().count() != 5 {
            return Err(ScheduleError::Interval(
                text.to_owned(),
                "expected 5 fields: minute hour day-of-month month day-of-week".to_owned(),
            ));
        }
        let cron = Cron::from_str(pattern)
            .map_err(|error| ScheduleError::Interval(text.to_owned(), error.to_string()))?;
        // Any date that can come does so within 28 years (leap days included), so one search from a fixed day
        // tells a cron that never fires (`0 0 30 2 *`) from one that fires rarely.
        let reference = DateTime::<Utc>::from_timestamp(946_684_800, 0).unwrap_or_default();
        if cron.find_next_occurrence(&reference, false).is_err() {
            return Err(ScheduleError::Interval(
                text.to_owned(),
                "no date matches it, so it would never fire".to_owned(),
            ));
        }
        Ok(Interval::Cron {
            text: text.trim().to_owned(),
            cron: Box::new(cron),
        })
    }
}

impl Schedule {
    pub fn new(
        interval: &str,
        timezone: &str,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Result<Schedule, ScheduleError> {
        let timezone = Tz::from_str(timezone.trim())
            .map_err(|_| ScheduleError::TimeZone(timezone.to_owned()))?;
        if let (Some(start), Some(end)) = (start, end)
            && start > end
        {
            return Err(ScheduleError::StartAfterEnd { start, end });
        }
        Ok(Schedule {
            interval: Interval::parse(interval)?,
            timezone,
            start,
            end,
        })
    }

    /// The first slot strictly after `after`, within the start and end times.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let after = match self.start {
            // A slot exactly at the start time counts, so search from just before it.
            Some(start) if start > after => start - Duration::nanoseconds(1),
            _ => after,
        };
        let next = match &self.interval {
            Interval::Once => self.start.unwrap_or(after + Duration::nanoseconds(1)),
            Interval::AlwaysOn => return None,
            Interval::Cron { cron, .. } => cron
                .find_next_occurrence(&after.with_timezone(&self.timezone), false)
                .ok()?
                .with_timezone(&Utc),
        };
        (next > after && self.end.is_none_or(|end| next <= end)).then_some(next)
    }

    /// The latest slot at or before `at`, within the start and end times (for "create initial pipeline run").
    pub fn latest_at_or_before(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let slot = match &self.interval {
            Interval::Once => self.start.filter(|start| *start <= at)?,
            Interval::AlwaysOn => return None,
            Interval::Cron { cron, .. } => cron
                .find_previous_occurrence(&at.with_timezone(&self.timezone), true)
                .ok()?
                .with_timezone(&Utc),
        };
        let started = self.start.is_none_or(|start| slot >= start);
        let ended = self.end.is_some_and(|end| slot > end);
        (started && !ended).then_some(slot)
    }

    /// The slots to run now: those after `last` (the latest slot already run, or when the trigger was enabled) up
    /// to `now`. Slots noticed within `ON_TIME` always run; older, missed ones follow `policy`.
    pub fn due(
        &self,
        last: DateTime<Utc>,
        now: DateTime<Utc>,
        policy: CatchUp,
    ) -> Vec<DateTime<Utc>> {
        let mut slots = Vec::new();
        let mut cursor = last;
        while let Some(slot) = self.next_after(cursor) {
            if slot > now {
                break;
            }
            slots.push(slot);
            if matches!(self.interval, Interval::Once) {
                break;
            }
            cursor = slot;
            if slots.len() > MAX_CATCH_UP {
                slots.remove(0);
            }
        }
        let (missed, on_time): (Vec<_>, Vec<_>) =
            slots.into_iter().partition(|slot| now - *slot > ON_TIME);
        let mut due = match policy {
            CatchUp::None => Vec::new(),
            CatchUp::Latest => missed.last().copied().into_iter().collect(),
            CatchUp::All => missed,
        };
        if policy == CatchUp::Latest && !on_time.is_empty() {
            due.clear();
        }
        due.extend(on_time);
        due.truncate(MAX_CATCH_UP);
        due
    }
}

/// The interval a time trigger's run covers: Mage's kwargs `interval_start_datetime`, `interval_end_datetime`,
/// `interval_seconds` and `interval_start_datetime_previous` (`PipelineRun.get_variables` in
/// mage_ai/orchestration/db/models/schedules.py, Mage 0.9.80). The interval starts at the execution date; the
/// presets have fixed lengths (`@monthly` one calendar month), a cron expression lasts until its next slot, and
/// `@once` has no length.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunInterval {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub seconds: Option<f64>,
    pub start_previous: Option<DateTime<Utc>>,
}

impl RunInterval {
    /// The interval of the run for `execution_date` of a trigger with schedule `interval` in `timezone`.
    pub fn of(interval: &str, timezone: Tz, execution_date: DateTime<Utc>) -> RunInterval {
        let start = execution_date;
        let seconds_until = |end: DateTime<Utc>| (end - start).num_milliseconds() as f64 / 1000.0;
        let (end, seconds) = match interval.trim() {
            "@daily" => (None, Some(86_400.0)),
            "@hourly" => (None, Some(3_600.0)),
            "@weekly" => (None, Some(604_800.0)),
            "@monthly" => {
                let end = start.checked_add_months(Months::new(1));
                (end, end.map(seconds_until))
            }
            text => match Interval::parse(text) {
                Ok(Interval::Cron { cron, .. }) => {
                    let end = cron
                        .find_next_occurrence(&start.with_timezone(&timezone), false)
                        .ok()
                        .map(|next| next.with_timezone(&Utc));
                    (end, end.map(seconds_until))
                }
                // `@once`, `@always_on`, and anything else: an interval with a start only.
                _ => (None, None),
            },
        };
        let to_duration = |seconds: f64| Duration::milliseconds((seconds * 1000.0) as i64);
        RunInterval {
            start,
            end: end.or_else(|| seconds.map(|seconds| start + to_duration(seconds))),
            seconds,
            start_previous: seconds.map(|seconds| start - to_duration(seconds)),
        }
    }
}

impl Schedule {
    /// Whether an `@always_on` trigger may have a run going at `now` (inside its start and end times).
    pub fn always_on_at(&self, now: DateTime<Utc>) -> bool {
        matches!(self.interval, Interval::AlwaysOn)
            && self.start.is_none_or(|start| start <= now)
            && self.end.is_none_or(|end| now <= end)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn always_on_has_no_slots_and_holds_between_start_and_end() {
        let start = utc("2026-01-01T00:00:00Z");
        let end = utc("2026-01-02T00:00:00Z");
        let always = Schedule::new("@always_on", "UTC", Some(start), Some(end)).unwrap();
        assert!(matches!(always.interval, Interval::AlwaysOn));
        assert_eq!(always.next_after(start), None);
        assert!(always.due(start, end, CatchUp::All).is_empty());
        assert!(!always.always_on_at(utc("2025-12-31T23:00:00Z")));
        assert!(always.always_on_at(utc("2026-01-01T12:00:00Z")));
        assert!(!always.always_on_at(utc("2026-01-02T00:00:01Z")));
        assert!(!schedule("@daily", "UTC").always_on_at(start));
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn schedule(interval: &str, zone: &str) -> Schedule {
        Schedule::new(interval, zone, None, None).unwrap()
    }

    /// The next `count` slots after `from`, as RFC 3339 in UTC.
    fn check(schedule: &Schedule, from: &str, count: usize, expected: &[&str]) {
        let mut slots = Vec::new();
        let mut cursor = utc(from);
        while slots.len() < count {
            let Some(next) = schedule.next_after(cursor) else {
                break;
            };
            slots.push(next.to_rfc3339());
            cursor = next;
        }
        let expected: Vec<String> = expected.iter().map(|s| utc(s).to_rfc3339()).collect();
        assert_eq!(slots, expected);
    }

    #[test]
    fn presets_fire_at_their_boundaries_in_utc() {
        let from = "2026-01-30T10:15:00Z";
        check(
            &schedule("@hourly", "UTC"),
            from,
            2,
            &["2026-01-30T11:00:00Z", "2026-01-30T12:00:00Z"],
        );
        check(
            &schedule("@daily", "UTC"),
            from,
            2,
            &["2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"],
        );
        // 2026-02-02 is a Monday.
        check(
            &schedule("@weekly", "UTC"),
            from,
            2,
            &["2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z"],
        );
        check(
            &schedule("@monthly", "UTC"),
            from,
            2,
            &["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"],
        );
        check(
            &schedule("*/20 9-10 * * *", "UTC"),
            from,
            3,
            &[
                "2026-01-30T10:20:00Z",
                "2026-01-30T10:40:00Z",
                "2026-01-31T09:00:00Z",
            ],
        );
    }

    #[test]
    fn daily_in_a_time_zone_follows_its_clock_across_daylight_saving() {
        // Europe/Paris moves from UTC+1 to UTC+2 on 2026-03-29.
        let paris = schedule("30 2 * * *", "Europe/Paris");
        // 02:30 does not exist on the 29th (the clock jumps from 02:00 to 03:00).
        let slots: Vec<String> = {
            let mut out = Vec::new();
            let mut cursor = utc("2026-03-27T12:00:00Z");
            for _ in 0..3 {
                let next = paris.next_after(cursor).unwrap();
                out.push(
                    next.with_timezone(&paris.timezone)
                        .format("%m-%d %H:%M %Z")
                        .to_string(),
                );
                cursor = next;
            }
            out
        };
        assert_eq!(slots[0], "03-28 02:30 CET");
        assert_eq!(slots.last().unwrap(), "03-30 02:30 CEST");
        let daily = schedule("@daily", "America/New_York");
        check(
            &daily,
            "2026-03-07T12:00:00Z",
            2,
            &["2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"],
        );
    }

    #[test]
    fn start_and_end_bound_the_slots() {
        let bounded = Schedule::new(
            "@hourly",
            "UTC",
            Some(utc("2026-01-01T05:00:00Z")),
            Some(utc("2026-01-01T07:00:00Z")),
        )
        .unwrap();
        check(
            &bounded,
            "2025-12-31T00:00:00Z",
            5,
            &[
                "2026-01-01T05:00:00Z",
                "2026-01-01T06:00:00Z",
                "2026-01-01T07:00:00Z",
            ],
        );
        let once = Schedule::new("@once", "UTC", Some(utc("2026-01-01T05:00:00Z")), None).unwrap();
        check(&once, "2025-12-31T00:00:00Z", 3, &["2026-01-01T05:00:00Z"]);
        assert!(once.next_after(utc("2026-01-01T05:00:00Z")).is_none());
        assert!(matches!(
            Schedule::new(
                "@daily",
                "UTC",
                Some(utc("2026-02-01T00:00:00Z")),
                Some(utc("2026-01-01T00:00:00Z"))
            ),
            Err(ScheduleError::StartAfterEnd { .. })
        ));
    }

    #[test]
    fn catch_up_policies_after_a_pause() {
        let hourly = schedule("@hourly", "UTC");
        let last = utc("2026-01-01T00:00:00Z");
        let now = utc("2026-01-01T03:00:30Z");
        let render = |slots: Vec<DateTime<Utc>>| {
            slots
                .iter()
                .map(|s| s.format("%H:%M").to_string())
                .collect::<Vec<_>>()
        };
        // 01:00 and 02:00 were missed; 03:00 is on time.
        assert_eq!(render(hourly.due(last, now, CatchUp::None)), ["03:00"]);
        assert_eq!(render(hourly.due(last, now, CatchUp::Latest)), ["03:00"]);
        assert_eq!(
            render(hourly.due(last, now, CatchUp::All)),
            ["01:00", "02:00", "03:00"]
        );
        let later = utc("2026-01-01T03:30:00Z");
        assert!(hourly.due(last, later, CatchUp::None).is_empty());
        assert_eq!(render(hourly.due(last, later, CatchUp::Latest)), ["03:00"]);
        assert_eq!(
            render(hourly.due(utc("2026-01-01T03:00:00Z"), later, CatchUp::Latest)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn catch_up_is_bounded() {
        let minutely = schedule("* * * * *", "UTC");
        let last = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2025, 1, 10, 0, 0, 0).unwrap();
        assert_eq!(minutely.due(last, now, CatchUp::All).len(), MAX_CATCH_UP);
    }

    #[test]
    fn a_cron_that_can_never_fire_is_refused() {
        for never in ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6 *"] {
            let error = Schedule::new(never, "UTC", None, None)
                .unwrap_err()
                .to_string();
            assert!(error.contains("never fire"), "{never}: {error}");
        }
        for rare in ["0 0 29 2 *", "0 0 31 1,2 *", "0 0 13 * 5"] {
            assert!(Schedule::new(rare, "UTC", None, None).is_ok(), "{rare}");
        }
    }

    #[test]
    fn bad_input_is_named() {
        let error = Schedule::new("every day", "UTC", None, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`every day` is not a schedule"), "{error}");
        let error = Schedule::new("61 * * * *", "UTC", None, None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`61 * * * *` is not a schedule"), "{error}");
        let error = Schedule::new("@daily", "Mars/Olympus", None, None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`Mars/Olympus` is not a time zone"),
            "{error}"
        );
    }

    /// The expected values are what Mage 0.9.80's `PipelineRun.get_variables` computes for each schedule (read in
    /// mage_ai/orchestration/db/models/schedules.py): presets of fixed length, one calendar month, the next cron
    /// slot, and `@once` without an end.
    #[test]
    fn a_runs_interval_follows_its_triggers_schedule() {
        let at = utc("2026-01-31T06:00:00Z");
        let interval = |text: &str| {
            let run = RunInterval::of(text, chrono_tz::UTC, at);
            assert_eq!(run.start, at);
            (
                run.end.map(|end| end.to_rfc3339()),
                run.seconds,
                run.start_previous.map(|previous| previous.to_rfc3339()),
            )
        };
        let some = |text: &str| Some(text.to_owned());
        assert_eq!(
            interval("@daily"),
            (
                some("2026-02-01T06:00:00+00:00"),
                Some(86_400.0),
                some("2026-01-30T06:00:00+00:00")
            )
        );
        assert_eq!(
            interval("@hourly"),
            (
                some("2026-01-31T07:00:00+00:00"),
                Some(3_600.0),
                some("2026-01-31T05:00:00+00:00")
            )
        );
        assert_eq!(
            interval("@monthly"),
            (
                some("2026-02-28T06:00:00+00:00"),
                Some(2_419_200.0),
                some("2026-01-03T06:00:00+00:00")
            )
        );
        assert_eq!(
            interval("0 */4 * * *"),
            (
                some("2026-01-31T08:00:00+00:00"),
                Some(7_200.0),
                some("2026-01-31T04:00:00+00:00")
            )
        );
        assert_eq!(interval("@once"), (None, None, None));
    }
}
