//! Mage's global data products: a pipeline whose block outputs other pipelines consume, run again only once its
//! data is outdated. The freshness rule is Mage 0.9.80's (`GlobalDataProduct.is_outdated`, `next_run_at`,
//! `is_outdated_after`); this module only decides, it reads no file and no run history.

use chrono::{DateTime, Datelike, Duration, Months, Timelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The keys of `outdated_after` Mage 0.9.80 counts (`get_outdated_at_delta` extracts only these four).
pub const OUTDATED_AFTER_KEYS: [&str; 4] = ["months", "seconds", "weeks", "years"];

/// The keys of `outdated_starting_at` Mage 0.9.80 checks, each a part of the current UTC time.
pub const OUTDATED_STARTING_AT_KEYS: [&str; 9] = [
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "hour_of_day",
    "minute_of_hour",
    "month_of_year",
    "second_of_minute",
    "week_of_month",
    "week_of_year",
];

/// One entry of `global_data_products.yaml`, as checked by the loader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalDataProduct {
    pub uuid: String,
    /// `pipeline` (Mage's other type, `block`, is refused by the loader: Mage itself gives it no outputs).
    pub object_type: String,
    /// The pipeline that makes the product.
    pub object_uuid: String,
    /// None: never outdated once made (Mage without `outdated_after`, or with a delta of zero).
    pub outdated_after: Option<OutdatedAfter>,
    /// Parts of the current time (`hour_of_day: 6`...) that must all be reached before outdated data is made again.
    pub outdated_starting_at: Vec<(String, i64)>,
    /// The product's blocks whose outputs consumers get, in the file's order, each with its `partitions`: how
    /// many of the newest completed runs to take the outputs of (Mage's default 1; 0 or less: every run).
    pub blocks: Vec<ProductBlock>,
}

/// A block of the product's pipeline whose outputs are handed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductBlock {
    pub uuid: String,
    pub partitions: i64,
}

/// How long the product's data stays fresh after a run's execution date (Mage's `relativedelta`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct OutdatedAfter {
    pub years: i64,
    pub months: i64,
    pub weeks: f64,
    pub seconds: f64,
}

/// Whether a product must run again, and why (the reason is what the block's log says).
#[derive(Debug, Clone, PartialEq)]
pub struct Freshness {
    pub outdated: bool,
    /// When the newest completed run's data is outdated; none without a completed run or an `outdated_after`.
    pub outdated_at: Option<DateTime<Utc>>,
    pub reason: String,
}

impl OutdatedAfter {
    /// Reads Mage's `outdated_after` mapping: only its four keys count; `None` when none of them is set or all are
    /// zero (a `relativedelta` of zeros is false to Mage), which means the data never becomes outdated once made.
    /// Other keys are the loader's warning, not this one's.
    pub fn from_map(map: &Map<String, Value>) -> Result<Option<OutdatedAfter>, String> {
        let mut delta = OutdatedAfter::default();
        let mut any = false;
        for key in OUTDATED_AFTER_KEYS {
            let Some(value) = map.get(key) else { continue };
            if value.is_null() {
                continue;
            }
            any = true;
            match key {
                "years" | "months" => {
                    let whole = value.as_i64().ok_or_else(|| {
                        format!("`outdated_after.{key}` must be a whole number, not {value}")
                    })?;
                    if key == "years" {
                        delta.years = whole;
                    } else {
                        delta.months = whole;
                    }
                }
                _ => {
                    let number = value.as_f64().ok_or_else(|| {
                        format!("`outdated_after.{key}` must be a number, not {value}")
                    })?;
                    if key == "weeks" {
                        delta.weeks = number;
                    } else {
                        delta.seconds = number;
                    }
                }
            }
        }
        Ok((any && delta != OutdatedAfter::default()).then_some(delta))
    }

    /// `date` moved on by this delta: years and months first on the calendar (the day kept, or the month's last
    /// day), then weeks and seconds, as `relativedelta` adds.
    pub fn after(&self, date: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let months = self.years.checked_mul(12)?.checked_add(self.months)?;
        let moved = if months >= 0 {
            date.checked_add_months(Months::new(u32::try_from(months).ok()?))?
        } else {
            date.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
        };
        let micros = (self.weeks * 7.0 * 86_400.0 + self.seconds) * 1_000_000.0;
        if !micros.is_finite() || micros.abs() > 1e17 {
            return None;
        }
        moved.checked_add_signed(Duration::microseconds(micros.round() as i64))
    }
}

impl GlobalDataProduct {
    /// Mage's decision for a consumer block at `now`, given the execution date of the product's newest completed
    /// run: no completed run → run it; else outdated only once `outdated_after` has passed since that date AND every
    /// `outdated_starting_at` part of `now` has reached its value; no `outdated_after` → never outdated again.
    pub fn freshness(
        &self,
        last_completed: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Freshness {
        let Some(last) = last_completed else {
            return Freshness {
                outdated: true,
                outdated_at: None,
                reason: format!(
                    "Global data product {} has no completed run yet.",
                    self.uuid
                ),
            };
        };
        let Some(outdated_at) = self.outdated_after.and_then(|delta| delta.after(last)) else {
            return Freshness {
                outdated: false,
                outdated_at: None,
                reason: format!(
                    "Global data product {} has no outdated at configured. You must configure when the global \
                     data product is outdated at in order for it to run.",
                    self.uuid
                ),
            };
        };
        let passed = now >= outdated_at;
        let parts = self.starting_at_parts(now);
        let reached = parts.iter().all(|(_, value, current)| current >= value);
        let reason = if !passed {
            format!(
                "Global data product {} is up-to-date: most recent run executed at {}. Will be outdated after {} \
                 in {} seconds.",
                self.uuid,
                last.to_rfc3339(),
                outdated_at.to_rfc3339(),
                (outdated_at - now).num_seconds()
            )
        } else if !reached {
            let shown: Vec<String> = parts
                .iter()
                .map(|(key, value, current)| {
                    format!("{}: {value} (currently {current})", key.replace('_', " "))
                })
                .collect();
            format!(
                "Global data product {} is not yet outdated. It'll be outdated after a specific moment in time - {}",
                self.uuid,
                shown.join(", ")
            )
        } else {
            format!("Global data product {} is outdated.", self.uuid)
        };
        Freshness {
            outdated: passed && reached,
            outdated_at: Some(outdated_at),
            reason,
        }
    }

    /// Each `outdated_starting_at` part: (key, the value to reach, `now`'s).
    fn starting_at_parts(&self, now: DateTime<Utc>) -> Vec<(String, i64, i64)> {
        self.outdated_starting_at
            .iter()
            .map(|(key, value)| (key.clone(), *value, time_part(key, now)))
            .collect()
    }
}

/// A part of `now` as Mage extracts it: `day_of_week` counts from Sunday = 0, `week_of_month` from weeks that end
/// on Saturdays (the first may be short), `week_of_year` is the ISO week.
pub fn time_part(key: &str, now: DateTime<Utc>) -> i64 {
    let value = match key {
        "day_of_month" => now.day(),
        "day_of_week" => now.weekday().num_days_from_sunday(),
        "day_of_year" => now.ordinal(),
        "hour_of_day" => now.hour(),
        "minute_of_hour" => now.minute(),
        "month_of_year" => now.month(),
        "second_of_minute" => now.second(),
        "week_of_month" => {
            let first = now.with_day(1).unwrap_or(now);
            // The last day of the first week: the first Saturday.
            let first_week_last_day = 7 - first.weekday().num_days_from_sunday();
            if now.day() <= first_week_last_day {
                1
            } else {
                2 + (now.day() - first_week_last_day - 1) / 7
            }
        }
        "week_of_year" => now.iso_week().week(),
        _ => 0,
    };
    i64::from(value)
}

#[cfg(test)]
mod tests;
