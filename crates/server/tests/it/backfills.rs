//! The backfill routes: preview, create (with progress), the backfill's runs, cancel, retry, delete, and what bad
//! input gets.

use axum::http::{Method, StatusCode};
use scheduler::Event;
use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn preview_then_create_cancel_retry_and_delete_a_backfill() {
    let server = TestServer::new().await;
    let (status, preview) = server
        .call(
            Method::GET,
            "/api/v1/pipelines/example_pipeline/backfills/preview?start_datetime=2024-01-30&end_datetime=2024-02-01T00:00:00Z&interval_type=day&interval_units=1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let dates: Vec<&str> = preview
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["variables"]["execution_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2024-01-30T00:00:00+00:00",
            "2024-01-31T00:00:00+00:00",
            "2024-02-01T00:00:00+00:00"
        ]
    );
    assert_eq!(
        preview[2]["variables"]["interval_end_datetime"],
        "2024-02-02T00:00:00+00:00"
    );

    let body = json!({"name": "winter", "start_datetime": "2024-01-30", "end_datetime": "2024-02-01",
        "interval_type": "day", "variables": {"region": "eu"}});
    let (status, created) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/backfills",
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "initial");
    assert_eq!(
        created["progress"],
        json!({"total": 3, "initial": 3, "running": 0, "completed": 0, "failed": 0, "cancelled": 0})
    );
    let id = created["id"].as_i64().unwrap();

    let (_, runs) = server
        .call(Method::GET, &format!("/api/v1/backfills/{id}/runs"), None)
        .await;
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|run| run["backfill_id"] == id));
    assert_eq!(runs[1]["variables"]["ds"], "2024-01-31");
    assert_eq!(runs[1]["variables"]["region"], "eu");

    // The example pipeline has no run limit: every run starts.
    server.scheduler.handle(Event::Tick).await.unwrap();
    let (_, detail) = server
        .call(Method::GET, &format!("/api/v1/backfills/{id}"), None)
        .await;
    assert_eq!(
        (
            detail["status"].as_str(),
            detail["progress"]["running"].as_i64()
        ),
        (Some("running"), Some(3))
    );
    let (_, listed) = server
        .call(
            Method::GET,
            "/api/v1/pipelines/example_pipeline/backfills",
            None,
        )
        .await;
    assert_eq!(listed[0]["id"], id);

    let (status, refused) = server
        .call(Method::DELETE, &format!("/api/v1/backfills/{id}"), None)
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_transition"))
    );
    let (status, cancelled) = server
        .call(
            Method::POST,
            &format!("/api/v1/backfills/{id}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["progress"]["cancelled"].as_i64()
        ),
        (Some("cancelled"), Some(3))
    );
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/backfills/{id}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, retried) = server
        .call(
            Method::POST,
            &format!("/api/v1/backfills/{id}/retry"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(
        (
            retried["status"].as_str(),
            retried["progress"]["initial"].as_i64()
        ),
        (Some("initial"), Some(3))
    );
    let (_, all) = server
        .call(
            Method::GET,
            &format!("/api/v1/backfills/{id}/runs?all=true"),
            None,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 6);

    server
        .call(
            Method::POST,
            &format!("/api/v1/backfills/{id}/cancel"),
            Some(json!({})),
        )
        .await;
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/v1/backfills/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .call(Method::GET, &format!("/api/v1/backfills/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let run = all[0]["id"].as_i64().unwrap();
    let (_, kept) = server
        .call(Method::GET, &format!("/api/v1/runs/{run}"), None)
        .await;
    assert_eq!(
        (kept["id"].as_i64(), &kept["backfill_id"]),
        (Some(run), &json!(null))
    );

    let (_, trail) = server.call(Method::GET, "/api/v1/audit", None).await;
    let actions: Vec<String> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["object_kind"] == "backfill")
        .map(|entry| {
            format!(
                "{} {}",
                entry["action"].as_str().unwrap(),
                entry["object_id"].as_str().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            format!("delete {id}"),
            format!("cancel {id}"),
            format!("retry {id}"),
            format!("cancel {id}"),
            format!("create {id}")
        ]
    );
}

#[tokio::test]
async fn variable_sets_make_one_run_each() {
    let server = TestServer::new().await;
    let body = json!({"variable_sets": [{"region": "us"}, {"region": "eu", "execution_date": "2024-05-01T00:00:00Z"}]});
    let (status, created) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/backfills",
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["variable_sets"][1]["region"], "eu");
    let (_, runs) = server
        .call(
            Method::GET,
            &format!("/api/v1/backfills/{}/runs", created["id"]),
            None,
        )
        .await;
    assert_eq!(runs[1]["execution_date"], "2024-05-01T00:00:00Z");
    assert_eq!(runs[0]["variables"], json!({"region": "us"}));
}

#[tokio::test]
async fn bad_backfills_get_a_clear_error() {
    let server = TestServer::new().await;
    let create = |body| {
        server.call(
            Method::POST,
            "/api/v1/pipelines/example_pipeline/backfills",
            Some(body),
        )
    };
    for (body, words) in [
        (
            json!({"start_datetime": "2024-01-02", "end_datetime": "2024-01-01", "interval_type": "day"}),
            "before",
        ),
        (
            json!({"start_datetime": "soon", "end_datetime": "2024-01-01", "interval_type": "day"}),
            "not a time",
        ),
        (
            json!({"start_datetime": "2024-01-01", "end_datetime": "2024-01-02"}),
            "interval_type",
        ),
        (
            json!({"start_datetime": "2024-01-01", "end_datetime": "2024-01-02", "interval_type": "day", "interval_units": 0}),
            "at least 1",
        ),
        (
            json!({"start_datetime": "2024-01-01", "interval_type": "day", "variable_sets": [{}]}),
            "not both",
        ),
        (json!({"variable_sets": []}), "empty"),
        (
            json!({"start_datetime": "2024-01-01", "end_datetime": "2025-01-01", "interval_type": "second"}),
            "more than",
        ),
    ] {
        let (status, answer) = create(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{body}: {message}");
    }
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/nope/backfills",
            Some(json!({"variable_sets": [{}]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .call(Method::POST, "/api/v1/backfills/42/retry", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(server.store.backfills(None).await.unwrap().is_empty());
}
