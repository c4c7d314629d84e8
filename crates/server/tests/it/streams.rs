//! A streaming pipeline's controls (`/pipelines/{uuid}/stream`): start through the `@always_on` trigger, no second
//! consumer (nor through the run-now routes), stop that the trigger respects, restart, and a pipeline that is not
//! streaming. No worker runs here (the fixture's source needs a RabbitMQ): the tests read run records.

use axum::http::{Method, StatusCode};
use scheduler::Event;
use serde_json::{Value, json};
use storage::RunFilter;

use crate::support::TestServer;

const PIPELINE: &str = "rabbit_to_pg";
const STREAM: &str = "/api/v1/pipelines/rabbit_to_pg/stream";

/// The streaming fixture without the pipeline's triggers file.
async fn without_triggers() -> TestServer {
    let server = TestServer::of_fixture("mage_streaming").await;
    let triggers = server
        .root
        .join("pipelines")
        .join(PIPELINE)
        .join("triggers.yaml");
    std::fs::remove_file(triggers).unwrap();
    server
}

/// The streaming fixture without its triggers file, and an active `@always_on` trigger made through the API.
async fn stream_with_trigger() -> (TestServer, i64) {
    let server = without_triggers().await;
    let trigger = add_always_on(&server).await;
    (server, trigger)
}

/// An active `@always_on` trigger of the pipeline, made through the API; its id.
async fn add_always_on(server: &TestServer) -> i64 {
    let (status, trigger) = server
        .call(
            Method::POST,
            &format!("/api/v1/pipelines/{PIPELINE}/triggers"),
            Some(json!({"name": "keep_consuming", "schedule_type": "time",
                "schedule_interval": "@always_on", "status": "active"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trigger}");
    trigger["id"].as_i64().unwrap()
}

async fn act(server: &TestServer, action: &str) -> (StatusCode, Value) {
    server
        .call(Method::POST, STREAM, Some(json!({ "action": action })))
        .await
}

/// Each run of the pipeline as `(id, trigger id, status)`, oldest first.
async fn runs(server: &TestServer) -> Vec<(i64, Option<i64>, String)> {
    let filter = RunFilter {
        pipeline_uuid: Some(PIPELINE.to_owned()),
        ..RunFilter::default()
    };
    let mut runs: Vec<_> = server
        .store
        .runs(filter)
        .await
        .unwrap()
        .into_iter()
        .map(|run| (run.id, run.trigger_id, run.status.as_str().to_owned()))
        .collect();
    runs.reverse();
    runs
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_stream_starts_through_its_always_on_trigger_once_and_stays_stopped_when_stopped() {
    let (server, trigger) = stream_with_trigger().await;
    let (status, state) = server.call(Method::GET, STREAM, None).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(
        state,
        json!({"streaming": true, "running": null, "always_on_trigger_id": trigger, "newest": null})
    );

    let (status, started) = act(&server, "start").await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let run = started["started"].as_i64().unwrap();
    assert_eq!(started["stopped"], json!([]));
    assert_eq!(
        started["stream"]["running"],
        json!({"id": run, "status": "initial"})
    );
    assert_eq!(
        runs(&server).await,
        [(run, Some(trigger), "initial".into())]
    );

    // A second consumer is refused, whichever way it is asked for, naming the run that consumes.
    let named = format!("already running (run {run})");
    for (uri, body) in [
        (STREAM.to_owned(), json!({"action": "start"})),
        (format!("/api/v1/pipelines/{PIPELINE}/runs"), json!({})),
        (format!("/api/v1/triggers/{trigger}/runs"), json!({})),
    ] {
        let (status, refused) = server.call(Method::POST, &uri, Some(body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{uri}: {refused}");
        assert_eq!(refused["error"]["code"], json!("conflict"), "{uri}");
        assert!(message(&refused).contains(&named), "{uri}: {refused}");
    }
    // Mage's API-trigger URL is refused too, before it would activate its inactive trigger.
    let (_, hook) = server
        .call(
            Method::POST,
            &format!("/api/v1/pipelines/{PIPELINE}/triggers"),
            Some(json!({"name": "hook", "schedule_type": "api", "status": "inactive"})),
        )
        .await;
    let url = hook["api_url"].as_str().unwrap_or_else(|| panic!("{hook}"));
    let (status, refused) = server.call(Method::POST, url, Some(json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (_, hook) = server
        .call(
            Method::GET,
            &format!("/api/v1/triggers/{}", hook["id"]),
            None,
        )
        .await;
    assert_eq!(hook["status"], json!("inactive"), "{hook}");
    // Nor does the trigger start a second one.
    server.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(runs(&server).await.len(), 1);

    let (status, stopped) = act(&server, "stop").await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    assert_eq!(
        (&stopped["stopped"], &stopped["started"]),
        (&json!([run]), &Value::Null)
    );
    assert_eq!(stopped["stream"]["running"], Value::Null);
    assert_eq!(
        stopped["stream"]["newest"],
        json!({"id": run, "status": "cancelled"})
    );
    // The trigger leaves a stopped stream stopped.
    server.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(
        runs(&server).await,
        [(run, Some(trigger), "cancelled".into())]
    );

    let (status, refused) = act(&server, "stop").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], json!("invalid_transition"));
    assert!(message(&refused).contains("not running"), "{refused}");

    // Started again, the trigger keeps it up: its run is the trigger's.
    let (status, again) = act(&server, "start").await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let second = again["started"].as_i64().unwrap();
    server.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(
        runs(&server).await,
        [
            (run, Some(trigger), "cancelled".into()),
            (second, Some(trigger), "initial".into())
        ]
    );
}

#[tokio::test]
async fn a_restart_cancels_the_running_run_then_starts_a_new_one() {
    let (server, trigger) = stream_with_trigger().await;
    // Restarting a stopped stream starts it.
    let (status, first) = act(&server, "restart").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["stopped"], json!([]));
    let first = first["started"].as_i64().unwrap();

    let (status, restarted) = act(&server, "restart").await;
    assert_eq!(status, StatusCode::OK, "{restarted}");
    assert_eq!(restarted["stopped"], json!([first]));
    let second = restarted["started"].as_i64().unwrap();
    assert_eq!(
        restarted["stream"]["running"],
        json!({"id": second, "status": "initial"})
    );
    assert_eq!(
        runs(&server).await,
        [
            (first, Some(trigger), "cancelled".into()),
            (second, Some(trigger), "initial".into())
        ]
    );
    // Retrying the stopped run would be a second consumer beside the running one: refused, naming it.
    let (status, refused) = server
        .call(
            Method::POST,
            &format!("/api/v1/runs/{first}/retry"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        message(&refused).contains(&format!("run {second}")),
        "{refused}"
    );

    // The trail says who did what to which run.
    let (_, trail) = server
        .call(
            Method::GET,
            &format!("/api/v1/pipelines/{PIPELINE}/audit"),
            None,
        )
        .await;
    let entries: Vec<(String, String)> = trail["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{trail}"))
        .iter()
        .filter(|entry| entry["object_kind"] == "run")
        .map(|entry| {
            (
                entry["action"].as_str().unwrap().to_owned(),
                entry["detail"]["stream"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert!(
        entries.contains(&("start".to_owned(), "restart".to_owned())),
        "{trail}"
    );
}

#[tokio::test]
async fn a_stream_without_an_always_on_trigger_starts_as_a_manual_run() {
    let server = without_triggers().await;
    let (status, started) = act(&server, "start").await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let run = started["started"].as_i64().unwrap();
    assert_eq!(started["stream"]["always_on_trigger_id"], Value::Null);
    assert_eq!(runs(&server).await, [(run, None, "initial".into())]);
    // An `@always_on` trigger added meanwhile does not start a second consumer beside the manual run.
    add_always_on(&server).await;
    server.scheduler.handle(Event::Tick).await.unwrap();
    let ids: Vec<_> = runs(&server)
        .await
        .into_iter()
        .map(|run| (run.0, run.1))
        .collect();
    assert_eq!(ids, [(run, None)]);
    let (status, stopped) = act(&server, "stop").await;
    assert_eq!(status, StatusCode::OK, "{stopped}");
    assert_eq!(runs(&server).await, [(run, None, "cancelled".into())]);
    // Stopped by hand, it stays stopped, though its trigger never ran it.
    server.scheduler.handle(Event::Tick).await.unwrap();
    assert_eq!(runs(&server).await, [(run, None, "cancelled".into())]);
}

#[tokio::test]
async fn a_pipeline_that_is_not_streaming_has_no_stream_to_control() {
    let server = TestServer::new().await;
    let uri = "/api/v1/pipelines/example_pipeline/stream";
    let (status, state) = server.call(Method::GET, uri, None).await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["streaming"], json!(false));
    for action in ["start", "stop", "restart"] {
        let (status, refused) = server
            .call(Method::POST, uri, Some(json!({ "action": action })))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{action}: {refused}"
        );
        assert!(
            message(&refused).contains("not a streaming pipeline"),
            "{refused}"
        );
    }
    let (status, refused) = server
        .call(Method::POST, uri, Some(json!({"action": "pause"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, missing) = server
        .call(Method::GET, "/api/v1/pipelines/nope/stream", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    // Its runs now are not limited.
    for _ in 0..2 {
        let (status, run) = server.run_now("example_pipeline").await;
        assert_eq!(status, StatusCode::CREATED, "{run}");
    }
}
