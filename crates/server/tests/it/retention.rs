//! Retention through the API: deleting runs (refused while one is going), the disk used by outputs and logs with
//! the periods in force, and the `pruned` (410) answer for outputs and logs a retention cleanup deleted.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use scheduler::retention::{CleanupRequest, clean};
use serde_json::json;
use storage::Prunable;

use crate::support::TestServer;

const BLOCK: &str = "load_example_data";

/// A run of the example pipeline, cancelled, whose first block left an output (`bytes` long) and a log.
async fn finished_run_with_files(server: &TestServer, bytes: usize) -> i64 {
    let (status, run) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let id = run["id"].as_i64().unwrap();
    let folder = server.data_dir.join(format!("runs/example_pipeline/{id}"));
    std::fs::create_dir_all(folder.join(BLOCK)).unwrap();
    std::fs::create_dir_all(folder.join("logs")).unwrap();
    std::fs::write(folder.join(BLOCK).join("output_0.json"), "7".repeat(bytes)).unwrap();
    std::fs::write(
        folder.join("logs").join(format!("{BLOCK}.log")),
        "2026-01-01T00:00:00.000Z stdout hello\n",
    )
    .unwrap();
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/v1/runs/{id}/cancel"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    id
}

#[tokio::test]
async fn a_running_run_is_not_deleted_and_a_finished_one_goes_with_its_files() {
    let server = TestServer::new().await;
    let (_, run) = server.run_now("example_pipeline").await;
    let running = run["id"].as_i64().unwrap();
    let (status, error) = server
        .call(Method::DELETE, &format!("/api/v1/runs/{running}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(
        error["error"]["message"],
        json!(format!(
            "run {running} of `example_pipeline` is still going (initial): cancel it first, then delete it"
        ))
    );

    let id = finished_run_with_files(&server, 10).await;
    let folder = server.data_dir.join(format!("runs/example_pipeline/{id}"));
    let (status, deleted) = server
        .call(Method::DELETE, &format!("/api/v1/runs/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["deleted"], json!([id]));
    assert_eq!(deleted["files"], json!(2));
    assert!(!folder.exists());
    let (status, _) = server
        .call(Method::GET, &format!("/api/v1/runs/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/v1/runs/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, trail) = server
        .call(Method::GET, &format!("/api/v1/runs/{id}/audit"), None)
        .await;
    assert!(
        trail.to_string().contains("\"delete\""),
        "the deletion is in the audit trail: {trail}"
    );
}

#[tokio::test]
async fn runs_are_deleted_in_bulk_by_ids_or_by_pipeline_and_age() {
    let server = TestServer::new().await;
    let first = finished_run_with_files(&server, 1).await;
    let second = finished_run_with_files(&server, 1).await;
    let (_, run) = server.run_now("example_pipeline").await;
    let running = run["id"].as_i64().unwrap();

    let (status, error) = server
        .call(
            Method::POST,
            "/api/v1/runs/delete",
            Some(json!({"ids": [first, running]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    let (status, error) = server
        .call(
            Method::POST,
            "/api/v1/runs/delete",
            Some(json!({"pipeline": "example_pipeline"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, error) = server
        .call(
            Method::POST,
            "/api/v1/runs/delete",
            Some(json!({"pipeline": "example_pipeline", "older_than": "a while"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    let (status, deleted) = server
        .call(
            Method::POST,
            "/api/v1/runs/delete",
            Some(json!({"ids": [first]})),
        )
        .await;
    assert_eq!(
        (status, deleted["deleted"].clone()),
        (StatusCode::OK, json!([first]))
    );
    // Nothing ended a day ago; everything finished ended before now (a 0-hour age): the running run stays.
    let (_, none) = server
        .call(
            Method::POST,
            "/api/v1/runs/delete",
            Some(json!({"pipeline": "example_pipeline", "older_than": "1d"})),
        )
        .await;
    assert_eq!(none["deleted"], json!([]));
    let (status, deleted) = server
        .call(
            Method::POST,
            "/api/v1/runs/delete",
            Some(json!({"pipeline": "example_pipeline", "older_than": "0h"})),
        )
        .await;
    assert_eq!(
        (status, deleted["deleted"].clone()),
        (StatusCode::OK, json!([second]))
    );
    let (_, page) = server.call(Method::GET, "/api/v1/runs", None).await;
    assert_eq!(page["runs"].as_array().unwrap().len(), 1);
    assert_eq!(page["runs"][0]["id"], json!(running));
}

#[tokio::test]
async fn disk_usage_is_measured_per_pipeline_with_the_periods_in_force() {
    let server = TestServer::new().await;
    let (_, empty) = server.call(Method::GET, "/api/v1/disk_usage", None).await;
    assert_eq!(
        empty,
        json!({"outputs_retention": "90d", "logs_retention": "15d", "retention_error": null,
               "output_bytes": 0, "log_bytes": 0, "pipelines": []})
    );
    finished_run_with_files(&server, 1000).await;
    finished_run_with_files(&server, 500).await;
    let log_bytes = "2026-01-01T00:00:00.000Z stdout hello\n".len() as u64 * 2;
    let (status, usage) = server.call(Method::GET, "/api/v1/disk_usage", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        usage,
        json!({"outputs_retention": "90d", "logs_retention": "15d", "retention_error": null,
               "output_bytes": 1500, "log_bytes": log_bytes,
               "pipelines": [{"pipeline_uuid": "example_pipeline", "runs": 2, "output_bytes": 1500,
                              "log_bytes": log_bytes}]})
    );

    std::fs::write(
        server.root.join("metadata.yaml"),
        "variables_retention_period: soon\n",
    )
    .unwrap();
    let (_, usage) = server.call(Method::GET, "/api/v1/disk_usage", None).await;
    assert!(
        usage["retention_error"]
            .as_str()
            .unwrap()
            .contains("`variables_retention_period`: `soon` is not a retention period"),
        "{usage}"
    );
}

#[tokio::test]
async fn pruned_outputs_and_logs_answer_gone_with_when_and_by_which_period() {
    let server = TestServer::new().await;
    let id = finished_run_with_files(&server, 3).await;
    let output = server
        .data_dir
        .join(format!("runs/example_pipeline/{id}/{BLOCK}/output_0.json"));
    let now = Utc::now() + Duration::minutes(1);
    let request = |what| CleanupRequest {
        what,
        period: model::RetentionPeriod::parse("0h").unwrap(),
        pipeline_uuid: None,
        now,
    };
    let removed = clean(
        server.store.as_ref(),
        &server.data_dir,
        &request(Prunable::Outputs),
    )
    .await
    .unwrap();
    assert_eq!((removed.runs, removed.files, removed.bytes), (1, 1, 3));
    assert!(!output.exists());

    let (status, run) = server
        .call(Method::GET, &format!("/api/v1/runs/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(run["outputs_pruned_by"], json!("0h"));
    assert!(run["outputs_pruned_at"].is_string(), "{run}");
    assert_eq!(run["logs_pruned_at"], json!(null));
    let (status, error) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{id}/outputs/{BLOCK}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::GONE, "{error}");
    assert_eq!(error["error"]["code"], json!("pruned"));
    let day = now.format("%Y-%m-%d %H:%M UTC").to_string();
    assert_eq!(
        error["error"]["message"],
        json!(format!(
            "the block outputs of run {id} were pruned on {day} by the retention period (0h); the run record stays"
        ))
    );
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{id}/logs/{BLOCK}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the logs have their own period");
    let (status, error) = server
        .call(
            Method::POST,
            &format!("/api/v1/runs/{id}/retry"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("a retry would have no inputs for its blocks; start a new run instead"),
        "{error}"
    );

    clean(
        server.store.as_ref(),
        &server.data_dir,
        &request(Prunable::Logs),
    )
    .await
    .unwrap();
    let (status, error) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{id}/logs/{BLOCK}"),
            None,
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].clone()),
        (StatusCode::GONE, json!("pruned"))
    );
    assert!(
        !server
            .data_dir
            .join(format!("runs/example_pipeline/{id}"))
            .exists()
    );
    // Still listed.
    let (_, page) = server.call(Method::GET, "/api/v1/runs", None).await;
    assert_eq!(page["runs"][0]["id"], json!(id));
}
