//! Monitoring `wand start`: `/metrics` after known runs, read by Prometheus' own parser (the Python
//! `prometheus_client` package), behind the API's sign-in once a user exists (an API token as Bearer works); and
//! the OTLP traces of a run received by a local collector that decodes the protobuf.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, path_str, python};

/// One sample as Prometheus' parser read it.
#[derive(Debug, Clone)]
struct Sample {
    family: String,
    kind: String,
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses an exposition with `prometheus_client.parser` (it refuses what Prometheus would refuse).
fn parse_with_prometheus(text: &str) -> Vec<Sample> {
    let script = "import json, sys\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        print(json.dumps([{'family': f.name, 'type': f.type, 'name': s.name, 'labels': s.labels, 'value': s.value}\n\
            for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]))\n";
    let mut child = Command::new(python())
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "Prometheus' parser refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let samples: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    samples
        .into_iter()
        .map(|sample| Sample {
            family: sample["family"].as_str().unwrap().to_owned(),
            kind: sample["type"].as_str().unwrap().to_owned(),
            name: sample["name"].as_str().unwrap().to_owned(),
            labels: serde_json::from_value(sample["labels"].clone()).unwrap(),
            value: sample["value"].as_f64().unwrap(),
        })
        .collect()
}

/// The value of the sample `name` whose labels include `labels`, summed over the others (0 when there is none).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|sample| sample.name == name)
        .filter(|sample| {
            labels
                .iter()
                .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(*value))
        })
        .map(|sample| sample.value)
        .sum()
}

fn kind_of(samples: &[Sample], family: &str) -> Option<String> {
    samples
        .iter()
        .find(|sample| sample.family == family)
        .map(|sample| sample.kind.clone())
}

/// `GET /metrics` with these headers: the status and the body.
fn scrape(server: &RunningServer, headers: &[(&str, String)]) -> (u16, String) {
    let mut request = server.agent.get(format!("{}/metrics", server.base));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = request.call().expect("GET /metrics answers");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// Runs the `variables` pipeline of mage09 through the API and waits for it: it completes with both of its
/// output files named, and its second block fails (a missing variable) without `echo_out`.
fn run_variables(server: &RunningServer, sandbox: &Sandbox, fail: bool, name: &str) -> Value {
    let mut variables = json!({"out": path_str(&sandbox.path(&format!("{name}.json")))});
    if !fail {
        variables["echo_out"] = json!(path_str(&sandbox.path(&format!("{name}-echo.json"))));
    }
    let (status, run) = server.post(
        "/api/v1/pipelines/variables/runs",
        json!({ "variables": variables }),
    );
    assert_eq!(status, 201, "{run}");
    let run = server.wait_for_run(
        run["id"].as_i64().unwrap(),
        Duration::from_secs(60),
        finished,
    );
    let expected = if fail { "failed" } else { "completed" };
    assert_eq!(run["status"], json!(expected), "{run}");
    run
}

#[test]
fn metrics_count_known_runs_in_prometheus_format_behind_the_api_sign_in() {
    let sandbox = Sandbox::fixture("mage09");
    // The server counts a finished run right after it ends, and then logs "run counted in the metrics" (debug):
    // that line, written to a file in the watched sandbox, wakes the wait below.
    let log = std::fs::File::create(sandbox.path("server.log")).unwrap();
    let server = RunningServer::start_logging(
        &sandbox,
        &[],
        &[("WAND_LOG", "info,wand::telemetry=debug")],
        Stdio::from(log),
    );
    for (fail, name) in [(false, "one"), (false, "two"), (true, "three")] {
        run_variables(&server, &sandbox, fail, name);
    }
    // Open like the rest of the API while there is no user.
    let samples = server.until(
        Duration::from_secs(30),
        "/metrics never counted the three runs",
        || {
            let (status, text) = scrape(&server, &[]);
            assert_eq!(status, 200, "{text}");
            let samples = parse_with_prometheus(&text);
            if value(&samples, "wand_runs_finished_total", &[]) == 3.0 {
                Ok(samples)
            } else {
                Err(text)
            }
        },
    );
    let variables = ("pipeline", "variables");
    assert_eq!(
        kind_of(&samples, "wand_runs_finished").as_deref(),
        Some("counter")
    );
    let finished = |status| {
        value(
            &samples,
            "wand_runs_finished_total",
            &[variables, ("status", status)],
        )
    };
    assert_eq!((finished("completed"), finished("failed")), (2.0, 1.0));
    // Six block runs ran: both blocks of the two completed runs; `report`, then `echo` failing, in the third.
    assert_eq!(
        kind_of(&samples, "wand_block_run_duration_seconds").as_deref(),
        Some("histogram")
    );
    let durations = |status| {
        value(
            &samples,
            "wand_block_run_duration_seconds_count",
            &[variables, ("status", status)],
        )
    };
    assert_eq!((durations("completed"), durations("failed")), (5.0, 1.0));
    let infinite = value(
        &samples,
        "wand_block_run_duration_seconds_bucket",
        &[variables, ("le", "+Inf")],
    );
    assert_eq!(infinite, 6.0);
    assert!(
        value(
            &samples,
            "wand_block_run_duration_seconds_sum",
            &[variables]
        ) > 0.0
    );
    // Block runs carry no id or block name as a label.
    for sample in samples
        .iter()
        .filter(|s| s.family.starts_with("wand_block_run"))
    {
        assert!(
            sample
                .labels
                .keys()
                .all(|key| ["pipeline", "status", "le"].contains(&key.as_str())),
            "{sample:?}"
        );
    }
    // Each block run waited in the queue once before this server's worker claimed it (at most: a claim can be
    // announced before the queueing it follows).
    let waits = value(&samples, "wand_queue_wait_seconds_count", &[]);
    assert!((1.0..=6.0).contains(&waits), "{waits}");
    assert_eq!(value(&samples, "wand_queued_block_runs", &[]), 0.0);
    assert_eq!(value(&samples, "wand_runs", &[]), 0.0, "no run is going");
    assert_eq!(value(&samples, "wand_lease_recoveries_total", &[]), 0.0);
    assert_eq!(
        kind_of(&samples, "wand_lease_recoveries").as_deref(),
        Some("counter")
    );
    assert_eq!(
        value(&samples, "wand_python_supervisor_restarts_total", &[]),
        0.0
    );
    // HTTP requests by route template and status class: the three runs created, and the polls of each.
    let runs_route = [
        ("method", "POST"),
        ("route", "/api/v1/pipelines/{uuid}/runs"),
        ("status", "2xx"),
    ];
    assert_eq!(
        value(&samples, "wand_http_requests_total", &runs_route),
        3.0
    );
    assert_eq!(
        value(
            &samples,
            "wand_http_request_duration_seconds_count",
            &runs_route
        ),
        3.0
    );
    assert!(
        value(
            &samples,
            "wand_http_requests_total",
            &[("route", "/api/v1/runs/{id}"), ("status", "2xx")]
        ) >= 3.0
    );

    // Once a user exists, Prometheus needs an API token.
    let (status, owner) = server.post(
        "/api/v1/users",
        json!({"email": "owner@example.com", "password": "a long owner password", "role": "owner"}),
    );
    assert_eq!(status, 201, "{owner}");
    let (status, body) = scrape(&server, &[]);
    assert_eq!(status, 401, "{body}");
    let cookie = sign_in(&server, "owner@example.com", "a long owner password");
    let token = create_token(&server, &cookie);
    let (status, text) = scrape(&server, &[("authorization", format!("Bearer {token}"))]);
    assert_eq!(status, 200, "{text}");
    let samples = parse_with_prometheus(&text);
    assert_eq!(
        value(
            &samples,
            "wand_http_requests_total",
            &[("route", "/metrics"), ("status", "4xx")]
        ),
        1.0,
        "the refused scrape is counted under its route"
    );
}

/// Signs in; returns the `name=value` of the session cookie.
fn sign_in(server: &RunningServer, email: &str, password: &str) -> String {
    let response = server
        .agent
        .post(format!("{}/api/v1/sessions", server.base))
        .send_json(json!({"email": email, "password": password}))
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

fn create_token(server: &RunningServer, cookie: &str) -> String {
    let mut response = server
        .agent
        .post(format!("{}/api/v1/tokens", server.base))
        .header("cookie", cookie)
        .header("origin", &server.base)
        .send_json(json!({"name": "prometheus"}))
        .unwrap();
    let body: Value = response.body_mut().read_json().unwrap();
    assert_eq!(response.status().as_u16(), 201, "{body}");
    body["value"].as_str().unwrap().to_owned()
}

/// A one-route OTLP/HTTP collector on a loopback port: it keeps every `POST /v1/traces` body it receives.
struct Collector {
    url: String,
    requests: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    /// One message per request received.
    received: mpsc::Receiver<()>,
}

impl Collector {
    fn start() -> Collector {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let kept = requests.clone();
        let (announce, received) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if let Some((path, body)) = read_request(&mut stream) {
                    assert_eq!(path, "/v1/traces");
                    let request = ExportTraceServiceRequest::decode(body.as_slice())
                        .expect("the body is an OTLP protobuf");
                    kept.lock().unwrap().push(request);
                    let _ = announce.send(());
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\
                      connection: close\r\n\r\n",
                );
            }
        });
        Collector {
            url,
            requests,
            received,
        }
    }

    /// Waits for requests until at least `count` spans came, for at most `limit`.
    fn wait_for_spans(&self, count: usize, limit: Duration) -> Vec<Span> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let spans = self.spans();
            if spans.len() >= count {
                return spans;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            assert!(
                self.received.recv_timeout(left).is_ok(),
                "the collector received {} spans, not {count}",
                spans.len()
            );
        }
    }

    fn spans(&self) -> Vec<Span> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .flat_map(|request| &request.resource_spans)
            .flat_map(|resource| &resource.scope_spans)
            .flat_map(|scope| scope.spans.clone())
            .collect()
    }

    fn service_names(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .flat_map(|request| &request.resource_spans)
            .filter_map(|resource| resource.resource.as_ref())
            .filter_map(|resource| attribute(&resource.attributes, "service.name"))
            .collect()
    }
}

/// Reads one HTTP/1.1 request with a `content-length` body: its path and body.
fn read_request(stream: &mut std::net::TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let path = head.split_whitespace().nth(1)?.to_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some((path, buffer[head_end..head_end + length].to_vec()))
}

/// A string or integer attribute, as text.
fn attribute(
    attributes: &[opentelemetry_proto::tonic::common::v1::KeyValue],
    key: &str,
) -> Option<String> {
    let value = attributes.iter().find(|kv| kv.key == key)?.value.as_ref()?;
    match value.value.as_ref()? {
        AnyValue::StringValue(text) => Some(text.clone()),
        AnyValue::IntValue(number) => Some(number.to_string()),
        _ => None,
    }
}

#[test]
fn runs_are_exported_over_otlp_with_a_child_span_per_block_run_and_a_trigger_run_has_its_lag() {
    let collector = Collector::start();
    let sandbox = Sandbox::fixture("mage09");
    let server = RunningServer::start_with_env(
        &sandbox,
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url.as_str()),
            ("OTEL_SERVICE_NAME", "wand-under-test"),
        ],
    );
    let run = run_variables(&server, &sandbox, true, "traced");
    let run_id = run["id"].as_i64().unwrap();
    let spans = collector.wait_for_spans(3, Duration::from_secs(30));
    assert_eq!(spans.len(), 3, "{spans:#?}");
    assert_eq!(collector.service_names(), ["wand-under-test"]);
    let (roots, children): (Vec<&Span>, Vec<&Span>) = spans
        .iter()
        .partition(|span| span.parent_span_id.is_empty());
    assert_eq!(roots.len(), 1, "{spans:#?}");
    let root = roots[0];
    assert_eq!(root.name, "run variables");
    assert_eq!(
        attribute(&root.attributes, "wand.run_id"),
        Some(run_id.to_string())
    );
    assert_eq!(
        attribute(&root.attributes, "wand.pipeline").as_deref(),
        Some("variables")
    );
    assert_eq!(
        attribute(&root.attributes, "wand.status").as_deref(),
        Some("failed")
    );
    // Status codes: 1 is Ok, 2 is Error.
    assert_eq!(root.status.as_ref().map(|status| status.code), Some(2));
    let mut blocks: Vec<(String, String, Option<String>, i32)> = children
        .iter()
        .map(|span| {
            assert_eq!(span.trace_id, root.trace_id);
            assert_eq!(span.parent_span_id, root.span_id);
            assert!(span.start_time_unix_nano >= root.start_time_unix_nano);
            assert!(span.end_time_unix_nano <= root.end_time_unix_nano);
            assert!(span.start_time_unix_nano <= span.end_time_unix_nano);
            (
                span.name.clone(),
                attribute(&span.attributes, "wand.status").unwrap(),
                attribute(&span.attributes, "wand.attempt"),
                span.status.as_ref().map_or(0, |status| status.code),
            )
        })
        .collect();
    blocks.sort();
    assert_eq!(
        blocks,
        [
            (
                "block echo".to_owned(),
                "failed".to_owned(),
                Some("1".to_owned()),
                2
            ),
            (
                "block report".to_owned(),
                "completed".to_owned(),
                Some("1".to_owned()),
                1
            ),
        ]
    );
    // A run of a schedule trigger: its trace names the trigger, and /metrics has its lag behind the slot.
    let (status, trigger) = server.post(
        "/api/v1/pipelines/ticker/triggers",
        json!({"name": "once", "schedule_type": "time", "schedule_interval": "@once", "status": "active"}),
    );
    assert_eq!(status, 201, "{trigger}");
    let spans = collector.wait_for_spans(5, Duration::from_secs(60));
    let root = spans
        .iter()
        .find(|span| span.name == "run ticker")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert_eq!(
        attribute(&root.attributes, "wand.trigger").as_deref(),
        Some("once")
    );
    let block = spans
        .iter()
        .find(|span| span.parent_span_id == root.span_id)
        .expect("the ticker block's span");
    assert_eq!(
        (
            block.name.as_str(),
            attribute(&block.attributes, "wand.trigger").as_deref()
        ),
        ("block ticker", Some("once"))
    );
    let (status, text) = scrape(&server, &[]);
    assert_eq!(status, 200, "{text}");
    let samples = parse_with_prometheus(&text);
    assert_eq!(
        kind_of(&samples, "wand_scheduler_lag_seconds").as_deref(),
        Some("histogram")
    );
    assert_eq!(
        value(&samples, "wand_scheduler_lag_seconds_count", &[]),
        1.0,
        "the API-created run has no slot; the trigger's one has"
    );
}
