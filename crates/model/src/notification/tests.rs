//! Notification settings read, merged and rendered, and messages checked against what Mage 0.9.80 sends.

use std::sync::Arc;

use chrono::TimeZone;
use serde_json::{Value, json};

use super::*;

fn env(pairs: &[(&str, &str)]) -> EnvLookup {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Arc::new(move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
}

/// The cases of `mage_messages.py`, with what Mage 0.9.80's `NotificationSender` sent for each.
#[test]
fn messages_are_the_ones_mage_sends() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("mage_messages.json")).expect("mage_messages.json");
    for case in cases {
        let config = parse_notification_config(&case["config"]);
        let event = AlertEvent::parse(case["event"].as_str().unwrap()).unwrap();
        let facts = MessageFacts {
            pipeline_uuid: "notify_fail".to_owned(),
            run_id: 42,
            execution_time: python_datetime(
                chrono::Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap(),
            ),
            trigger_id: Some(7),
            trigger_name: Some("hourly".to_owned()),
            trigger_description: None,
            error: case["error"].as_str().map(str::to_owned),
            stacktrace: case["stacktrace"].as_str().map(str::to_owned),
            run_url: Some("http://localhost:6789/pipelines/notify_fail/runs/42".to_owned()),
        };
        let sent: Vec<Value> = if config.alerts(event) {
            vec![
                serde_json::to_value(message(event, config.templates.get(&event), &facts)).unwrap(),
            ]
        } else {
            Vec::new()
        };
        assert_eq!(Value::Array(sent), case["sent"], "case {case}");
    }
}

#[test]
fn python_prints_microseconds_only_when_there_are_some() {
    let time = chrono::Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap();
    assert_eq!(python_datetime(time), "2024-01-02 03:04:05+00:00");
    let time = time + chrono::Duration::microseconds(7);
    assert_eq!(python_datetime(time), "2024-01-02 03:04:05.000007+00:00");
}

#[test]
fn the_pipeline_replaces_the_projects_keys_whole() {
    let project = json!({
        "alert_on": ["trigger_failure"],
        "slack_config": {"webhook_url": "https://hooks.slack.com/a"},
        "email_config": {"smtp_host": "mail", "smtp_mail_from": "a@b.c", "to_emails": ["x@y.z"]},
    });
    let pipeline =
        json!({"alert_on": ["trigger_success"], "slack_config": {"webhook_url": "https://h/b"}});
    let merged = merge_notification_config(Some(&project), Some(&pipeline));
    assert_eq!(
        merged,
        json!({
            "alert_on": ["trigger_success"],
            "slack_config": {"webhook_url": "https://h/b"},
            "email_config": {"smtp_host": "mail", "smtp_mail_from": "a@b.c", "to_emails": ["x@y.z"]},
        })
    );
    assert_eq!(merge_notification_config(None, Some(&pipeline)), pipeline);
    assert_eq!(merge_notification_config(Some(&project), None), project);
}

#[test]
fn mages_default_project_sends_nothing_until_its_variables_are_set() {
    let default = json!({
        "alert_on": ["trigger_failure", "trigger_passed_sla"],
        "slack_config": {"webhook_url": "{{ env_var('MAGE_SLACK_WEBHOOK_URL') }}"},
        "teams_config": {"webhook_url": "{{ env_var('MAGE_TEAMS_WEBHOOK_URL') }}"},
    });
    let rendered = render_value(&default, &env(&[])).unwrap();
    let config = parse_notification_config(&rendered);
    assert_eq!(config.channels, Vec::new());
    assert_eq!(config.problems, Vec::<String>::new());
    assert_eq!(config.alert_on, DEFAULT_ALERT_ON.to_vec());

    let rendered = render_value(
        &default,
        &env(&[(
            "MAGE_SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T/B/secret",
        )]),
    )
    .unwrap();
    let config = parse_notification_config(&rendered);
    assert_eq!(
        config.channels,
        vec![Channel::Slack {
            webhook_url: "https://hooks.slack.com/services/T/B/secret".to_owned()
        }]
    );
    assert_eq!(config.channels[0].target(), "https://hooks.slack.com/…");
}

#[test]
fn templates_render_env_var_with_a_default_and_refuse_the_rest() {
    let env = env(&[("A", "1")]);
    let check = |text: &str| render_value(&json!(text), &env);
    assert_eq!(check("x{{ env_var('A') }}y"), Ok(json!("x1y")));
    assert_eq!(check("{{env_var(\"B\", 'd')}}"), Ok(json!("d")));
    assert_eq!(check("{{ env_var('B') }}"), Ok(json!("None")));
    assert!(
        check("{{ mage_secret_var('A') }}")
            .unwrap_err()
            .contains("mage_secret_var")
    );
    assert!(check("{{ env_var('A')").is_err());
}

#[test]
fn channels_and_problems_are_read_as_mage_reads_them() {
    let config = parse_notification_config(&json!({
        "alert_on": ["trigger_success", "on_tuesday"],
        "teams_config": {"webhook_url": ["https://a/1", "https://a/2"]},
        "discord_config": {"webhook_url": "None"},
        "email_config": {"smtp_host": "mail", "smtp_mail_from": "a@b.c", "smtp_password": "pw",
                         "to_emails": ["x@y.z"], "smtp_port": "2525"},
        "webhook_config": {"url": "https://example.com/hook"},
        "opsgenie_config": {"url": "https://api.opsgenie.com", "api_key": "k"},
    }));
    assert_eq!(config.alert_on, vec![AlertEvent::Success]);
    let keys: Vec<&str> = config.channels.iter().map(Channel::key).collect();
    assert_eq!(keys, ["teams_config", "email_config", "webhook_config"]);
    let Some(Channel::Email(email)) = config.channel("email_config") else {
        panic!("no email channel")
    };
    assert_eq!(
        (email.smtp_port, email.smtp_starttls, email.smtp_ssl),
        (2525, true, false)
    );
    assert!(!format!("{email:?}").contains("pw"));
    assert_eq!(config.problems.len(), 2, "{:?}", config.problems);
    assert!(config.problems[0].contains("on_tuesday"));
    assert!(config.problems[1].contains("opsgenie_config"));
}

#[test]
fn masked_urls_keep_only_scheme_and_host() {
    assert_eq!(
        mask_url("https://user:pw@hooks.example.com:8443/x/y?z"),
        "https://hooks.example.com:8443/…"
    );
    assert_eq!(mask_url("not a url"), "…");
}
