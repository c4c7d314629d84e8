//! Findings 7 to 9 of the outside audit (issue 9), as the API sees them: writes never follow a link planted at a
//! temporary name, a path no file can have is a 4xx naming the problem, and every error (axum's own rejections
//! included) has the JSON error shape.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::TestServer;

async fn project_root(server: &TestServer) -> PathBuf {
    let (status, project) = server.call(Method::GET, "/api/v1/project", None).await;
    assert_eq!(status, StatusCode::OK, "{project}");
    PathBuf::from(project["root"].as_str().unwrap())
}

/// Sends `body` as it is, with the given content type; returns the status, the content type and the body as JSON.
async fn raw(
    server: &TestServer,
    method: Method,
    uri: &str,
    body: &str,
) -> (StatusCode, String, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, content_type, json)
}

#[cfg(unix)]
#[tokio::test]
async fn writes_do_not_follow_a_link_at_the_temporary_name() {
    let server = TestServer::new().await;
    let root = project_root(&server).await;
    let outside = tempfile::tempdir().unwrap();
    let decoy = outside.path().join("decoy.txt");
    std::fs::write(&decoy, "untouched").unwrap();
    let plant = |relative: &str| {
        let path = root.join(relative);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        std::os::unix::fs::symlink(&decoy, path.with_file_name(format!(".{name}.wand.tmp")))
            .unwrap();
    };

    // The files API.
    plant("transformers/fill_in_missing_values.py");
    let (_, read) = server
        .call(
            Method::GET,
            "/api/v1/files/content?path=transformers/fill_in_missing_values.py",
            None,
        )
        .await;
    let (status, saved) = server
        .call(
            Method::PUT,
            "/api/v1/files/content",
            Some(
                json!({"path": "transformers/fill_in_missing_values.py", "content": "# mine\n",
                "version": read["version"]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let target = root.join("transformers/fill_in_missing_values.py");
    assert!(
        !target.is_symlink(),
        "the saved file is not the planted link"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# mine\n");

    // A pipeline's metadata.yaml, written by an edit.
    let (status, created) = server
        .call(
            Method::POST,
            "/api/v1/pipelines",
            Some(json!({"name": "linked"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    plant("pipelines/linked/metadata.yaml");
    let (status, added) = server
        .call(
            Method::POST,
            "/api/v1/pipelines/linked/blocks",
            Some(json!({"name": "load", "type": "data_loader"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert!(!root.join("pipelines/linked/metadata.yaml").is_symlink());

    assert_eq!(
        std::fs::read_to_string(&decoy).unwrap(),
        "untouched",
        "nothing was written outside the project"
    );
}

#[tokio::test]
async fn paths_no_file_can_have_are_refused_with_the_reason() {
    let server = TestServer::new().await;
    let long = "a".repeat(300);
    let cases = [
        ("bad%00name.py", "bad\u{0}name.py", "NUL"),
        (
            "__init__.py/child.txt",
            "__init__.py/child.txt",
            "is a file",
        ),
        (long.as_str(), long.as_str(), "300 bytes"),
    ];
    for (encoded, path, reason) in cases {
        let check = |route: &str, status: StatusCode, body: &Value| {
            assert!(
                status.is_client_error(),
                "{route} with `{encoded}`: {status} {body}"
            );
            assert_eq!(body["error"]["code"], "invalid_path", "{route}: {body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(reason), "{route}: {message}");
        };
        let (status, body) = server
            .call(
                Method::GET,
                &format!("/api/v1/files/content?path={encoded}"),
                None,
            )
            .await;
        check("GET /files/content", status, &body);
        let (status, body) = server
            .call(
                Method::PUT,
                "/api/v1/files/content",
                Some(json!({"path": path, "content": "x"})),
            )
            .await;
        check("PUT /files/content", status, &body);
        let (status, body) = server
            .call(
                Method::POST,
                "/api/v1/files",
                Some(json!({"path": path, "content": "x"})),
            )
            .await;
        check("POST /files", status, &body);
        let (status, body) = server
            .call(
                Method::POST,
                "/api/v1/files",
                Some(json!({"path": path, "is_dir": true})),
            )
            .await;
        check("POST /files (folder)", status, &body);
        let (status, body) = server
            .call(
                Method::POST,
                "/api/v1/files/rename",
                Some(json!({"from": "__init__.py", "to": path})),
            )
            .await;
        check("POST /files/rename", status, &body);
        let (status, body) = server
            .call(
                Method::DELETE,
                &format!("/api/v1/files?path={encoded}"),
                None,
            )
            .await;
        check("DELETE /files", status, &body);
    }

    // A file that is not text is still a file: saving over it checks its version, it does not fail.
    let root = project_root(&server).await;
    std::fs::write(root.join("blob.bin"), [0xff, 0xfe, 0x00]).unwrap();
    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v1/files/content",
            Some(json!({"path": "blob.bin", "content": "text", "version": "stale"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (StatusCode::CONFLICT, json!("file_changed")),
        "{body}"
    );

    // Names become file and folder names too: an over-long one is refused, with the reason.
    for (uri, body) in [
        ("/api/v1/pipelines", json!({"name": long})),
        (
            "/api/v1/pipelines/example_pipeline/blocks",
            json!({"name": long, "type": "transformer"}),
        ),
    ] {
        let (status, body) = server.call(Method::POST, uri, Some(body)).await;
        assert!(status.is_client_error(), "{uri}: {status} {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("255"), "{uri}: {body}");
    }
}

#[tokio::test]
async fn parse_errors_and_unknown_routes_answer_in_the_json_error_shape() {
    let server = TestServer::new().await;
    let cases: [(Method, &str, &str, StatusCode); 6] = [
        (
            Method::PUT,
            "/api/v1/files/content",
            "{not json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PUT,
            "/api/v1/files/content",
            r#"{"path": 1, "content": []}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (Method::GET, "/api/v1/runs/abc", "", StatusCode::BAD_REQUEST),
        (
            Method::GET,
            "/api/v1/files/content",
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/no/such/route",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::DELETE,
            "/api/v1/health",
            "",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (method, uri, body, expected) in cases {
        let (status, content_type, json) = raw(&server, method.clone(), uri, body).await;
        assert_eq!(status, expected, "{method} {uri}: {json}");
        assert_eq!(content_type, "application/json", "{method} {uri}: {json}");
        let code = json["error"]["code"].as_str().unwrap_or_default();
        let message = json["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && !message.is_empty(),
            "{method} {uri}: {json}"
        );
    }
}

#[tokio::test]
async fn optional_bodies_may_be_empty_or_null_even_when_declared_json() {
    let server = TestServer::new().await;
    for body in ["", "null", "{}", r#"{"variables": {"x": 1}}"#] {
        let (status, _, run) = raw(
            &server,
            Method::POST,
            "/api/v1/pipelines/example_pipeline/runs",
            body,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "body `{body}`: {run}");
    }
    let (status, _, error) = raw(
        &server,
        Method::POST,
        "/api/v1/pipelines/example_pipeline/runs",
        r#"{"variables": 3}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
}
