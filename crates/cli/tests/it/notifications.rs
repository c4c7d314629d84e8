//! Notifications and SLAs under `wand start`, against real receivers on loopback: an HTTP receiver (axum, in this
//! test) standing in for Slack's webhook, and a real SMTP server (aiosmtpd, run by the test Python). The project is
//! `fixtures/mage_notify`, whose `notification_config` is the one Mage's default project writes (plus an email
//! channel in Mage's keys).
//!
//! The expected texts are Mage 0.9.80's: `crates/model/src/notification/mage_messages.py` runs Mage's own
//! `NotificationSender` (in Mage's venv) and `mage_messages.json` holds what it sent; the Slack body is
//! `mage_ai/services/slack/slack.py`'s and the email is `mage_ai/services/email/email.py`'s (subject the title, body
//! the details, to every `to_emails`). A run started by hand has no trigger, which Python prints as `None`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{RunningServer, finished};
use crate::support::{Sandbox, path_str, python, read_json};

/// The HTTP receiver: each request it accepts is written to `<dir>/http-<n>.json` (path and body); the first
/// `fail_first` requests are answered 500 and written as `http-failed-<n>.json`.
fn http_receiver(dir: &Path, fail_first: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("its address").port();
    let dir = dir.to_owned();
    let seen = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let app = axum::Router::new().fallback(
                move |uri: axum::http::Uri, body: axum::body::Bytes| {
                    let (dir, seen) = (dir.clone(), seen.clone());
                    async move {
                        let n = seen.fetch_add(1, Ordering::SeqCst);
                        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let record = json!({"path": uri.path(), "body": body});
                        let (name, status) = if n < fail_first {
                            (format!("http-failed-{n}.json"), 500)
                        } else {
                            (format!("http-{n}.json"), 200)
                        };
                        let temporary = dir.join(format!(".{name}"));
                        std::fs::write(&temporary, record.to_string())
                            .expect("the record is written");
                        std::fs::rename(&temporary, dir.join(name)).expect("the record is moved");
                        axum::http::StatusCode::from_u16(status).expect("a status")
                    }
                },
            );
            axum::serve(listener, app)
                .await
                .expect("the receiver serves");
        });
    });
    port
}

/// aiosmtpd on a free loopback port; each message it receives is written to `<dir>/mail-<n>.json` (envelope,
/// headers and the decoded body, its lines ended by `\n`: mail travels with CRLF, from Mage's smtplib too).
struct SmtpReceiver {
    child: Child,
    port: u16,
}

const SMTP_RECEIVER: &str = r#"
import asyncio, email, email.policy, json, os, sys
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])

class Handler:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = dict(mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos, subject=message['Subject'],
                      from_=message['From'], to=message['To'], content_type=message.get_content_type(),
                      body=message.get_content().replace('\r\n', '\n'))
        name = os.path.join(out, 'mail-%d.json' % Handler.count)
        Handler.count += 1
        with open(name + '.tmp', 'w') as f:
            json.dump(record, f)
        os.rename(name + '.tmp', name)
        return '250 Message accepted for delivery'

controller = Controller(Handler(), hostname='127.0.0.1', port=port)
controller.start()
print('ready', flush=True)
sys.stdin.read()
controller.stop()
"#;

impl SmtpReceiver {
    fn start(dir: &Path) -> SmtpReceiver {
        let port = {
            let probe = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
            probe.local_addr().expect("its address").port()
        };
        let mut child = Command::new(python())
            .args(["-c", SMTP_RECEIVER, path_str(dir), &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the test Python runs aiosmtpd (requirements-test.txt)");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut line,
        )
        .expect("aiosmtpd starts");
        assert_eq!(
            line.trim(),
            "ready",
            "aiosmtpd did not start (is it installed?)"
        );
        SmtpReceiver { child, port }
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the receivers got so far: accepted HTTP requests, refused ones, and mails.
fn received(dir: &Path) -> (Vec<Value>, usize, Vec<Value>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the receivers' folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort_by_key(|path| {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        name.rsplit('-').next().unwrap().parse::<usize>().unwrap()
    });
    let name = |path: &PathBuf| path.file_name().unwrap().to_string_lossy().into_owned();
    let http = files
        .iter()
        .filter(|p| name(p).starts_with("http-") && !name(p).starts_with("http-failed"))
        .map(|p| read_json(p))
        .collect();
    let failed = files
        .iter()
        .filter(|p| name(p).starts_with("http-failed"))
        .count();
    let mail = files
        .iter()
        .filter(|p| name(p).starts_with("mail-"))
        .map(|p| read_json(p))
        .collect();
    (http, failed, mail)
}

/// Python's `str()` of the run's execution date (what Mage's `{execution_time}` prints).
fn python_time(run: &Value) -> String {
    let time = chrono::DateTime::parse_from_rfc3339(run["execution_date"].as_str().unwrap())
        .expect("an RFC 3339 time")
        .with_timezone(&chrono::Utc);
    model::python_datetime(time)
}

fn slack_body(title: &str, text: &str) -> Value {
    json!({"blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
    ]})
}

fn start_run(server: &RunningServer, pipeline: &str) -> i64 {
    let (status, run) = server.post(&format!("/api/v1/pipelines/{pipeline}/runs"), json!({}));
    assert_eq!(status, 201, "{run}");
    run["id"].as_i64().expect("a run id")
}

#[test]
fn failures_successes_and_slas_alert_as_mage_configures_them() {
    let sandbox = Sandbox::fixture("mage_notify");
    let inbox = sandbox.path("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    // The receiver refuses the first message: the sender tries it again after its backoff.
    let http_port = http_receiver(&inbox, 1);
    let smtp = SmtpReceiver::start(&inbox);
    let release = sandbox.path("release");
    let slack_url = format!("http://127.0.0.1:{http_port}/services/T000/B000/secret");
    let smtp_port = smtp.port.to_string();
    let server = RunningServer::start_with_env(
        &sandbox,
        &[],
        &[
            ("MAGE_SLACK_WEBHOOK_URL", slack_url.as_str()),
            ("NOTIFY_SMTP_PORT", smtp_port.as_str()),
            ("NOTIFY_RELEASE", path_str(&release)),
            ("MAGE_PUBLIC_HOST", "http://wand.example.com"),
        ],
    );

    // The configured channels, secrets masked; Teams' variable is unset, so Teams is not one (as in Mage).
    let (_, channels) = server.get("/api/v1/notifications/channels");
    assert_eq!(
        channels["channels"],
        json!([
            {"channel": "slack_config", "target": format!("http://127.0.0.1:{http_port}/…")},
            {"channel": "email_config",
             "target": format!("smtp://127.0.0.1:{smtp_port} to oncall@example.com, data@example.com")},
        ])
    );

    // A failing run: one Slack message and one email, after one refused attempt at Slack.
    let failed = start_run(&server, "notify_fail");
    let run = server.wait_for_run(failed, Duration::from_secs(120), finished);
    assert_eq!(run["status"], "failed");
    let (http, refused, mail) = server.until(
        Duration::from_secs(60),
        "the failure's Slack message and email arrive",
        || match received(&inbox) {
            (http, refused, mail) if http.len() == 1 && mail.len() == 1 => {
                Ok((http, refused, mail))
            }
            other => Err(format!("{other:?}")),
        },
    );
    assert_eq!(refused, 1);
    let title = "Failed to run Mage pipeline notify_fail";
    let summary = format!(
        "Failed to run Pipeline `notify_fail` with Trigger None `None` at execution time `{}`. Error: Failed \
         blocks: boom.",
        python_time(&run)
    );
    let details = format!(
        "{summary}\nOpen http://wand.example.com/runs/{failed} to check pipeline run results and logs."
    );
    assert_eq!(http[0]["path"], "/services/T000/B000/secret");
    assert_eq!(http[0]["body"], slack_body(title, &details));
    assert_eq!(
        mail[0],
        json!({
            "mail_from": "wand@example.com",
            "rcpt_tos": ["oncall@example.com", "data@example.com"],
            "subject": title,
            "from_": "wand@example.com",
            "to": "oncall@example.com, data@example.com",
            "content_type": "text/plain",
            "body": format!("{details}\n"),
        })
    );
    // The receiver answered before the notifier recorded the delivery: wait until none is pending.
    let deliveries = server.until(
        Duration::from_secs(60),
        "the deliveries were never all recorded",
        || {
            let (_, deliveries) = server.get(&format!("/api/v1/runs/{failed}/notifications"));
            let pending = deliveries["deliveries"]
                .as_array()
                .is_some_and(|all| all.iter().any(|d| d["status"] == "pending"));
            if pending {
                Err(deliveries.to_string())
            } else {
                Ok(deliveries)
            }
        },
    );
    let seen: Vec<(String, String, String, i64)> = deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["event"].as_str().unwrap().to_owned(),
                d["channel"].as_str().unwrap().to_owned(),
                d["status"].as_str().unwrap().to_owned(),
                d["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    let row = |event: &str, channel: &str, attempts| {
        (
            event.to_owned(),
            channel.to_owned(),
            "sent".to_owned(),
            attempts,
        )
    };
    assert_eq!(
        seen,
        [
            row("failure", "slack_config", 2),
            row("failure", "email_config", 1)
        ]
    );

    // A success alerts only where `alert_on` asks for it: the project's default does not.
    let quiet = start_run(&server, "notify_ok");
    let run = server.wait_for_run(quiet, Duration::from_secs(120), finished);
    assert_eq!(
        (run["status"].as_str(), run["passed_sla"].as_bool()),
        (Some("completed"), Some(false))
    );
    let (_, deliveries) = server.get(&format!("/api/v1/runs/{quiet}/notifications"));
    assert_eq!(deliveries["deliveries"], json!([]));
    // A pipeline's own `alert_on: [trigger_success]` replaces the project's (Mage's merge), channels kept.
    let loud = start_run(&server, "notify_ok_loud");
    let run = server.wait_for_run(loud, Duration::from_secs(120), finished);
    assert_eq!(run["status"], "completed");
    let (http, mail) = server.until(
        Duration::from_secs(60),
        "the success message arrives",
        || match received(&inbox) {
            (http, _, mail) if http.len() == 2 && mail.len() == 2 => Ok((http, mail)),
            other => Err(format!("{other:?}")),
        },
    );
    let summary = format!(
        "Successfully ran Pipeline `notify_ok_loud` with Trigger None `None` at execution time `{}`.",
        python_time(&run)
    );
    let details = format!(
        "{summary}\nOpen http://wand.example.com/runs/{loud} to check pipeline run results and logs."
    );
    assert_eq!(
        http[1]["body"],
        slack_body("Successfully ran Pipeline notify_ok_loud", &details)
    );
    assert_eq!(
        mail[1]["subject"],
        "Successfully ran Pipeline notify_ok_loud"
    );

    // A run of a trigger with `sla: 1` still going after a second: marked passed_sla, alerted once.
    let trigger = server.until(Duration::from_secs(30), "triggers.yaml is applied", || {
        let (_, triggers) = server.get("/api/v1/pipelines/notify_slow/triggers");
        triggers[0]["id"]
            .as_i64()
            .ok_or_else(|| triggers.to_string())
    });
    let (status, run) = server.post(&format!("/api/v1/triggers/{trigger}/runs"), json!({}));
    assert_eq!(status, 201, "{run}");
    let late = run["id"].as_i64().unwrap();
    let (http, _, mail) =
        server.until(
            Duration::from_secs(60),
            "the SLA alert arrives",
            || match received(&inbox) {
                (http, refused, mail) if http.len() == 3 && mail.len() == 3 => {
                    Ok((http, refused, mail))
                }
                other => Err(format!("{other:?}")),
            },
        );
    let (_, run) = server.get(&format!("/api/v1/runs/{late}"));
    assert_eq!(
        (run["status"].as_str(), run["passed_sla"].as_bool()),
        (Some("running"), Some(true))
    );
    // Mage's default passed-SLA title doubles its braces, so Python prints the placeholder itself.
    let summary = format!(
        "SLA missed for pipeline `notify_slow` with Trigger {trigger} `late_api` at execution time `{}`.",
        python_time(&run)
    );
    let details = format!(
        "{summary}\nOpen http://wand.example.com/runs/{late} to check pipeline run results and logs."
    );
    assert_eq!(
        http[2]["body"],
        slack_body("SLA missed for Mage pipeline {pipeline_uuid}", &details)
    );
    assert_eq!(
        mail[2]["subject"],
        "SLA missed for Mage pipeline {pipeline_uuid}"
    );
    std::fs::write(&release, "go").unwrap();
    let run = server.wait_for_run(late, Duration::from_secs(120), finished);
    assert_eq!(
        (run["status"].as_str(), run["passed_sla"].as_bool()),
        (Some("completed"), Some(true))
    );
    let (_, deliveries) = server.get(&format!("/api/v1/runs/{late}/notifications"));
    let events: Vec<&str> = deliveries["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["passed_sla", "passed_sla"], "{deliveries}");
    // Nothing more arrived: one alert per channel for the whole run.
    let (http, _, mail) = received(&inbox);
    assert_eq!((http.len(), mail.len()), (3, 3));

    // Settings' "Send test" reaches the channel; an unknown channel is a 404.
    let (status, answer) = server.post(
        "/api/v1/notifications/test",
        json!({"channel": "slack_config"}),
    );
    assert_eq!(
        (status, &answer),
        (200, &json!({"sent": true, "error": null}))
    );
    let (status, _) = server.post(
        "/api/v1/notifications/test",
        json!({"channel": "teams_config"}),
    );
    assert_eq!(status, 404);
}
