//! The freshness rule against Mage 0.9.80's own code: `mage_cases.json` was printed by `freshness_cases.py` (beside
//! it) run in Mage's virtualenv (`/tmp/magevenv/bin/python freshness_cases.py`), which calls Mage's
//! `GlobalDataProduct.next_run_at`, `is_outdated_after` and `mage_ai.shared.dates.week_of_month` on each case.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::*;

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn product(outdated_after: &Value, outdated_starting_at: &Value) -> GlobalDataProduct {
    let empty = Map::new();
    GlobalDataProduct {
        uuid: "p".to_owned(),
        object_type: "pipeline".to_owned(),
        object_uuid: "x".to_owned(),
        outdated_after: OutdatedAfter::from_map(outdated_after.as_object().unwrap_or(&empty))
            .unwrap(),
        outdated_starting_at: outdated_starting_at
            .as_object()
            .unwrap_or(&empty)
            .iter()
            .map(|(key, value)| (key.clone(), value.as_i64().unwrap()))
            .collect(),
        blocks: Vec::new(),
    }
}

fn mage_cases() -> Value {
    serde_json::from_str(include_str!("mage_cases.json")).unwrap()
}

#[test]
fn outdated_at_and_outdated_are_mages_for_every_case() {
    let cases = mage_cases();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() > 20);
    for case in cases {
        let product = product(&case["outdated_after"], &case["outdated_starting_at"]);
        let freshness = product.freshness(
            Some(time(case["executed"].as_str().unwrap())),
            time(case["now"].as_str().unwrap()),
        );
        let expected_at = case["outdated_at"].as_str().map(time);
        assert_eq!(freshness.outdated_at, expected_at, "{case}");
        assert_eq!(
            freshness.outdated,
            case["outdated"].as_bool().unwrap(),
            "{case}: {}",
            freshness.reason
        );
    }
}

#[test]
fn week_of_month_counts_weeks_ending_on_saturday_as_mage_does() {
    let cases = mage_cases();
    for case in cases["weeks"].as_array().unwrap() {
        let date = time(&format!("{}T00:00:00Z", case["date"].as_str().unwrap()));
        assert_eq!(
            time_part("week_of_month", date),
            case["week_of_month"].as_i64().unwrap(),
            "{case}"
        );
    }
}

#[test]
fn a_product_without_a_completed_run_is_outdated_and_one_without_outdated_after_never_again() {
    let fresh_forever = product(&serde_json::json!({"hours": 1}), &Value::Null);
    let now = time("2024-03-01T00:00:00Z");
    let never_ran = fresh_forever.freshness(None, now);
    assert!(never_ran.outdated, "{}", never_ran.reason);
    let ran = fresh_forever.freshness(Some(time("2020-01-01T00:00:00Z")), now);
    assert!(!ran.outdated);
    assert!(
        ran.reason.contains("has no outdated at configured"),
        "{}",
        ran.reason
    );
}

#[test]
fn months_and_years_must_be_whole_numbers() {
    let map = serde_json::json!({"months": 1.5});
    assert_eq!(
        OutdatedAfter::from_map(map.as_object().unwrap()),
        Err("`outdated_after.months` must be a whole number, not 1.5".to_owned())
    );
}
