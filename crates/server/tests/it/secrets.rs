//! Secrets through the API: set (create or replace), listed with who changed them and when, deleted; no answer holds
//! a value. Answers that carry what blocks produced (block-run errors, log pages, output previews) hide the values.

use axum::http::{Method, StatusCode};
use model::BlockRunEvent;
use serde_json::{Value, json};
use storage::BlockRunChange;

use crate::support::TestServer;

const VALUE: &str = "hunter2-correct-horse";

#[tokio::test]
async fn secrets_are_set_listed_and_deleted_without_their_values() {
    let server = TestServer::new().await;
    let (status, listed) = server.call(Method::GET, "/api/v1/secrets", None).await;
    assert_eq!(
        (status, listed),
        (
            StatusCode::OK,
            json!({"secrets": [], "min_masked_chars": 5})
        )
    );

    let (status, set) = server
        .call(
            Method::PUT,
            "/api/v1/secrets/pg_password",
            Some(json!({"value": VALUE})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["name"], "pg_password");
    // The server is open (no user yet): nobody to name.
    assert_eq!(set["updated_by"], Value::Null);
    assert_eq!(set["created_at"], set["updated_at"]);
    assert_eq!(server.secrets.value("pg_password").await.unwrap(), VALUE);

    let (status, replaced) = server
        .call(
            Method::PUT,
            "/api/v1/secrets/pg_password",
            Some(json!({"value": "another-value"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["created_at"], set["created_at"]);
    assert_eq!(
        server.secrets.value("pg_password").await.unwrap(),
        "another-value"
    );
    let (_, listed) = server.call(Method::GET, "/api/v1/secrets", None).await;
    assert_eq!(listed["secrets"].as_array().unwrap().len(), 1);
    assert_eq!(listed["secrets"][0]["name"], "pg_password");
    for answer in [&set, &replaced, &listed] {
        let text = answer.to_string();
        assert!(
            !text.contains(VALUE) && !text.contains("another-value"),
            "{text}"
        );
    }

    for (uri, body, expected) in [
        (
            "/api/v1/secrets/bad%20name",
            json!({"value": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/secrets/empty",
            json!({"value": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/secrets/extra",
            json!({"value": "x", "name": "y"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, answer) = server.call(Method::PUT, uri, Some(body)).await;
        assert_eq!(status, expected, "{uri}: {answer}");
    }

    let (status, _) = server
        .call(Method::DELETE, "/api/v1/secrets/pg_password", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, answer) = server
        .call(Method::DELETE, "/api/v1/secrets/pg_password", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    assert_eq!(
        answer["error"]["message"],
        "there is no secret `pg_password`"
    );
}

#[tokio::test]
async fn answers_with_block_output_hide_secret_values() {
    let server = TestServer::new().await;
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/v1/secrets/api_token",
            Some(json!({"value": VALUE})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, run) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run_id = run["id"].as_i64().unwrap();

    // A block run as a worker that did not know the secret would have left it: the value in its log, its error and
    // its output.
    let block = "load_example_data";
    let log = server
        .data_dir
        .join(runtime::log_key("example_pipeline", run_id, block));
    let folder = log.parent().unwrap().to_owned();
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        &log,
        format!("2026-01-01T00:00:00.000Z stdout the token is {VALUE}\n"),
    )
    .unwrap();
    let output = folder.join("output_0.json");
    std::fs::write(
        &output,
        json!({"token": VALUE, VALUE: [VALUE, 1]}).to_string(),
    )
    .unwrap();
    let outputs = serde_json::from_value(json!({"container": "single", "outputs": [
        {"name": "output_0", "kind": "json", "path": output.display().to_string(), "type": "dict"}]}))
    .unwrap();
    for event in [BlockRunEvent::Enqueue, BlockRunEvent::Start] {
        server
            .store
            .change_block_run(run_id, block, BlockRunChange::event(event))
            .await
            .unwrap();
    }
    let failed = BlockRunChange {
        error: Some(format!("ValueError: bad token {VALUE}")),
        log_path: Some(log.display().to_string()),
        outputs: Some(outputs),
        ..BlockRunChange::event(BlockRunEvent::Fail)
    };
    server
        .store
        .change_block_run(run_id, block, failed)
        .await
        .unwrap();

    let (status, block_runs) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{run_id}/block_runs"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(block_runs[0]["error"], "ValueError: bad token ******");
    let (status, page) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{run_id}/logs/{block}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["lines"][0]["text"], "the token is ******");
    let (status, previews) = server
        .call(
            Method::GET,
            &format!("/api/v1/runs/{run_id}/outputs/{block}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{previews}");
    assert_eq!(
        previews[0]["value"],
        json!({"token": "******", "******": ["******", 1]})
    );
    for answer in [&block_runs, &page, &previews] {
        assert!(!answer.to_string().contains(VALUE), "{answer}");
    }
}
