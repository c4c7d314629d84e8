//! Mage's retention periods (`variables_retention_period`, `logging_config.retention_period`): a whole number
//! followed by `h`, `d` or `w` (`90d`), as Mage's `str_to_timedelta` reads them. Pure parsing; the cleanup itself
//! lives in `scheduler::retention`.

use std::fmt;

/// How long block outputs or logs are kept after their run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPeriod {
    amount: u32,
    unit: PeriodUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeriodUnit {
    Hours,
    Days,
    Weeks,
}

/// A period Mage would not read either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a retention period: write a whole number followed by h (hours), d (days) or w (weeks), like 90d"
)]
pub struct InvalidPeriod {
    pub text: String,
}

impl RetentionPeriod {
    /// Reads `90d`, `12h` or `2w` (surrounding spaces allowed).
    pub fn parse(text: &str) -> Result<RetentionPeriod, InvalidPeriod> {
        let invalid = || InvalidPeriod {
            text: text.to_owned(),
        };
        let trimmed = text.trim();
        let (number, unit) = trimmed.split_at(trimmed.len().saturating_sub(1));
        let unit = match unit {
            "h" => PeriodUnit::Hours,
            "d" => PeriodUnit::Days,
            "w" => PeriodUnit::Weeks,
            _ => return Err(invalid()),
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let amount = number.parse().map_err(|_| invalid())?;
        Ok(RetentionPeriod { amount, unit })
    }

    /// The period as a duration.
    pub fn duration(self) -> chrono::Duration {
        let amount = i64::from(self.amount);
        match self.unit {
            PeriodUnit::Hours => chrono::Duration::hours(amount),
            PeriodUnit::Days => chrono::Duration::days(amount),
            PeriodUnit::Weeks => chrono::Duration::weeks(amount),
        }
    }
}

/// As written in `metadata.yaml` (`90d`).
impl fmt::Display for RetentionPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            PeriodUnit::Hours => 'h',
            PeriodUnit::Days => 'd',
            PeriodUnit::Weeks => 'w',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<(&str, i64)>) {
        let got = RetentionPeriod::parse(text)
            .ok()
            .map(|period| (period.to_string(), period.duration().num_hours()));
        let expected = expected.map(|(shown, hours)| (shown.to_owned(), hours));
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn periods_read_as_mage_reads_them() {
        check("90d", Some(("90d", 90 * 24)));
        check("12h", Some(("12h", 12)));
        check("2w", Some(("2w", 14 * 24)));
        check(" 15d ", Some(("15d", 15 * 24)));
        check("0d", Some(("0d", 0)));
        check("90", None);
        check("d", None);
        check("90m", None);
        check("-1d", None);
        check("1.5d", None);
        check("", None);
    }

    #[test]
    fn the_error_says_what_to_write() {
        let error = RetentionPeriod::parse("3 months").unwrap_err();
        assert!(error.to_string().contains("like 90d"), "{error}");
    }
}
