//! The backfill planner against Mage 0.9.80's own code: `mage_cases.json` was printed by `mage_cases.py` (beside it)
//! run in Mage's virtualenv (`/root/.cache/mage-oracle/venv/bin/python mage_cases.py 2>/dev/null | sed -n '/^{/,$p'
//! > mage_cases.json`), which calls Mage's `preview_run_dates` on each case.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::*;

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn range(case: &Value) -> BackfillRange {
    BackfillRange::Dates {
        start: time(case["start_datetime"].as_str().unwrap()),
        end: time(case["end_datetime"].as_str().unwrap()),
        interval_type: IntervalType::parse(case["interval_type"].as_str().unwrap()).unwrap(),
        units: case["interval_units"].as_u64().unwrap() as u32,
    }
}

#[test]
fn date_ranges_plan_mages_runs_and_variables_for_every_case() {
    let cases: Value = serde_json::from_str(include_str!("mage_cases.json")).unwrap();
    let now = Utc::now();
    for case in cases["cases"].as_array().unwrap() {
        let expected = case["runs"].as_array().unwrap();
        let planned = match range(case).plan(&Map::new(), now) {
            Ok(planned) => planned,
            Err(BackfillError::EndBeforeStart { .. }) if expected.is_empty() => continue,
            Err(error) => panic!("{case}: {error}"),
        };
        let got: Vec<Value> = planned
            .iter()
            .map(|run| Value::Object(run.variables.clone()))
            .collect();
        assert_eq!(&got, expected, "{case}");
        for (run, mage) in planned.iter().zip(expected) {
            assert_eq!(
                python_iso(run.execution_date),
                mage["execution_date"].as_str().unwrap()
            );
            let interval = run.interval.unwrap();
            assert_eq!(interval.start, run.execution_date);
            assert_eq!(
                interval.end.map(python_iso),
                mage["interval_end_datetime"].as_str().map(str::to_owned)
            );
            assert_eq!(interval.seconds, mage["interval_seconds"].as_f64());
            assert_eq!(
                interval.start_previous.map(python_iso),
                mage["interval_start_datetime_previous"]
                    .as_str()
                    .map(str::to_owned)
            );
        }
    }
}

#[test]
fn backfill_variables_apply_to_every_run_under_the_dates() {
    let range = BackfillRange::Dates {
        start: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0).unwrap(),
        interval_type: IntervalType::Day,
        units: 1,
    };
    let variables = json!({"region": "eu", "ds": "overridden"})
        .as_object()
        .unwrap()
        .clone();
    let runs = range.plan(&variables, Utc::now()).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1].variables["region"], "eu");
    assert_eq!(runs[1].variables["ds"], "2024-01-02");
}

#[test]
fn variable_sets_give_one_run_each_over_the_backfill_variables() {
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    let sets = vec![
        json!({"region": "us"}).as_object().unwrap().clone(),
        json!({"region": "eu", "execution_date": "2024-02-03T04:05:06+01:00"})
            .as_object()
            .unwrap()
            .clone(),
    ];
    let variables = json!({"region": "all", "mode": "full"})
        .as_object()
        .unwrap()
        .clone();
    let runs = BackfillRange::VariableSets(sets)
        .plan(&variables, now)
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].execution_date, now);
    assert_eq!(
        Value::Object(runs[0].variables.clone()),
        json!({"region": "us", "mode": "full"})
    );
    assert_eq!(runs[1].execution_date, time("2024-02-03T03:05:06Z"));
    assert_eq!(runs[1].variables["region"], "eu");
    assert!(runs.iter().all(|run| run.interval.is_none()));
}

#[test]
fn bad_definitions_are_refused_with_a_reason() {
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let dates = |end, interval_type, units| {
        BackfillRange::Dates {
            start,
            end,
            interval_type,
            units,
        }
        .plan(&Map::new(), start)
    };
    assert_eq!(
        dates(start, IntervalType::Day, 0),
        Err(BackfillError::NoUnits)
    );
    assert!(matches!(
        dates(start - chrono::Duration::days(1), IntervalType::Day, 1),
        Err(BackfillError::EndBeforeStart { .. })
    ));
    assert_eq!(
        dates(start + chrono::Duration::days(365), IntervalType::Second, 1),
        Err(BackfillError::TooManyRuns)
    );
    assert_eq!(
        BackfillRange::VariableSets(Vec::new()).plan(&Map::new(), start),
        Err(BackfillError::NoVariableSets)
    );
    let bad = vec![
        json!({"execution_date": "yesterday"})
            .as_object()
            .unwrap()
            .clone(),
    ];
    assert!(matches!(
        BackfillRange::VariableSets(bad).plan(&Map::new(), start),
        Err(BackfillError::BadExecutionDate { index: 0, .. })
    ));
}
