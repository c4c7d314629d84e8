//! Requests a hostile web page could send to a server on loopback (issue 9's audit): a rebinding `Host`, a foreign
//! `Origin`, a state change without a JSON body; and CORS stays closed.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::support::TestServer;

async fn answer(server: &TestServer, request: Request<Body>) -> (StatusCode, Value) {
    let response = server.send(request).await;
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn run_count(server: &TestServer) -> usize {
    let (_, runs) = server.call(Method::GET, "/api/v1/runs", None).await;
    runs["runs"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_rebinding_host_can_neither_read_nor_write_the_project() {
    let server = TestServer::new().await;
    let read = Request::get("/api/v1/project")
        .header(header::HOST, "evil.example:6789")
        .body(Body::empty())
        .unwrap();
    let (status, error) = answer(&server, read).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(error["error"]["code"], json!("forbidden_host"));

    let write = Request::put("/api/v1/files/content")
        .header(header::HOST, "evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"path": "transformers/pwned.py", "content": "import os"}).to_string(),
        ))
        .unwrap();
    let (status, _) = answer(&server, write).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!server.root.join("transformers/pwned.py").exists());

    let page = Request::get("/")
        .header(header::HOST, "evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(answer(&server, page).await.0, StatusCode::FORBIDDEN);

    for host in ["127.0.0.1:6789", "localhost:6789", "[::1]:6789"] {
        let own = Request::get("/api/v1/project")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap();
        assert_eq!(answer(&server, own).await.0, StatusCode::OK, "{host}");
    }
}

#[tokio::test]
async fn state_changes_without_a_json_body_are_refused() {
    let server = TestServer::new().await;
    for path in [
        "/api/v1/pipelines/example_pipeline/runs",
        "/api/v1/runs/1/cancel",
        "/api/v1/runs/1/retry",
        "/api/v1/pipelines/example_pipeline/blocks/load_titanic/execute",
        "/api/v1/python/install",
    ] {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = Request::post(path).header(header::HOST, "127.0.0.1:6789");
            if let Some(content_type) = content_type {
                request = request.header(header::CONTENT_TYPE, content_type);
            }
            let (status, error) = answer(&server, request.body(Body::from("{}")).unwrap()).await;
            assert_eq!(
                (status, error["error"]["code"].clone()),
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    json!("unsupported_media_type")
                ),
                "{path} with {content_type:?}"
            );
        }
    }
    assert_eq!(run_count(&server).await, 0, "no run was created");
    let (status, run) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
}

#[tokio::test]
async fn a_foreign_origin_cannot_change_state_or_open_the_terminal() {
    let server = TestServer::new().await;
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let run = Request::post("/api/v1/pipelines/example_pipeline/runs")
            .header(header::HOST, "127.0.0.1:6789")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let (status, error) = answer(&server, run).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin}: {error}");
        assert_eq!(error["error"]["code"], json!("forbidden_origin"));

        let terminal = Request::get("/api/v1/terminal")
            .header(header::HOST, "127.0.0.1:6789")
            .header(header::ORIGIN, origin)
            .header(header::CONNECTION, "upgrade")
            .header(header::UPGRADE, "websocket")
            .header(header::SEC_WEBSOCKET_VERSION, "13")
            .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            answer(&server, terminal).await.0,
            StatusCode::FORBIDDEN,
            "{origin}"
        );
    }
    assert_eq!(run_count(&server).await, 0);
    let same_site = Request::post("/api/v1/pipelines/example_pipeline/runs")
        .header(header::HOST, "127.0.0.1:6789")
        .header(header::ORIGIN, "http://127.0.0.1:6789")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(answer(&server, same_site).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn cors_stays_closed() {
    let server = TestServer::new().await;
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/pipelines/example_pipeline/runs")
        .header(header::HOST, "127.0.0.1:6789")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    let response = server.send(preflight).await;
    assert!(!response.status().is_success(), "{}", response.status());
    assert!(
        response
            .headers()
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{:?}",
        response.headers()
    );
    let read = Request::get("/api/v1/project")
        .header(header::HOST, "127.0.0.1:6789")
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::empty())
        .unwrap();
    let response = server.send(read).await;
    assert!(
        response
            .headers()
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn a_method_a_path_lacks_is_a_405_before_the_json_rule() {
    let server = TestServer::new().await;
    let put = Request::put("/api/v1/health")
        .header(header::HOST, "127.0.0.1:6789")
        .body(Body::from("x"))
        .unwrap();
    let (status, error) = answer(&server, put).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{error}");
    assert_eq!(error["error"]["code"], json!("method_not_allowed"));
}
