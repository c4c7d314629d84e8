//! Mage's notifications as data: `notification_config` (the project's merged under the pipeline's, values rendered),
//! when to alert (`alert_on`) and the messages (Mage's default texts and `message_templates`, interpolated as
//! Python's `str.format`). No I/O and no environment: reading files is `project`'s, sending is `notifier`'s, and the
//! environment comes in as a lookup function.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

mod message;
mod render;

pub use message::{Message, MessageFacts, message, python_datetime};
pub use render::render_value;

/// Reads an environment variable (given by `cli`, the only reader of the environment).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What a notification is about (Mage's `AlertOn`, and the key of its message template).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertEvent {
    Failure,
    Success,
    PassedSla,
}

impl AlertEvent {
    /// The event's name in storage and in `message_templates`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertEvent::Failure => "failure",
            AlertEvent::Success => "success",
            AlertEvent::PassedSla => "passed_sla",
        }
    }

    /// Its value in `alert_on`.
    pub fn alert_on(self) -> &'static str {
        match self {
            AlertEvent::Failure => "trigger_failure",
            AlertEvent::Success => "trigger_success",
            AlertEvent::PassedSla => "trigger_passed_sla",
        }
    }

    pub fn parse(text: &str) -> Option<AlertEvent> {
        [
            AlertEvent::Failure,
            AlertEvent::Success,
            AlertEvent::PassedSla,
        ]
        .into_iter()
        .find(|event| event.as_str() == text)
    }
}

/// Mage's `alert_on` when the key is absent (`DEFAULT_ALERT_ON`).
pub const DEFAULT_ALERT_ON: [AlertEvent; 2] = [AlertEvent::Failure, AlertEvent::PassedSla];

/// The channel keys of `notification_config` that Wand sends to, in the order it sends. `webhook_config` is Wand's
/// own (`url`: a JSON body with the run's facts); the others are Mage's.
pub const CHANNEL_KEYS: [&str; 6] = [
    "slack_config",
    "teams_config",
    "discord_config",
    "google_chat_config",
    "email_config",
    "webhook_config",
];

/// Mage's channels that Wand does not send to (a configured one is a load-time warning).
pub const UNSUPPORTED_CHANNEL_KEYS: [&str; 2] = ["opsgenie_config", "telegram_config"];

/// One of a message's three texts per event (Mage's `MessageTemplate`); an empty text counts as none, as in Mage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageTemplate {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    Slack {
        webhook_url: String,
    },
    /// Mage posts to each URL of the list (a single string is a list of one).
    Teams {
        webhook_urls: Vec<String>,
    },
    Discord {
        webhook_url: String,
    },
    GoogleChat {
        webhook_url: String,
    },
    Email(EmailConfig),
    /// Wand's generic webhook: a JSON body with the message and the run's facts.
    Webhook {
        url: String,
    },
}

impl Channel {
    /// The channel's key in `notification_config`, which names it in deliveries and the API.
    pub fn key(&self) -> &'static str {
        match self {
            Channel::Slack { .. } => "slack_config",
            Channel::Teams { .. } => "teams_config",
            Channel::Discord { .. } => "discord_config",
            Channel::GoogleChat { .. } => "google_chat_config",
            Channel::Email(_) => "email_config",
            Channel::Webhook { .. } => "webhook_config",
        }
    }

    /// Where it sends, with the secrets masked: a webhook's scheme and host only, an email's SMTP server and
    /// recipients (never the password).
    pub fn target(&self) -> String {
        match self {
            Channel::Slack { webhook_url }
            | Channel::Discord { webhook_url }
            | Channel::GoogleChat { webhook_url }
            | Channel::Webhook { url: webhook_url } => mask_url(webhook_url),
            Channel::Teams { webhook_urls } => webhook_urls
                .iter()
                .map(|url| mask_url(url))
                .collect::<Vec<_>>()
                .join(", "),
            Channel::Email(email) => format!(
                "smtp://{}:{} to {}",
                email.smtp_host,
                email.smtp_port,
                email.to_emails.join(", ")
            ),
        }
    }
}

/// A webhook URL without its path and query (which hold its secret): `https://hooks.slack.com/…`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "…".to_owned();
    };
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default();
    format!("{scheme}://{host}/…")
}

/// Mage's `EmailConfig` (SMTP): `smtp_port` 587, STARTTLS and no implicit TLS by default.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_mail_from: String,
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_starttls: bool,
    pub smtp_ssl: bool,
    pub to_emails: Vec<String>,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_mail_from", &self.smtp_mail_from)
            .field("smtp_user", &self.smtp_user)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "******"),
            )
            .field("smtp_starttls", &self.smtp_starttls)
            .field("smtp_ssl", &self.smtp_ssl)
            .field("to_emails", &self.to_emails)
            .finish()
    }
}

/// A pipeline's notification settings, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationConfig {
    pub alert_on: Vec<AlertEvent>,
    pub templates: BTreeMap<AlertEvent, MessageTemplate>,
    /// The channels configured and usable (Mage skips a webhook URL that is absent or `None`, which is what its
    /// default project's `{{ env_var('MAGE_SLACK_WEBHOOK_URL') }}` renders to while the variable is unset).
    pub channels: Vec<Channel>,
    /// What is wrong in the settings (a channel without its required key, an unknown `alert_on` value, a channel
    /// Wand does not send to), each naming its key.
    pub problems: Vec<String>,
}

impl NotificationConfig {
    pub fn alerts(&self, event: AlertEvent) -> bool {
        self.alert_on.contains(&event)
    }

    pub fn channel(&self, key: &str) -> Option<&Channel> {
        self.channels.iter().find(|channel| channel.key() == key)
    }
}

/// Mage's merge of the project's `notification_config` with the pipeline's (`merge_dict`): the pipeline's top-level
/// keys replace the project's, whole.
pub fn merge_notification_config(project: Option<&Value>, pipeline: Option<&Value>) -> Value {
    let mut merged = project
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(pipeline) = pipeline.and_then(Value::as_object) {
        for (key, value) in pipeline {
            merged.insert(key.clone(), value.clone());
        }
    }
    Value::Object(merged)
}

/// Reads a merged `notification_config` whose strings are rendered already (see `render_value`).
pub fn parse_notification_config(config: &Value) -> NotificationConfig {
    let empty = Map::new();
    let map = config.as_object().unwrap_or(&empty);
    let mut problems = Vec::new();
    let alert_on = match map.get("alert_on") {
        None | Some(Value::Null) => DEFAULT_ALERT_ON.to_vec(),
        Some(Value::Array(values)) => values
            .iter()
            .filter_map(|value| {
                let found = value.as_str().and_then(|text| {
                    [
                        AlertEvent::Failure,
                        AlertEvent::Success,
                        AlertEvent::PassedSla,
                    ]
                    .into_iter()
                    .find(|event| event.alert_on() == text)
                });
                if found.is_none() {
                    problems.push(format!(
                        "notification_config.alert_on: {value} is not one of trigger_failure, trigger_success, \
                         trigger_passed_sla"
                    ));
                }
                found
            })
            .collect(),
        Some(other) => {
            problems.push(format!(
                "notification_config.alert_on must be a list, not {other}"
            ));
            DEFAULT_ALERT_ON.to_vec()
        }
    };
    let mut templates = BTreeMap::new();
    if let Some(Value::Object(by_event)) = map.get("message_templates") {
        for (event, template) in by_event {
            let Some(event) = AlertEvent::parse(event) else {
                problems.push(format!(
                    "notification_config.message_templates.{event} is not one of success, failure, passed_sla"
                ));
                continue;
            };
            let text = |key: &str| {
                template
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|text| !text.is_empty())
                    .map(str::to_owned)
            };
            templates.insert(
                event,
                MessageTemplate {
                    title: text("title"),
                    summary: text("summary"),
                    details: text("details"),
                },
            );
        }
    }
    let mut channels = Vec::new();
    for key in CHANNEL_KEYS {
        let Some(section) = map.get(key).filter(|value| !value.is_null()) else {
            continue;
        };
        match channel(key, section) {
            Ok(Some(channel)) => channels.push(channel),
            Ok(None) => {}
            Err(problem) => problems.push(format!("notification_config.{key}: {problem}")),
        }
    }
    for key in UNSUPPORTED_CHANNEL_KEYS {
        if map.get(key).is_some_and(|value| !value.is_null()) {
            problems.push(format!(
                "notification_config.{key}: Wand does not send to this channel (it sends to Slack, Teams, Discord, \
                 Google Chat, email and webhook_config); nothing is sent there"
            ));
        }
    }
    NotificationConfig {
        alert_on,
        templates,
        channels,
        problems,
    }
}

/// Mage's test for a webhook URL: present and not the text `None`.
fn usable(url: Option<&str>) -> Option<String> {
    url.map(str::trim)
        .filter(|url| !url.is_empty() && *url != "None")
        .map(str::to_owned)
}

/// One channel section; `Ok(None)` for one Mage would skip without a word (no usable URL, no recipient).
fn channel(key: &str, section: &Value) -> Result<Option<Channel>, String> {
    let url = |name: &str| usable(section.get(name).and_then(Value::as_str));
    Ok(match key {
        "slack_config" => url("webhook_url").map(|webhook_url| Channel::Slack { webhook_url }),
        "discord_config" => url("webhook_url").map(|webhook_url| Channel::Discord { webhook_url }),
        "google_chat_config" => {
            url("webhook_url").map(|webhook_url| Channel::GoogleChat { webhook_url })
        }
        "webhook_config" => url("url").map(|url| Channel::Webhook { url }),
        "teams_config" => {
            let urls: Vec<Option<String>> = match section.get("webhook_url") {
                Some(Value::String(url)) => vec![usable(Some(url))],
                Some(Value::Array(urls)) => urls.iter().map(|url| usable(url.as_str())).collect(),
                _ => Vec::new(),
            };
            // Mage sends only when every URL of the list is usable.
            if urls.is_empty() || urls.iter().any(Option::is_none) {
                None
            } else {
                Some(Channel::Teams {
                    webhook_urls: urls.into_iter().flatten().collect(),
                })
            }
        }
        "email_config" => email(section)?.map(Channel::Email),
        _ => None,
    })
}

fn email(section: &Value) -> Result<Option<EmailConfig>, String> {
    let text = |name: &str| {
        section
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty() && *text != "None")
            .map(str::to_owned)
    };
    let flag = |name: &str, default: bool| match section.get(name) {
        Some(Value::Bool(flag)) => flag.to_owned(),
        Some(Value::String(text)) => matches!(text.to_lowercase().as_str(), "true" | "1" | "yes"),
        _ => default,
    };
    let to_emails: Vec<String> = match section.get("to_emails") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    if to_emails.is_empty() {
        return Ok(None);
    }
    let smtp_host = text("smtp_host").ok_or("`smtp_host` is required")?;
    let smtp_mail_from = text("smtp_mail_from").ok_or("`smtp_mail_from` is required")?;
    let smtp_port = match section.get("smtp_port") {
        None | Some(Value::Null) => 587,
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
            .and_then(|port| u16::try_from(port).ok())
            .ok_or_else(|| format!("`smtp_port` must be a port number, not {value}"))?,
    };
    Ok(Some(EmailConfig {
        smtp_host,
        smtp_port,
        smtp_mail_from,
        smtp_user: text("smtp_user"),
        smtp_password: text("smtp_password"),
        smtp_starttls: flag("smtp_starttls", true),
        smtp_ssl: flag("smtp_ssl", false),
        to_emails,
    }))
}

#[cfg(test)]
mod tests;
