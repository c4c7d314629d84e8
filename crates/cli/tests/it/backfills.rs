//! Backfills under `wand start`: 30 daily dates on a pipeline with `pipeline_run_limit: 2` make 30 runs, never more
//! than two running at once (checked from the runs' recorded start and end times), each block seeing its own
//! execution date and interval; cancelling a backfill mid-way stops its running runs and the rest never start; a
//! retry runs them again.

use std::time::Duration;

use serde_json::{Value, json};

use crate::server::RunningServer;
use crate::support::{Sandbox, path_str};

/// A pipeline of one block that journals what it was given (one file per `ds`), and, when the run's `gate`
/// variable names a named pipe, waits until the test holds that pipe open for writing (as a slow job would): the
/// kernel wakes it, nothing polls.
fn add_probe_pipeline(sandbox: &Sandbox) {
    let folder = sandbox.project.join("pipelines/backfill_probe");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("metadata.yaml"),
        "blocks:\n- language: python\n  name: probe\n  type: custom\n  uuid: backfill_probe\n  upstream_blocks: []\n  \
         downstream_blocks: []\nconcurrency_config:\n  pipeline_run_limit: 2\nname: backfill_probe\ntype: python\n\
         uuid: backfill_probe\nvariables: {}\n",
    )
    .unwrap();
    std::fs::write(
        sandbox.project.join("custom/backfill_probe.py"),
        r#"import json
import os

if 'custom' not in globals():
    from mage_ai.data_preparation.decorators import custom


@custom
def probe(*args, **kwargs):
    record = {
        'run': kwargs['pipeline_run_id'],
        'execution_date': kwargs['execution_date'].isoformat(),
        'interval_start_datetime': kwargs['interval_start_datetime'].isoformat(),
        'interval_end_datetime': kwargs['interval_end_datetime'].isoformat(),
        'trigger_name': kwargs['trigger_name'],
    }
    journal = os.path.join(kwargs['journal'], kwargs['ds'] + '.json')
    with open(journal, 'w') as file:
        json.dump(record, file)
    gate = kwargs.get('gate')
    if gate:
        # Opening a FIFO for reading returns once a writer has it open.
        open(gate).close()
    return record
"#,
    )
    .unwrap();
}

fn backfill(server: &RunningServer, id: i64) -> Value {
    server.get(&format!("/api/v1/backfills/{id}")).1
}

/// Waits until the backfill's status is `status`.
fn wait_for_status(server: &RunningServer, id: i64, status: &str) -> Value {
    server.until(
        Duration::from_secs(180),
        &format!("backfill {id} never got {status}"),
        || {
            let backfill = backfill(server, id);
            (backfill["status"] == status)
                .then(|| backfill.clone())
                .ok_or_else(|| backfill.to_string())
        },
    )
}

/// The most runs running at one moment, from their recorded start and end times.
fn most_at_once(runs: &[Value]) -> usize {
    let mut events: Vec<(String, i32)> = Vec::new();
    for run in runs {
        if let Some(started) = run["started_at"].as_str() {
            let ended = run["completed_at"]
                .as_str()
                .expect("every started run ended");
            events.push((started.to_owned(), 1));
            // At the same instant, an end comes before a start.
            events.push((ended.to_owned(), -1));
        }
    }
    let parse = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap();
    events.sort_by(|a, b| parse(&a.0).cmp(&parse(&b.0)).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0, 0);
    for (_, change) in events {
        now += change;
        most = most.max(now);
    }
    most as usize
}

#[test]
fn a_backfill_of_thirty_days_runs_two_at_a_time_and_a_cancelled_one_stops_the_rest() {
    let sandbox = Sandbox::fixture("mage09");
    add_probe_pipeline(&sandbox);
    let journal = sandbox.path("journal");
    std::fs::create_dir_all(&journal).unwrap();
    let server = RunningServer::start(&sandbox, &[]);

    let (status, preview) = server.get(
        "/api/v1/pipelines/backfill_probe/backfills/preview?start_datetime=2024-01-01T00:00:00Z&end_datetime=2024-01-30T00:00:00Z&interval_type=day&interval_units=1",
    );
    assert_eq!(
        (status, preview.as_array().map(Vec::len)),
        (200, Some(30)),
        "{preview}"
    );

    let body = json!({"name": "january", "start_datetime": "2024-01-01T00:00:00Z",
        "end_datetime": "2024-01-30T00:00:00Z", "interval_type": "day", "interval_units": 1,
        "variables": {"journal": path_str(&journal)}});
    let (status, created) = server.post("/api/v1/pipelines/backfill_probe/backfills", body);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["run_limit"], 2);
    let done = wait_for_status(&server, id, "completed");
    assert_eq!(done["progress"]["completed"], 30, "{done}");

    let (_, runs) = server.get(&format!("/api/v1/backfills/{id}/runs"));
    let runs = runs.as_array().unwrap().clone();
    assert_eq!(runs.len(), 30);
    assert!(
        most_at_once(&runs) <= 2,
        "more than two runs at once: {runs:?}"
    );
    for (day, run) in runs.iter().enumerate() {
        let date =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day as u64);
        let seen: Value = serde_json::from_str(
            &std::fs::read_to_string(journal.join(format!("{date}.json")))
                .expect("the block journaled its date"),
        )
        .unwrap();
        assert_eq!(seen["run"], run["id"]);
        assert_eq!(seen["execution_date"], format!("{date}T00:00:00+00:00"));
        assert_eq!(
            seen["interval_start_datetime"],
            format!("{date}T00:00:00+00:00")
        );
        let next = date + chrono::Days::new(1);
        assert_eq!(
            seen["interval_end_datetime"],
            format!("{next}T00:00:00+00:00")
        );
        assert_eq!(seen["trigger_name"], "Backfill january");
    }

    // Ten more days whose blocks wait on a gate: two start, then the backfill is cancelled.
    let gated = sandbox.path("gated");
    std::fs::create_dir_all(&gated).unwrap();
    let gate = sandbox.path("gate.fifo");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &gate,
        rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
    )
    .unwrap();
    let body = json!({"start_datetime": "2024-02-01", "end_datetime": "2024-02-10", "interval_type": "day",
        "variables": {"journal": path_str(&gated), "gate": path_str(&gate)}});
    let (status, created) = server.post("/api/v1/pipelines/backfill_probe/backfills", body);
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    server.until(
        Duration::from_secs(120),
        "two gated blocks never started",
        || {
            let count = std::fs::read_dir(&gated).unwrap().count();
            (count == 2)
                .then_some(())
                .ok_or_else(|| format!("{count} started"))
        },
    );
    let running = backfill(&server, id);
    assert_eq!(
        (
            running["progress"]["running"].as_i64(),
            running["progress"]["initial"].as_i64()
        ),
        (Some(2), Some(8))
    );
    let (status, cancelled) = server.post(&format!("/api/v1/backfills/{id}/cancel"), json!({}));
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled")),
        "{cancelled}"
    );
    assert_eq!(cancelled["progress"]["cancelled"], 10, "{cancelled}");
    let (_, runs) = server.get(&format!("/api/v1/backfills/{id}/runs"));
    let never_started = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|run| run["started_at"].is_null())
        .count();
    assert_eq!(never_started, 8);

    // A retry with the gate open (held open for writing without blocking, as read and write) runs all ten again,
    // two at a time.
    let _open_gate = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&gate)
        .unwrap();
    let (status, retried) = server.post(&format!("/api/v1/backfills/{id}/retry"), json!({}));
    assert_eq!(status, 200, "{retried}");
    let done = wait_for_status(&server, id, "completed");
    assert_eq!(done["progress"]["completed"], 10, "{done}");
    assert_eq!(std::fs::read_dir(&gated).unwrap().count(), 10);
    let (_, latest) = server.get(&format!("/api/v1/backfills/{id}/runs"));
    assert!(most_at_once(latest.as_array().unwrap()) <= 2);
}
