//! A server state over a fresh project and database, and a helper to call the router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use scheduler::{Scheduler, SystemClock};
use serde_json::Value;
use server::AppState;
use storage::{SqliteStore, Store};
use tower::ServiceExt;

pub(crate) struct TestServer {
    _dir: tempfile::TempDir,
    pub(crate) app: Router,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) scheduler: Arc<Scheduler>,
    /// The project folder.
    pub(crate) root: std::path::PathBuf,
    /// The server's data folder (outputs and logs).
    pub(crate) data_dir: std::path::PathBuf,
    /// The project's secrets, under a key made for the test.
    pub(crate) secrets: Arc<storage::Vault>,
}

impl TestServer {
    pub(crate) async fn new() -> TestServer {
        TestServer::over(|root| project::init(root).unwrap()).await
    }

    /// A server over a copy of the fixture project `fixtures/<name>`.
    pub(crate) async fn of_fixture(name: &str) -> TestServer {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(name);
        TestServer::over(|root| copy_tree(&fixture, root)).await
    }

    /// A server over the project `make` writes into the folder it is given.
    async fn over(make: impl FnOnce(&std::path::Path)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        make(&root);
        let project = project::Project::open(&root).unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().await.unwrap());
        let (notices, _) = tokio::sync::broadcast::channel(64);
        let (logs, _) = tokio::sync::broadcast::channel(64);
        let scheduler = Arc::new(Scheduler::new(
            store.clone(),
            notices.clone(),
            Arc::new(SystemClock),
            project.clone(),
        ));
        let secrets = Arc::new(storage::Vault::new(
            store.clone(),
            &storage::SecretKey::generate().unwrap(),
            "the test's key",
            model::SharedMask::default(),
        ));
        let state = AppState {
            store: store.clone(),
            scheduler: scheduler.clone(),
            notices,
            logs,
            project: project.clone(),
            data_dir: dir.path().join("data"),
            outputs: runtime::OutputStore::local(&dir.path().join("data")),
            database: "sqlite::memory:".to_owned(),
            shell: Some("/bin/sh".to_owned()),
            trusted_origins: server::TrustedOrigins::default(),
            auth: server::Auth::new(server::AuthSettings::default()),
            environment: runtime::EnvironmentRequest {
                project_root: root.clone(),
                explicit: Some("python3".into()),
                installed: None,
                uv: None,
                base_python: "python3".into(),
            },
            secrets: secrets.clone(),
            notifier: Arc::new(notifier::Notifier::new(
                store.clone(),
                project.clone(),
                scheduler::NotifySettings::default(),
            )),
        };
        TestServer {
            app: server::app(state),
            store,
            scheduler,
            root,
            data_dir: dir.path().join("data"),
            secrets,
            _dir: dir,
        }
    }

    /// Sends a request as built (headers and body) and returns the response.
    pub(crate) async fn send(&self, request: Request<Body>) -> axum::response::Response {
        self.app.clone().oneshot(request).await.unwrap()
    }

    /// Asks for a run of `pipeline` now, with no variables: `POST /api/v1/pipelines/{pipeline}/runs`.
    pub(crate) async fn run_now(&self, pipeline: &str) -> (StatusCode, Value) {
        let uri = format!("/api/v1/pipelines/{pipeline}/runs");
        self.call(Method::POST, &uri, Some(serde_json::json!({})))
            .await
    }

    /// Sends a request (with a JSON body when given) and returns the status and the parsed JSON body.
    pub(crate) async fn call(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, json)
    }
}

/// Copies the folder `from` to `to`, recursively.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
