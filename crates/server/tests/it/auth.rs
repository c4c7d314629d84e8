//! Sign-in, sessions, API tokens and the access policy: once a user exists every route needs a session or a token
//! and a role its policy allows (walked over every operation of the OpenAPI document, for every role); the cookie's
//! flags; the sign-in rate limit; Mage's API-trigger URL still answers to its token alone; the Origin check still
//! holds for a signed-in browser.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use model::Role;
use serde_json::{Value, json};

use crate::support::TestServer;

pub(crate) const PASSWORD: &str = "a long enough password";

/// Creates a user through the same path as `wand users add`.
pub(crate) async fn add(server: &TestServer, email: &str, role: Role) {
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

/// Signs in and returns the status, the body and the `Set-Cookie` header.
pub(crate) async fn sign_in(
    server: &TestServer,
    email: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, Option<String>) {
    let mut request =
        Request::post("/api/v1/sessions").header(header::CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Body::from(
            json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap();
    let response = server.send(request).await;
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .map(|value| value.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookie,
    )
}

/// The `name=value` part of a `Set-Cookie`, as a browser sends it back.
pub(crate) fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

pub(crate) async fn session(server: &TestServer, email: &str) -> String {
    let (status, body, cookie) = sign_in(server, email, PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    cookie_pair(&cookie.expect("a session cookie"))
}

/// Sends `method uri` with `headers` and returns the status and body.
pub(crate) async fn send(
    server: &TestServer,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = server.send(request.body(body).unwrap()).await;
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn without_a_user_loopback_serves_as_before_and_the_first_user_must_be_the_owner() {
    let server = TestServer::new().await;
    let (status, _) = server.call(Method::GET, "/api/v1/pipelines", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, me) = server.call(Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me,
        json!({"user": null, "via": null, "sign_in_required": false})
    );
    let (status, error) = server
        .call(
            Method::POST,
            "/api/v1/users",
            Some(json!({"email": "ada@example.com", "password": PASSWORD, "role": "editor"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let (status, error) = server
        .call(
            Method::POST,
            "/api/v1/users",
            Some(json!({"email": "ada@example.com", "password": "admin", "role": "owner"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no short passwords: {error}"
    );
    let (status, owner) = server
        .call(
            Method::POST,
            "/api/v1/users",
            Some(json!({"email": "Ada@Example.com", "password": PASSWORD, "role": "owner"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{owner}");
    assert_eq!(owner["email"], json!("ada@example.com"));
    assert!(owner.get("password_hash").is_none());
    // From now on, sign-in is required.
    let (status, error) = server.call(Method::GET, "/api/v1/pipelines", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    assert_eq!(error["error"]["code"], json!("unauthorized"));
    let (_, me) = server.call(Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["sign_in_required"], json!(true));
    let (status, _) = server.call(Method::GET, "/api/v1/health", None).await;
    assert_eq!(status, StatusCode::OK, "health stays public");
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_the_session() {
    let server = TestServer::new().await;
    add(&server, "ada@example.com", Role::Editor).await;
    let (status, user, cookie) = sign_in(&server, "ADA@example.com", PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["role"], json!("editor"));
    let cookie = cookie.unwrap();
    assert!(cookie.starts_with("wand_session=wand_s_"), "{cookie}");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    let pair = cookie_pair(&cookie);
    let (stored,): (String,) = {
        // The database holds the token's hash, never the token.
        let token = pair.trim_start_matches("wand_session=");
        let users = server
            .store
            .session_user(token, chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(users, None, "the raw token is not a stored key");
        (token.to_owned(),)
    };
    assert!(stored.starts_with("wand_s_"));

    let (status, me) = send(
        &server,
        Method::GET,
        "/api/v1/me",
        &[("cookie", &pair)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["email"], json!("ada@example.com"));
    assert_eq!(me["via"], json!("session"));
    let (status, _) = send(
        &server,
        Method::GET,
        "/api/v1/pipelines",
        &[("cookie", &pair)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let response = server
        .send(
            Request::delete("/api/v1/sessions")
                .header("cookie", &pair)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("wand_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (status, _) = send(
        &server,
        Method::GET,
        "/api/v1/pipelines",
        &[("cookie", &pair)],
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the session ended on the server too"
    );

    // Served over HTTPS (through a proxy): the cookie is Secure.
    let (_, _, cookie) = sign_in(
        &server,
        "ada@example.com",
        PASSWORD,
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(cookie.unwrap().ends_with("; Secure"));
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_answer_alike_and_are_rate_limited() {
    let server = TestServer::new().await;
    add(&server, "ada@example.com", Role::Viewer).await;
    let (status, wrong, cookie) =
        sign_in(&server, "ada@example.com", "not the password", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(cookie.is_none());
    let (status, unknown, _) = sign_in(&server, "bob@example.com", "not the password", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown, "an unknown email is not told apart");
    for _ in 0..4 {
        sign_in(&server, "ada@example.com", "not the password", &[]).await;
    }
    // Five failures for this email: even the right password waits now.
    let (status, error, cookie) = sign_in(&server, "ada@example.com", PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error}");
    assert_eq!(error["error"]["code"], json!("too_many_attempts"));
    assert!(cookie.is_none());
    add(&server, "carol@example.com", Role::Viewer).await;
    let (status, _, _) = sign_in(&server, "carol@example.com", PASSWORD, &[]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another email from the same address is not locked yet"
    );
}

#[tokio::test]
async fn one_address_is_limited_across_emails() {
    let server = TestServer::new().await;
    add(&server, "ada@example.com", Role::Viewer).await;
    let from = |ip: &str| {
        let address: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
        axum::extract::ConnectInfo(address)
    };
    let attempt = |email: String, password: &'static str, ip: &'static str| {
        let mut request = Request::post("/api/v1/sessions")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"email": email, "password": password}).to_string(),
            ))
            .unwrap();
        request.extensions_mut().insert(from(ip));
        request
    };
    for n in 0..20 {
        let response = server
            .send(attempt(
                format!("guess{n}@example.com"),
                "wrong password",
                "10.1.1.1",
            ))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = server
        .send(attempt("ada@example.com".to_owned(), PASSWORD, "10.1.1.1"))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = server
        .send(attempt("ada@example.com".to_owned(), PASSWORD, "10.2.2.2"))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "another address may sign in"
    );
}

#[tokio::test]
async fn api_tokens_are_shown_once_authenticate_as_their_user_and_can_be_revoked() {
    let server = TestServer::new().await;
    add(&server, "ada@example.com", Role::Editor).await;
    let cookie = session(&server, "ada@example.com").await;
    let (status, made) = send(
        &server,
        Method::POST,
        "/api/v1/tokens",
        &[("cookie", &cookie)],
        Some(json!({"name": "ci", "expires_in_days": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let value = made["value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("wand_t_"));
    assert!(made["token"]["expires_at"].is_string());
    let bearer = format!("Bearer {value}");
    let (status, me) = send(
        &server,
        Method::GET,
        "/api/v1/me",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["via"], json!("token"));
    let (status, _) = server.run_now("example_pipeline").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &server,
        Method::POST,
        "/api/v1/pipelines/example_pipeline/runs",
        &[("authorization", &bearer)],
        Some(json!({})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "an editor's token runs pipelines"
    );
    let (_, listed) = send(
        &server,
        Method::GET,
        "/api/v1/tokens",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    let listed = listed["tokens"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("value").is_none(), "never shown again");
    assert!(listed[0]["last_used_at"].is_string());
    let id = listed[0]["id"].as_i64().unwrap();
    let (status, _) = send(
        &server,
        Method::DELETE,
        &format!("/api/v1/tokens/{id}"),
        &[("cookie", &cookie)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, error) = send(
        &server,
        Method::GET,
        "/api/v1/runs",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{error}");
    let (status, _) = send(
        &server,
        Method::GET,
        "/api/v1/health",
        &[("authorization", "Bearer wand_t_forged")],
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a public route answers even a bad token"
    );
}

/// Every operation of the API document, for a caller with no credentials and for each role: a caller below the
/// operation's `x-wand-access` is refused (401 without credentials, 403 with a lesser role) and one at or above it
/// passes authorization. Requests are made so that a passing one stops before doing anything (a body that is not
/// declared JSON, ids that do not exist). An operation without `x-wand-access` has no policy, and fails here.
#[tokio::test]
async fn every_route_has_a_policy_and_every_role_gets_what_it_allows() {
    let server = TestServer::new().await;
    let (_, doc) = server.call(Method::GET, "/api/v1/openapi.json", None).await;
    let mut cookies = Vec::new();
    for role in Role::ALL {
        let email = format!("{role}@example.com");
        add(&server, &email, role).await;
        cookies.push((role, session(&server, &email).await));
    }
    let mut checked = 0;
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(access) = operation["x-wand-access"].as_str() else {
                missing.push(format!("{} {path}", method.to_uppercase()));
                continue;
            };
            if access == "public" {
                continue;
            }
            let needed: Role = access.parse().unwrap();
            let uri = format!(
                "/api/v1{}",
                path.replace("{uuid}", "no_such_pipeline")
                    .replace("{block}", "no_such_block")
                    .replace("{addon}", "no_such_addon")
                    .replace("{block_uuid}", "no_such_block")
                    .replace("{id}", "999999")
            );
            let method: Method = method.to_uppercase().parse().unwrap();
            let request = |cookie: Option<&str>| {
                let mut request = Request::builder().method(method.clone()).uri(&uri);
                if let Some(cookie) = cookie {
                    request = request.header("cookie", cookie);
                }
                if matches!(method, Method::POST | Method::PUT) {
                    // Not JSON: a request that passes authorization stops at `require_json` (415).
                    request = request.header(header::CONTENT_TYPE, "text/plain");
                }
                request.body(Body::empty()).unwrap()
            };
            let anonymous = server.send(request(None)).await.status();
            assert_eq!(
                anonymous,
                StatusCode::UNAUTHORIZED,
                "{method} {uri} without sign-in"
            );
            for (role, cookie) in &cookies {
                let status = server.send(request(Some(cookie))).await.status();
                if role.allows(needed) {
                    assert!(
                        status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                        "{method} {uri} as {role} (needs {needed}): {status}"
                    );
                } else {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{method} {uri} as {role} (needs {needed})"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(
        missing.is_empty(),
        "operations without an access policy (add them to server/src/policy.rs): {missing:?}"
    );
    assert!(checked > 40, "only {checked} operations checked");
}

#[tokio::test]
async fn representative_routes_by_role() {
    let server = TestServer::new().await;
    for role in Role::ALL {
        add(&server, &format!("{role}@example.com"), role).await;
    }
    let viewer = session(&server, "viewer@example.com").await;
    let editor = session(&server, "editor@example.com").await;
    let admin = session(&server, "admin@example.com").await;
    let as_ = |cookie: &str| vec![("cookie".to_owned(), cookie.to_owned())];
    let call = |cookie: &str, method: Method, uri: &str, body: Option<Value>| {
        let headers = as_(cookie);
        let uri = uri.to_owned();
        let server = &server;
        async move {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            send(server, method, &uri, &headers, body).await
        }
    };
    // A viewer reads but neither runs nor edits.
    assert_eq!(
        call(
            &viewer,
            Method::GET,
            "/api/v1/pipelines/example_pipeline",
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, error) = call(
        &viewer,
        Method::POST,
        "/api/v1/pipelines/example_pipeline/runs",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error["error"]["code"], json!("forbidden"));
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("editor"),
        "{error}"
    );
    let write = json!({"path": "transformers/x.py", "content": "x = 1\n"});
    assert_eq!(
        call(
            &viewer,
            Method::PUT,
            "/api/v1/files/content",
            Some(write.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert!(!server.root.join("transformers/x.py").exists());
    // An editor edits and runs, but does not manage triggers, users or settings.
    assert_eq!(
        call(&editor, Method::PUT, "/api/v1/files/content", Some(write))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        call(
            &editor,
            Method::POST,
            "/api/v1/pipelines/example_pipeline/runs",
            Some(json!({}))
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let trigger =
        json!({"name": "nightly", "schedule_type": "time", "schedule_interval": "@daily"});
    assert_eq!(
        call(
            &editor,
            Method::POST,
            "/api/v1/pipelines/example_pipeline/triggers",
            Some(trigger.clone())
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&editor, Method::GET, "/api/v1/users", None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&editor, Method::GET, "/api/v1/terminal", None).await.0,
        StatusCode::FORBIDDEN
    );
    // An admin does.
    let (status, created) = call(
        &admin,
        Method::POST,
        "/api/v1/pipelines/example_pipeline/triggers",
        Some(trigger),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, users) = call(&admin, Method::GET, "/api/v1/users", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["users"].as_array().unwrap().len(), 4);
    let (status, error) = call(
        &admin,
        Method::POST,
        "/api/v1/users",
        Some(json!({"email": "eve@example.com", "password": PASSWORD, "role": "owner"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only an owner makes owners: {error}"
    );
}

#[tokio::test]
async fn mages_api_trigger_url_answers_to_its_token_alone() {
    let server = TestServer::new().await;
    add(&server, "admin@example.com", Role::Admin).await;
    let admin = session(&server, "admin@example.com").await;
    let (status, trigger) = send(
        &server,
        Method::POST,
        "/api/v1/pipelines/example_pipeline/triggers",
        &[("cookie", &admin)],
        Some(json!({"name": "hook", "schedule_type": "api"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{trigger}");
    let id = trigger["id"].as_i64().unwrap();
    let token = trigger["token"]
        .as_str()
        .expect("an API trigger's token")
        .to_owned();
    let (status, run) = server
        .call(
            Method::POST,
            &format!("/api/pipeline_schedules/{id}/pipeline_runs/{token}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "no session needed: {run}");
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/api/pipeline_schedules/{id}/pipeline_runs/wrong"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_signed_in_browser_is_still_protected_from_foreign_pages() {
    let server = TestServer::new().await;
    add(&server, "owner@example.com", Role::Owner).await;
    let owner = session(&server, "owner@example.com").await;
    let headers = [
        ("cookie", owner.as_str()),
        ("host", "127.0.0.1:6789"),
        ("origin", "http://evil.example"),
    ];
    let (status, error) = send(
        &server,
        Method::PUT,
        "/api/v1/files/content",
        &headers,
        Some(json!({"path": "transformers/pwned.py", "content": "import os"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error["error"]["code"], json!("forbidden_origin"));
    assert!(!server.root.join("transformers/pwned.py").exists());
    let (status, error) = send(
        &server,
        Method::GET,
        "/api/v1/terminal",
        &[
            ("cookie", owner.as_str()),
            ("host", "127.0.0.1:6789"),
            ("origin", "http://evil.example"),
            ("upgrade", "websocket"),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status, &error["error"]["code"]),
        (StatusCode::FORBIDDEN, &json!("forbidden_origin"))
    );
    let (status, error) = send(
        &server,
        Method::DELETE,
        "/api/v1/pipelines/example_pipeline",
        &[("cookie", owner.as_str()), ("host", "evil.example")],
        None,
    )
    .await;
    assert_eq!(
        (status, &error["error"]["code"]),
        (StatusCode::FORBIDDEN, &json!("forbidden_host"))
    );
}
