//! `wand start` beyond loopback: off loopback sign-in is always required (an owner must exist, `--no-auth` is
//! refused), HTTPS with a certificate, Mage's environment names for the same settings, and the terminal turned off.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::server::RunningServer;
use crate::support::{Sandbox, path_str};

const OWNER: [(&str, &str); 2] = [
    ("WAND_OWNER_EMAIL", "owner@example.com"),
    ("WAND_OWNER_PASSWORD", "a long owner password"),
];

#[test]
fn off_loopback_an_owner_must_exist_and_no_auth_is_refused() {
    let sandbox = Sandbox::fixture("mage09");
    let project = path_str(&sandbox.project);
    let data = path_str(&sandbox.data_dir);
    let start = ["start", project, "--data-dir", data, "--port", "0"];
    let no_auth = sandbox.wand(&[&start[..], &["--host", "0.0.0.0", "--no-auth"]].concat());
    no_auth
        .assert_code(2)
        .assert_stderr_contains("refusing --no-auth on 0.0.0.0")
        .assert_stderr_contains("sign-in is always required");
    let mage_no_auth = crate::support::wand_with_env(
        sandbox.root(),
        &[&start[..], &["--host", "0.0.0.0"]].concat(),
        &[("REQUIRE_USER_AUTHENTICATION", "0")],
    );
    mage_no_auth
        .assert_code(2)
        .assert_stderr_contains("refusing REQUIRE_USER_AUTHENTICATION=0 on 0.0.0.0");
    let no_owner = sandbox.wand(&[&start[..], &["--host", "0.0.0.0"]].concat());
    no_owner
        .assert_code(2)
        .assert_stderr_contains("there is no user yet")
        .assert_stderr_contains("wand users add");
    let required_on_loopback = crate::support::wand_with_env(
        sandbox.root(),
        &start,
        &[("REQUIRE_USER_AUTHENTICATION", "1")],
    );
    required_on_loopback
        .assert_code(2)
        .assert_stderr_contains("REQUIRE_USER_AUTHENTICATION=1");
}

#[test]
fn off_loopback_every_route_but_the_public_ones_needs_a_sign_in_and_any_host_name_is_answered() {
    let sandbox = Sandbox::fixture("mage09");
    let server =
        RunningServer::start_with_env(&sandbox, &["--host", "0.0.0.0", "--workers", "0"], &OWNER);
    assert!(
        server.base.starts_with("http://0.0.0.0:"),
        "{}",
        server.base
    );
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let base = format!("http://127.0.0.1:{port}");
    let (status, body) = call(&server.agent, "GET", &base, "/api/v1/pipelines", &[], None);
    assert_eq!(status, 401, "{body}");
    let (status, _) = call(&server.agent, "GET", &base, "/api/v1/health", &[], None);
    assert_eq!(status, 200);
    // Reached under a name the server cannot know (a container's host name): answered, still behind sign-in.
    let head = raw_get(
        &port,
        &format!("wand-box.internal:{port}"),
        "/api/v1/pipelines",
    );
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    let head = raw_get(
        &port,
        &format!("wand-box.internal:{port}"),
        "/api/v1/health",
    );
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    let cookie = sign_in(&server.agent, &base, &[]);
    let with_cookie = [("cookie", cookie.clone())];
    let (status, pipelines) = call(
        &server.agent,
        "GET",
        &base,
        "/api/v1/pipelines",
        &with_cookie,
        None,
    );
    assert_eq!(status, 200, "{pipelines}");
    assert!(pipelines.as_array().is_some_and(|list| !list.is_empty()));
    // The session's cookie does not let a foreign page change anything.
    let foreign = [
        ("cookie", cookie.clone()),
        ("origin", "https://evil.example".to_owned()),
    ];
    let (status, body) = call(
        &server.agent,
        "POST",
        &base,
        "/api/v1/pipelines",
        &foreign,
        Some(json!({"name": "from evil"})),
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], json!("forbidden_origin"), "{body}");

    // An API token works off loopback too.
    let (status, token) = call(
        &server.agent,
        "POST",
        &base,
        "/api/v1/tokens",
        &with_cookie,
        Some(json!({"name": "ci"})),
    );
    assert_eq!(status, 201, "{token}");
    let bearer = [(
        "authorization",
        format!("Bearer {}", token["value"].as_str().unwrap()),
    )];
    let (status, _) = call(&server.agent, "GET", &base, "/api/v1/runs", &bearer, None);
    assert_eq!(status, 200);
}

#[test]
fn https_serves_with_the_certificate_and_its_session_cookie_is_secure() {
    let sandbox = Sandbox::fixture("mage09");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = sandbox.path("cert.pem");
    let key = sandbox.path("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let mut server = RunningServer::start_with_env(
        &sandbox,
        &[
            "--workers",
            "0",
            "--tls-cert",
            path_str(&cert),
            "--tls-key",
            path_str(&key),
        ],
        &OWNER,
    );
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let trusted = ureq::tls::Certificate::from_der(certified.cert.der()).to_owned();
    server.agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![trusted])))
                .build(),
        )
        .build()
        .into();
    let (status, _) = server.get("/api/v1/health");
    assert_eq!(status, 200);
    let mut response = server
        .agent
        .post(format!("{}/api/v1/sessions", server.base))
        .send_json(json!({"email": OWNER[0].1, "password": OWNER[1].1}))
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .unwrap()
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let _ = response.body_mut().read_to_string();
    // Plain HTTP on the TLS port gets no answer.
    let plain = format!("http://{}", server.base.trim_start_matches("https://"));
    let plain_agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    assert!(
        plain_agent
            .get(format!("{plain}/api/v1/health"))
            .call()
            .is_err()
    );
}

#[test]
fn disable_terminal_turns_the_terminal_off() {
    let sandbox = Sandbox::fixture("mage09");
    let server =
        RunningServer::start_with_env(&sandbox, &["--workers", "0"], &[("DISABLE_TERMINAL", "1")]);
    let (status, body) = call(
        &server.agent,
        "GET",
        &server.base,
        "/api/v1/terminal",
        &[
            ("connection", "upgrade".to_owned()),
            ("upgrade", "websocket".to_owned()),
            ("sec-websocket-version", "13".to_owned()),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==".to_owned()),
        ],
        None,
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("DISABLE_TERMINAL")),
        "{body}"
    );
}

/// The status line of a GET sent with any `Host` (an HTTP client builds `Host` from the URL).
fn raw_get(port: &str, host: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_owned()
}

/// Signs the owner in; returns the `name=value` of the session cookie.
fn sign_in(agent: &ureq::Agent, base: &str, headers: &[(&str, String)]) -> String {
    let mut request = agent.post(format!("{base}/api/v1/sessions"));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request
        .send_json(json!({"email": OWNER[0].1, "password": OWNER[1].1}))
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap()
        .to_owned()
}

/// One request with extra headers; the status and the JSON body (null when there is none).
fn call(
    agent: &ureq::Agent,
    method: &str,
    base: &str,
    path: &str,
    headers: &[(&str, String)],
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{base}{path}");
    let mut response = match body {
        None => {
            let mut request = match method {
                "GET" => agent.get(&url),
                other => panic!("no body for {other}"),
            };
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            request.call().unwrap()
        }
        Some(body) => {
            let mut request = match method {
                "POST" => agent.post(&url),
                "PUT" => agent.put(&url),
                other => panic!("a body for {other}"),
            };
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            request.send_json(body).unwrap()
        }
    };
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    )
}
