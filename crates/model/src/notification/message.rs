//! A notification's message: Mage's default texts, a user's `message_templates` over them, and the variables they
//! may name (`{pipeline_uuid}`, `{error}`, …), interpolated as Python's `str.format` does.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AlertEvent, MessageTemplate};

/// A rendered message: the title is an email's subject and a Slack header; the summary is Teams', Discord's and
/// Google Chat's text; the details (the summary and a link to the run, unless a template says otherwise) are Slack's
/// and an email's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub title: String,
    pub summary: String,
    pub details: String,
}

/// The facts a message may name, as Mage names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    pub pipeline_uuid: String,
    pub run_id: i64,
    /// The run's execution date as Python prints it (`python_datetime`).
    pub execution_time: String,
    /// The trigger (Mage's pipeline schedule); `None` prints as Python's `None`, as for a run started by hand.
    pub trigger_id: Option<i64>,
    pub trigger_name: Option<String>,
    pub trigger_description: Option<String>,
    /// Mage's `error`: `Failed blocks: a, b.` or `Pipeline run timed out.`.
    pub error: Option<String>,
    /// Mage's `stacktrace`: the first failed block's error, its last 50 lines.
    pub stacktrace: Option<String>,
    /// The URL of the run's page (Mage's `pipeline_run_url`); `None` leaves the "Open … to check" line out.
    pub run_url: Option<String>,
}

/// Mage's `DEFAULT_MESSAGES`: title and summary per event (its passed-SLA title doubles its braces, so Python prints
/// `{pipeline_uuid}` literally; Wand prints what Mage prints).
fn default_texts(event: AlertEvent) -> (&'static str, &'static str) {
    match event {
        AlertEvent::Success => (
            "Successfully ran Pipeline {pipeline_uuid}",
            "Successfully ran Pipeline `{pipeline_uuid}` with Trigger {pipeline_schedule_id} \
             `{pipeline_schedule_name}` at execution time `{execution_time}`.",
        ),
        AlertEvent::Failure => (
            "Failed to run Mage pipeline {pipeline_uuid}",
            "Failed to run Pipeline `{pipeline_uuid}` with Trigger {pipeline_schedule_id} \
             `{pipeline_schedule_name}` at execution time `{execution_time}`. Error: {error}",
        ),
        AlertEvent::PassedSla => (
            "SLA missed for Mage pipeline {{pipeline_uuid}}",
            "SLA missed for pipeline `{pipeline_uuid}` with Trigger {pipeline_schedule_id} \
             `{pipeline_schedule_name}` at execution time `{execution_time}`.",
        ),
    }
}

/// The message for `event` about a run, as Mage's `NotificationSender` builds it: each of the template's texts, else
/// the default (the default details being the default summary and the run's link), then interpolated.
pub fn message(
    event: AlertEvent,
    template: Option<&MessageTemplate>,
    facts: &MessageFacts,
) -> Message {
    let (default_title, default_summary) = default_texts(event);
    let mut default_details = format!("{default_summary}\n");
    if let Some(url) = &facts.run_url {
        default_details.push_str(&format!(
            "Open {url} to check pipeline run results and logs."
        ));
    }
    let pick = |text: Option<&String>, default: &str| {
        interpolate(text.map_or(default, String::as_str), facts)
    };
    Message {
        title: pick(template.and_then(|t| t.title.as_ref()), default_title),
        summary: pick(template.and_then(|t| t.summary.as_ref()), default_summary),
        details: pick(template.and_then(|t| t.details.as_ref()), &default_details),
    }
}

/// A time as Python's `str(datetime)` prints an aware UTC one: `2024-01-02 03:04:05+00:00`, with `.ffffff` when it
/// has microseconds.
pub fn python_datetime(time: DateTime<Utc>) -> String {
    if time.timestamp_subsec_micros() == 0 {
        time.format("%Y-%m-%d %H:%M:%S+00:00").to_string()
    } else {
        time.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
    }
}

/// Python's `str.format` with Mage's names: `{name}` becomes its value (`None` when absent), `{{` and `}}` one
/// brace. A field Mage does not define is left as written (Mage would fail the whole notification).
fn interpolate(text: &str, facts: &MessageFacts) -> String {
    let none = || "None".to_owned();
    let value = |name: &str| -> Option<String> {
        Some(match name {
            "pipeline_uuid" => facts.pipeline_uuid.clone(),
            "execution_time" => facts.execution_time.clone(),
            "pipeline_run_url" => facts.run_url.clone().unwrap_or_else(none),
            "pipeline_schedule_id" => facts.trigger_id.map_or_else(none, |id| id.to_string()),
            "pipeline_schedule_name" => facts.trigger_name.clone().unwrap_or_else(none),
            "pipeline_schedule_description" => {
                facts.trigger_description.clone().unwrap_or_else(none)
            }
            "error" => facts.error.clone().unwrap_or_else(none),
            "stacktrace" => facts.stacktrace.clone().unwrap_or_else(none),
            _ => return None,
        })
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('{')
            && let Some(end) = tail.find('}')
            && let Some(found) = value(&tail[1..end])
        {
            out.push_str(&found);
            rest = &tail[end + 1..];
            continue;
        }
        out.push_str(&tail[..1]);
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}
