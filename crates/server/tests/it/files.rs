//! The files API: tree, read, versioned writes, create, rename, delete, and paths kept inside the project.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn a_stale_editor_cannot_overwrite_a_newer_save() {
    let server = TestServer::new().await;
    let path = "transformers/fill_in_missing_values.py";
    let (status, read) = server
        .call(
            Method::GET,
            &format!("/api/v1/files/content?path={path}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(read["content"].as_str().unwrap().contains("@transformer"));
    let first_version = read["version"].clone();
    let save = |content: &str, version: &serde_json::Value| json!({"path": path, "content": content, "version": version});
    let (status, saved) = server
        .call(
            Method::PUT,
            "/api/v1/files/content",
            Some(save("# one", &first_version)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_ne!(saved["version"], first_version);
    let (status, stale) = server
        .call(
            Method::PUT,
            "/api/v1/files/content",
            Some(save("# two", &first_version)),
        )
        .await;
    assert_eq!(
        (status, stale["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("file_changed"))
    );
    let (_, now) = server
        .call(
            Method::GET,
            &format!("/api/v1/files/content?path={path}"),
            None,
        )
        .await;
    assert_eq!(now["content"], json!("# one"), "the newer save survived");
}

#[tokio::test]
async fn files_are_created_renamed_listed_and_deleted() {
    let server = TestServer::new().await;
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/files",
            Some(json!({"path": "utils/helpers.py", "content": "X = 1\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, exists) = server
        .call(
            Method::POST,
            "/api/v1/files",
            Some(json!({"path": "utils/helpers.py"})),
        )
        .await;
    assert_eq!(
        (status, exists["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("already_exists"))
    );
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/files",
            Some(json!({"path": "notes", "is_dir": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server
        .call(
            Method::POST,
            "/api/v1/files/rename",
            Some(json!({"from": "utils/helpers.py", "to": "notes/helpers.py"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, tree) = server.call(Method::GET, "/api/v1/files", None).await;
    let paths: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"notes/helpers.py") && !paths.contains(&"utils/helpers.py"),
        "{paths:?}"
    );
    assert!(paths.contains(&"pipelines/example_pipeline/metadata.yaml"));
    let (status, _) = server
        .call(Method::DELETE, "/api/v1/files?path=notes", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=notes/helpers.py",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn paths_outside_the_project_are_refused() {
    let server = TestServer::new().await;
    for path in ["../outside.txt", "/etc/passwd", "utils/../../x", ""] {
        let (status, error) = server
            .call(
                Method::GET,
                &format!("/api/v1/files/content?path={path}"),
                None,
            )
            .await;
        assert_eq!(
            (status, error["error"]["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("outside_project")),
            "{path}"
        );
    }
    let (status, _) = server
        .call(
            Method::PUT,
            "/api/v1/files/content",
            Some(json!({"path": "../escape.py", "content": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = server
        .call(Method::DELETE, "/api/v1/files?path=..", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
