//! Triggers follow their pipeline (issue 9, finding 4): a rename keeps them (same id, same token, the same Mage URL
//! works), a delete takes them along, and a folder removed by hand leaves no trigger behind.

use axum::http::{Method, StatusCode};
use scheduler::Event;
use serde_json::json;

use crate::support::TestServer;

async fn api_trigger(server: &TestServer, pipeline: &str) -> (i64, String) {
    let (status, trigger) = server
        .call(
            Method::POST,
            &format!("/api/v1/pipelines/{pipeline}/triggers"),
            Some(json!({"name": "webhook", "schedule_type": "api", "status": "active"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trigger}");
    let token = trigger["token"]
        .as_str()
        .expect("an API trigger has a token");
    (trigger["id"].as_i64().unwrap(), token.to_owned())
}

#[tokio::test]
async fn a_renamed_pipeline_keeps_its_triggers_and_their_urls() {
    let server = TestServer::new().await;
    let (id, token) = api_trigger(&server, "example_pipeline").await;
    let (status, renamed) = server
        .call(
            Method::PUT,
            "/api/v1/pipelines/example_pipeline",
            Some(json!({"name": "Renamed pipeline"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["uuid"], json!("renamed_pipeline"));
    // The scheduler's next pass over triggers.yaml must not make a second trigger from the moved file.
    server.scheduler.handle(Event::Tick).await.unwrap();
    let (_, all) = server.call(Method::GET, "/api/v1/triggers", None).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (&all[0]["id"], &all[0]["token"], &all[0]["pipeline_uuid"]),
        (&json!(id), &json!(token), &json!("renamed_pipeline"))
    );
    let url = format!("/api/pipeline_schedules/{id}/pipeline_runs/{token}");
    let (status, created) = server.call(Method::POST, &url, Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(
        created["pipeline_run"]["pipeline_uuid"],
        json!("renamed_pipeline")
    );
}

#[tokio::test]
async fn a_deleted_pipeline_takes_its_triggers_along() {
    let server = TestServer::new().await;
    let (id, token) = api_trigger(&server, "example_pipeline").await;
    let (status, _) = server
        .call(Method::DELETE, "/api/v1/pipelines/example_pipeline", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, all) = server.call(Method::GET, "/api/v1/triggers", None).await;
    assert_eq!(all, json!([]));
    let (status, _) = server
        .call(Method::DELETE, &format!("/api/v1/triggers/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let url = format!("/api/pipeline_schedules/{id}/pipeline_runs/{token}");
    let (status, _) = server.call(Method::POST, &url, Some(json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_pipeline_folder_removed_by_hand_leaves_no_trigger_behind() {
    let server = TestServer::new().await;
    let (id, _) = api_trigger(&server, "example_pipeline").await;
    std::fs::remove_dir_all(server.root.join("pipelines/example_pipeline")).unwrap();
    server.scheduler.handle(Event::Tick).await.unwrap();
    assert!(server.store.trigger(id).await.unwrap().is_none());
}

#[tokio::test]
async fn deleting_a_trigger_answers_204_once_then_404() {
    let server = TestServer::new().await;
    let (id, _) = api_trigger(&server, "example_pipeline").await;
    let path = format!("/api/v1/triggers/{id}");
    assert_eq!(
        server.call(Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.call(Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
}
