//! The bodies Mage 0.9.80 posts to each webhook (`mage_ai/services/<channel>/<channel>.py`), and Wand's generic
//! webhook body. Pure: `send` posts them.

use serde_json::{Value, json};
use storage::{Delivery, PipelineRun};

/// Slack: a header (the title), a divider and the details as mrkdwn (Mage turns a written `\n` into a newline).
pub(crate) fn slack(title: &str, details: &str) -> Value {
    json!({
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title}},
            {"type": "divider"},
            {"type": "section", "text": {"type": "mrkdwn", "text": details.replace("\\n", "\n")}},
        ]
    })
}

/// Microsoft Teams: a message card with the title and the summary.
pub(crate) fn teams(title: &str, summary: &str) -> Value {
    json!({
        "summary": title,
        "sections": [{"activityTitle": title, "activitySubtitle": summary}],
    })
}

/// Google Chat: the title in bold, then the summary.
pub(crate) fn google_chat(title: &str, summary: &str) -> Value {
    json!({"text": format!("*{title}*\n{summary}")})
}

/// Discord: Mage's indented triple-quoted text, kept as it sends it.
pub(crate) fn discord(title: &str, summary: &str) -> Value {
    json!({"content": format!("\n    **{title}**\n    {summary}\n    ")})
}

/// Wand's generic webhook (`webhook_config.url`): the message and the run's facts.
pub(crate) fn webhook(delivery: &Delivery, run: Option<&PipelineRun>) -> Value {
    json!({
        "event": delivery.event,
        "title": delivery.title,
        "summary": delivery.summary,
        "details": delivery.details,
        "pipeline_run_id": delivery.pipeline_run_id,
        "pipeline_uuid": run.map(|run| run.pipeline_uuid.clone()),
        "status": run.map(|run| run.status.as_str()),
        "trigger_id": run.and_then(|run| run.trigger_id),
        "execution_date": run.map(|run| run.execution_date.to_rfc3339()),
        "passed_sla": run.map(|run| run.passed_sla),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_the_ones_mage_posts() {
        assert_eq!(
            slack("T", "a\\nb"),
            json!({"blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "T"}},
                {"type": "divider"},
                {"type": "section", "text": {"type": "mrkdwn", "text": "a\nb"}},
            ]})
        );
        assert_eq!(
            teams("T", "S"),
            json!({"summary": "T", "sections": [{"activityTitle": "T", "activitySubtitle": "S"}]})
        );
        assert_eq!(google_chat("T", "S"), json!({"text": "*T*\nS"}));
        assert_eq!(
            discord("T", "S"),
            json!({"content": "\n    **T**\n    S\n    "})
        );
    }
}
