//! The audit trail: each kind of change is recorded once with the right actor (a signed-in user, an API token, the
//! open server, Mage's API trigger), sign-ins and failed ones too; reads and refused requests are not; every change
//! in the OpenAPI document has a row in the audit table; who may read which part of the trail; no secret in it.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use model::Role;
use serde_json::{Value, json};

use crate::support::TestServer;

const PASSWORD: &str = "a long enough password";
const PIPELINE: &str = "example_pipeline";

/// How a request proves who sends it.
#[derive(Clone, Copy)]
enum As<'a> {
    Nobody,
    Cookie(&'a str),
    Bearer(&'a str),
}

/// A request from 192.0.2.7, as the accept loop hands it to the router.
fn from_client(mut request: Request<Body>) -> Request<Body> {
    let client: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(client));
    request
}

/// Sends `method uri` (a JSON body when given) from 192.0.2.7 and returns the status and the body.
async fn send(
    server: &TestServer,
    who: As<'_>,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    request = match who {
        As::Nobody => request,
        As::Cookie(cookie) => request.header(header::COOKIE, cookie),
        As::Bearer(token) => request.header(header::AUTHORIZATION, format!("Bearer {token}")),
    };
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = server.send(from_client(request.body(body).unwrap())).await;
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn add(server: &TestServer, email: &str, role: Role) {
    server::add_user(
        server.store.as_ref(),
        server::UserRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            role,
        },
    )
    .await
    .unwrap();
}

/// Signs in and returns the cookie to send back.
async fn session(server: &TestServer, email: &str) -> String {
    let request = Request::post("/api/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": email, "password": PASSWORD}).to_string(),
        ))
        .unwrap();
    let response = server.send(from_client(request)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// The whole trail, newest first, as an admin (or anyone on an open server) reads it.
async fn trail(server: &TestServer, who: As<'_>) -> Vec<Value> {
    let (status, page) = send(server, who, Method::GET, "/api/v1/audit?limit=200", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["entries"].as_array().unwrap().clone()
}

/// One page of an audit route as `who` reads it (status 200 asserted), with its entries as `line`s.
async fn page_lines(server: &TestServer, who: As<'_>, path: &str) -> (Value, Vec<String>) {
    let (status, page) = send(server, who, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let lines = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(line)
        .collect();
    (page, lines)
}

/// An entry as `actor action object_kind object_id pipeline run`, to compare whole.
fn line(entry: &Value) -> String {
    let actor = &entry["actor"];
    let who = match actor["kind"].as_str().unwrap() {
        "user" => actor["user"]["email"].as_str().unwrap().to_owned(),
        "token" => format!(
            "{} via token {}",
            actor["user"]["email"].as_str().unwrap(),
            actor["token"]["name"].as_str().unwrap()
        ),
        "trigger" => format!("trigger {}", actor["trigger"]["name"].as_str().unwrap()),
        other => other.to_owned(),
    };
    let text = |value: &Value| match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    format!(
        "{who} {} {} {} {} {}",
        text(&entry["action"]),
        text(&entry["object_kind"]),
        text(&entry["object_id"]),
        text(&entry["pipeline_uuid"]),
        text(&entry["run_id"]),
    )
}

#[tokio::test]
async fn every_change_in_the_api_document_has_an_audit_row() {
    let server = TestServer::new().await;
    let (_, doc) = server.call(Method::GET, "/api/v1/openapi.json", None).await;
    let mut missing = Vec::new();
    let mut recorded_reads = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let audited = operation.get("x-wand-audit");
            match (method.as_str(), audited) {
                ("get", Some(_)) => recorded_reads.push(format!("GET {path}")),
                ("get", None) => {}
                (_, None) => missing.push(format!("{} {path}", method.to_uppercase())),
                (_, Some(row)) => {
                    assert!(
                        row["action"].is_string() && row["object"].is_string(),
                        "{row}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "changes without an audit row (add them to AUDITED in server/src/audit.rs): {missing:?}"
    );
    assert!(
        recorded_reads.is_empty(),
        "reads are not audited: {recorded_reads:?}"
    );
    assert!(checked > 25, "only {checked} changes checked");
}

#[tokio::test]
async fn the_open_server_records_anyone_and_reads_are_not_recorded() {
    let server = TestServer::new().await;
    for uri in [
        "/api/v1/pipelines",
        "/api/v1/pipelines/example_pipeline",
        "/api/v1/runs",
        "/api/v1/triggers",
        "/api/v1/project/settings",
        "/api/v1/files",
        "/api/v1/audit",
    ] {
        let (status, body) = send(&server, As::Nobody, Method::GET, uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    }
    assert_eq!(trail(&server, As::Nobody).await, Vec::<Value>::new());
    let (status, created) = send(
        &server,
        As::Nobody,
        Method::POST,
        "/api/v1/pipelines",
        Some(json!({"name": "Sales report"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let entries = trail(&server, As::Nobody).await;
    assert_eq!(
        entries.iter().map(line).collect::<Vec<_>>(),
        ["anyone create pipeline sales_report sales_report -"]
    );
    assert_eq!(entries[0]["client"], "192.0.2.7");
    assert_eq!(entries[0]["detail"], json!({}));
    // Failures are not changes.
    let (status, _) = send(
        &server,
        As::Nobody,
        Method::POST,
        "/api/v1/pipelines/no_such_pipeline/runs",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(
        &server,
        As::Nobody,
        Method::POST,
        "/api/v1/runs/999/cancel",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(trail(&server, As::Nobody).await.len(), 1);
}

/// Each kind of change, by an owner signed in: one entry each, newest first, naming what changed.
#[tokio::test]
async fn each_kind_of_change_is_recorded_with_the_signed_in_user() {
    let server = TestServer::new().await;
    add(&server, "owner@example.com", Role::Owner).await;
    let owner = session(&server, "owner@example.com").await;
    let me = As::Cookie(&owner);
    let steps: Vec<(Method, String, Option<Value>, &str)> = vec![
        (
            Method::PUT,
            "/api/v1/project/settings".into(),
            Some(json!({"concurrency": 2, "retry_config": null})),
            "update settings - - -",
        ),
        (
            Method::POST,
            "/api/v1/files".into(),
            Some(json!({"path": "notes/todo.md", "content": "- audit"})),
            "create file notes/todo.md - -",
        ),
        (
            Method::POST,
            "/api/v1/files/rename".into(),
            Some(json!({"from": "notes/todo.md", "to": "notes/done.md"})),
            "rename file notes/done.md - -",
        ),
        (
            Method::DELETE,
            "/api/v1/files?path=notes/done.md".into(),
            None,
            "delete file notes/done.md - -",
        ),
        (
            Method::POST,
            "/api/v1/pipelines/example_pipeline/clone".into(),
            Some(json!({"name": "Copy"})),
            "copy pipeline copy copy -",
        ),
        (
            Method::PUT,
            "/api/v1/pipelines/copy".into(),
            Some(json!({"name": "Second"})),
            "rename pipeline second second -",
        ),
        (
            Method::POST,
            "/api/v1/pipelines/second/blocks".into(),
            Some(json!({"name": "clean up", "type": "transformer"})),
            "create block clean_up second -",
        ),
        (
            Method::PUT,
            "/api/v1/pipelines/second/blocks/clean_up".into(),
            Some(json!({"name": "tidy"})),
            "update block clean_up second -",
        ),
        (
            Method::DELETE,
            "/api/v1/pipelines/second/blocks/tidy".into(),
            None,
            "delete block tidy second -",
        ),
        (
            Method::POST,
            "/api/v1/pipelines/second/triggers".into(),
            Some(json!({"name": "nightly", "schedule_interval": "@daily", "status": "inactive"})),
            "create trigger {trigger} second -",
        ),
        (
            Method::PUT,
            "/api/v1/triggers/{trigger}".into(),
            Some(json!({"name": "hourly", "schedule_interval": "@hourly", "status": "inactive"})),
            "update trigger {trigger} second -",
        ),
        (
            Method::DELETE,
            "/api/v1/triggers/{trigger}".into(),
            None,
            "delete trigger {trigger} second -",
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({"email": "ed@example.com", "password": PASSWORD, "role": "editor"})),
            "create user {user} - -",
        ),
        (
            Method::DELETE,
            "/api/v1/users/{user}".into(),
            None,
            "delete user {user} - -",
        ),
        (
            Method::DELETE,
            "/api/v1/pipelines/second".into(),
            None,
            "delete pipeline second second -",
        ),
    ];
    let before = trail(&server, me).await.len();
    // The ids of the trigger and the user the steps create, filled in as they are.
    let mut ids: Vec<(&str, String)> = Vec::new();
    let fill = |text: &str, ids: &[(&str, String)]| {
        ids.iter()
            .fold(text.to_owned(), |text, (name, id)| text.replace(name, id))
    };
    for (method, uri, body, expected) in &steps {
        let uri = fill(uri, &ids);
        let (status, answer) = send(&server, me, method.clone(), &uri, body.clone()).await;
        assert!(status.is_success(), "{method} {uri}: {status} {answer}");
        for (suffix, name) in [("/triggers", "{trigger}"), ("/users", "{user}")] {
            if uri.ends_with(suffix) {
                ids.push((name, answer["id"].to_string()));
            }
        }
        let entries = trail(&server, me).await;
        assert_eq!(
            line(&entries[0]),
            format!("owner@example.com {}", fill(expected, &ids)),
            "{method} {uri}"
        );
    }
    let entries = trail(&server, me).await;
    assert_eq!(entries.len(), before + steps.len(), "one entry per change");
    let detail = |action: &str, kind: &str| {
        entries
            .iter()
            .find(|entry| entry["action"] == action && entry["object_kind"] == kind)
            .map(|entry| entry["detail"].clone())
            .unwrap()
    };
    assert_eq!(detail("rename", "file"), json!({"from": "notes/todo.md"}));
    assert_eq!(
        detail("copy", "pipeline"),
        json!({"copy_of": "example_pipeline"})
    );
    assert_eq!(detail("rename", "pipeline"), json!({"from": "copy"}));
    assert_eq!(
        detail("update", "block"),
        json!({"changed": ["name"], "renamed_to": "tidy"})
    );
    assert_eq!(detail("update", "trigger"), json!({"name": "hourly"}));
    assert_eq!(detail("delete", "trigger"), json!({"name": "hourly"}));
    assert_eq!(
        detail("create", "user"),
        json!({"email": "ed@example.com", "role": "editor"})
    );
    assert_eq!(detail("delete", "user"), json!({"email": "ed@example.com"}));
    let text = serde_json::to_string(&entries).unwrap();
    assert!(!text.contains(PASSWORD), "no password in the trail");
}

/// Runs: started by a user, through an API token, through a trigger's "run now" and Mage's URL; cancelled and
/// retried. The run's and the pipeline's trail hold them, and a viewer may read those but not the whole trail.
#[tokio::test]
async fn runs_are_recorded_with_who_started_cancelled_and_retried_them() {
    let server = TestServer::new().await;
    add(&server, "admin@example.com", Role::Admin).await;
    add(&server, "viewer@example.com", Role::Viewer).await;
    let admin = session(&server, "admin@example.com").await;
    let viewer = session(&server, "viewer@example.com").await;
    let (status, token) = send(
        &server,
        As::Cookie(&admin),
        Method::POST,
        "/api/v1/tokens",
        Some(json!({"name": "ci"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let value = token["value"].as_str().unwrap().to_owned();

    let (status, run) = send(
        &server,
        As::Bearer(&value),
        Method::POST,
        "/api/v1/pipelines/example_pipeline/runs",
        Some(json!({"variables": {"password": "hunter2"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run_id = run["id"].as_i64().unwrap();
    let (status, cancelled) = send(
        &server,
        As::Cookie(&admin),
        Method::POST,
        &format!("/api/v1/runs/{run_id}/cancel"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    let (status, retried) = send(
        &server,
        As::Cookie(&admin),
        Method::POST,
        &format!("/api/v1/runs/{run_id}/retry"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retried}");

    let (status, trigger) = send(
        &server,
        As::Cookie(&admin),
        Method::POST,
        "/api/v1/pipelines/example_pipeline/triggers",
        Some(json!({"name": "hook", "schedule_type": "api"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{trigger}");
    let trigger_id = trigger["id"].as_i64().unwrap();
    let secret = trigger["token"].as_str().unwrap().to_owned();
    let (status, by_trigger) = send(
        &server,
        As::Cookie(&admin),
        Method::POST,
        &format!("/api/v1/triggers/{trigger_id}/runs"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{by_trigger}");
    let (status, by_url) = send(
        &server,
        As::Nobody,
        Method::POST,
        &format!("/api/pipeline_schedules/{trigger_id}/pipeline_runs/{secret}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_url}");
    let url_run = by_url["pipeline_run"]["id"].as_i64().unwrap();
    let trigger_run = by_trigger["id"].as_i64().unwrap();

    let (page, lines) = page_lines(
        &server,
        As::Cookie(&viewer),
        &format!("/api/v1/runs/{run_id}/audit"),
    )
    .await;
    assert_eq!(
        lines,
        [
            format!("admin@example.com retry run {run_id} {PIPELINE} {run_id}"),
            format!("admin@example.com cancel run {run_id} {PIPELINE} {run_id}"),
            format!("admin@example.com via token ci start run {run_id} {PIPELINE} {run_id}"),
        ]
    );
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|entry| entry["client"].is_null()),
        "client addresses are for admins: {page}"
    );

    let (page, lines) = page_lines(
        &server,
        As::Cookie(&viewer),
        &format!("/api/v1/pipelines/{PIPELINE}/audit?limit=2"),
    )
    .await;
    assert_eq!(
        lines,
        [
            format!("trigger hook start run {url_run} {PIPELINE} {url_run}"),
            format!("admin@example.com start run {trigger_run} {PIPELINE} {trigger_run}"),
        ]
    );
    assert_eq!(
        page["entries"][1]["detail"],
        json!({"trigger": trigger_id, "trigger_name": "hook"})
    );
    let next = page["next_before"].as_i64().expect("a next page");
    let (older, lines) = page_lines(
        &server,
        As::Cookie(&viewer),
        &format!("/api/v1/pipelines/{PIPELINE}/audit?before={next}"),
    )
    .await;
    assert_eq!(
        lines,
        [
            format!("admin@example.com create trigger {trigger_id} {PIPELINE} -"),
            format!("admin@example.com retry run {run_id} {PIPELINE} {run_id}"),
            format!("admin@example.com cancel run {run_id} {PIPELINE} {run_id}"),
            format!("admin@example.com via token ci start run {run_id} {PIPELINE} {run_id}"),
        ]
    );
    assert_eq!(older["next_before"], Value::Null);

    let (status, _) = send(
        &server,
        As::Cookie(&viewer),
        Method::GET,
        "/api/v1/audit",
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the whole trail is for admins"
    );
    let (status, page) = send(
        &server,
        As::Cookie(&admin),
        Method::GET,
        "/api/v1/audit?actor=Admin@Example.com&limit=200",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entries = page["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|entry| entry["actor"]["user"]["email"] == "admin@example.com")
    );
    assert_eq!(
        entries.last().map(line).unwrap(),
        "admin@example.com sign_in session - - -"
    );
    assert!(
        entries.iter().all(|entry| entry["client"] == "192.0.2.7"),
        "{page}"
    );
    let text = page.to_string()
        + &trail(&server, As::Cookie(&admin))
            .await
            .iter()
            .map(Value::to_string)
            .collect::<String>();
    for secret in [value.as_str(), secret.as_str(), "hunter2"] {
        assert!(!text.contains(secret), "`{secret}` is in the trail");
    }
}

#[tokio::test]
async fn sign_ins_are_recorded_and_refused_requests_are_not() {
    let server = TestServer::new().await;
    add(&server, "owner@example.com", Role::Owner).await;
    add(&server, "viewer@example.com", Role::Viewer).await;
    for (email, password) in [
        ("owner@example.com", "not the password"),
        ("my secret password", "whatever it is"),
    ] {
        let (status, _) = send(
            &server,
            As::Nobody,
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"email": email, "password": password})),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let viewer = session(&server, "viewer@example.com").await;
    // Refused: a viewer's change, a change without sign-in, a bad token, a wrong Mage trigger token.
    for (who, method, uri) in [
        (
            As::Cookie(&viewer),
            Method::POST,
            "/api/v1/pipelines/example_pipeline/runs",
        ),
        (
            As::Nobody,
            Method::POST,
            "/api/v1/pipelines/example_pipeline/runs",
        ),
        (
            As::Bearer("wand_t_nope"),
            Method::POST,
            "/api/v1/pipelines/example_pipeline/runs",
        ),
        (
            As::Cookie(&viewer),
            Method::DELETE,
            "/api/v1/pipelines/example_pipeline",
        ),
        (
            As::Nobody,
            Method::POST,
            "/api/pipeline_schedules/1/pipeline_runs/wrong",
        ),
    ] {
        let (status, _) = send(&server, who, method.clone(), uri, Some(json!({}))).await;
        assert!(status.is_client_error(), "{method} {uri}: {status}");
    }
    let (status, _) = send(
        &server,
        As::Cookie(&viewer),
        Method::DELETE,
        "/api/v1/sessions",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Signing out again, with no session left, changes nothing of anyone's.
    let (status, _) = send(
        &server,
        As::Cookie(&viewer),
        Method::DELETE,
        "/api/v1/sessions",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let owner = session(&server, "owner@example.com").await;
    let entries = trail(&server, As::Cookie(&owner)).await;
    assert_eq!(
        entries.iter().map(line).collect::<Vec<_>>(),
        [
            "owner@example.com sign_in session - - -",
            "viewer@example.com sign_out session - - -",
            "viewer@example.com sign_in session - - -",
            "anonymous sign_in_failed session - - -",
            "anonymous sign_in_failed session - - -",
        ]
    );
    assert_eq!(
        entries[3]["detail"],
        json!({"unknown_email": true}),
        "text typed as an email is not kept"
    );
    assert_eq!(entries[4]["detail"], json!({"email": "owner@example.com"}));
    assert!(
        !serde_json::to_string(&entries)
            .unwrap()
            .contains("my secret password")
    );
}
