//! What the scheduler records for notifications: when a run fails or completes (per `alert_on`), in the change that
//! ends it, and when a run still going passes its trigger's SLA, once. It renders the messages and names the
//! channels; the `notifier` crate sends them. Nothing here sends or logs a channel's address.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use model::{
    AlertEvent, BlockRunStatus, EnvLookup, MessageFacts, NotificationConfig, RunEvent, RunStatus,
    Trigger,
};
use storage::{NewDelivery, PipelineRun};

use crate::{Scheduler, SchedulerError};

/// How the scheduler reads notification settings: the environment their templates name, and the base URL of the
/// run pages its messages link to.
#[derive(Clone)]
pub struct NotifySettings {
    pub env: EnvLookup,
    /// `http://localhost:6789` (Mage's `MAGE_PUBLIC_HOST`); a run's page is `<base>/runs/<id>`.
    pub public_url: String,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings {
            env: Arc::new(|_| None),
            public_url: "http://localhost:6789".to_owned(),
        }
    }
}

impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// A project's notification settings for `pipeline_uuid`, rendered and read. Problems (a template Wand cannot
/// render, a channel it does not send to) are logged without values and leave what can be read.
pub fn notification_config(
    project: &project::Project,
    settings: &NotifySettings,
    pipeline_uuid: Option<&str>,
) -> Result<NotificationConfig, String> {
    let raw = project
        .notification_config(pipeline_uuid)
        .map_err(|error| error.to_string())?;
    let rendered = model::render_value(&raw, &settings.env)?;
    Ok(model::parse_notification_config(&rendered))
}

/// The error Mage's message names for a failed run, and its stack trace (the first failed block's error, its last
/// 50 lines).
fn failure_facts(block_runs: &[storage::BlockRun]) -> (String, Option<String>) {
    let failed: Vec<&storage::BlockRun> = block_runs
        .iter()
        .filter(|block_run| block_run.status == BlockRunStatus::Failed)
        .collect();
    let names: Vec<&str> = failed.iter().map(|b| b.block_uuid.as_str()).collect();
    let error = format!("Failed blocks: {}.", names.join(", "));
    let stacktrace = failed.iter().find_map(|block_run| {
        let message = block_run.error.as_deref().filter(|m| !m.is_empty())?;
        let lines: Vec<&str> = message.split('\n').collect();
        let kept = if lines.len() > 50 {
            format!(
                "... (error truncated)\n{}",
                lines[lines.len() - 50..].join("\n")
            )
        } else {
            message.to_owned()
        };
        Some(format!("Error for block {}:\n{kept}", block_run.block_uuid))
    });
    (error, stacktrace)
}

impl Scheduler {
    /// Ends a run with `event` and records its notifications in the same change (`error` overrides Mage's
    /// "Failed blocks: …", as for a timeout); a backfill's finished run lets its next one start.
    pub(crate) async fn finish_run(
        &self,
        run: &PipelineRun,
        event: RunEvent,
        error: Option<&str>,
    ) -> Result<RunStatus, SchedulerError> {
        let alert = match event {
            RunEvent::Fail => Some(AlertEvent::Failure),
            RunEvent::Complete => Some(AlertEvent::Success),
            _ => None,
        };
        let mut deliveries = Vec::new();
        if let Some(alert) = alert {
            let config = self.config_for(&run.pipeline_uuid);
            if config.alerts(alert) && !config.channels.is_empty() {
                let mut facts = self.facts(run).await?;
                if alert == AlertEvent::Failure {
                    let (failed, stacktrace) = failure_facts(&self.store.block_runs(run.id).await?);
                    facts.error = Some(error.map_or(failed, str::to_owned));
                    facts.stacktrace = stacktrace;
                }
                deliveries = deliveries_for(&config, alert, &facts);
            }
        }
        let status = self
            .store
            .finish_run(run.id, event, deliveries, self.clock.now())
            .await?;
        self.publish(model::Notice::Run {
            run_id: run.id,
            status,
        });
        // A backfill's finished run frees a slot for the next one.
        if status.is_finished()
            && let Some(backfill) = run.backfill_id
        {
            self.advance_backfill(backfill).await?;
        }
        Ok(status)
    }

    /// Marks the open runs in `runs` that passed their trigger's SLA (Mage's rule: the trigger's `sla` seconds
    /// after the run's execution date, checked while the run is initial or running), each once with its alerts.
    pub(crate) async fn check_slas(&self, runs: &[PipelineRun]) -> Result<(), SchedulerError> {
        let now = self.clock.now();
        let mut triggers: HashMap<i64, Option<Trigger>> = HashMap::new();
        for run in runs {
            let Some(trigger_id) = run.trigger_id else {
                continue;
            };
            if run.passed_sla || run.status.is_finished() {
                continue;
            }
            let trigger = match triggers.entry(trigger_id) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(self.store.trigger(trigger_id).await?)
                }
            };
            let Some(sla) = trigger.as_ref().and_then(|trigger| trigger.settings.sla) else {
                continue;
            };
            if !past(run.execution_date, sla, now) {
                continue;
            }
            let config = self.config_for(&run.pipeline_uuid);
            let deliveries = if config.alerts(AlertEvent::PassedSla) {
                deliveries_for(&config, AlertEvent::PassedSla, &self.facts(run).await?)
            } else {
                Vec::new()
            };
            if self.store.mark_passed_sla(run.id, deliveries, now).await? {
                tracing::warn!(run = run.id, sla, "run passed its SLA");
            }
        }
        Ok(())
    }

    /// The settings for a pipeline's runs; unreadable settings send nothing and are logged (never their values).
    fn config_for(&self, pipeline_uuid: &str) -> NotificationConfig {
        match notification_config(&self.project, &self.notify, Some(pipeline_uuid)) {
            Ok(config) => config,
            Err(error) => {
                tracing::warn!(pipeline = pipeline_uuid, %error, "notification_config cannot be read; no notification is sent");
                NotificationConfig::default()
            }
        }
    }

    async fn facts(&self, run: &PipelineRun) -> Result<MessageFacts, SchedulerError> {
        let trigger = match run.trigger_id {
            Some(id) => self.store.trigger(id).await?,
            None => None,
        };
        Ok(MessageFacts {
            pipeline_uuid: run.pipeline_uuid.clone(),
            run_id: run.id,
            execution_time: model::python_datetime(run.execution_date),
            trigger_id: run.trigger_id,
            trigger_name: trigger.as_ref().map(|t| t.name.clone()),
            trigger_description: trigger.and_then(|t| t.description),
            error: None,
            stacktrace: None,
            run_url: Some(format!(
                "{}/runs/{}",
                self.notify.public_url.trim_end_matches('/'),
                run.id
            )),
        })
    }
}

/// Whether `now` is past `sla` seconds after `start`.
fn past(start: DateTime<Utc>, sla: u64, now: DateTime<Utc>) -> bool {
    let sla = chrono::Duration::seconds(i64::try_from(sla).unwrap_or(i64::MAX / 1000));
    start.checked_add_signed(sla).is_some_and(|due| due < now)
}

fn deliveries_for(
    config: &NotificationConfig,
    alert: AlertEvent,
    facts: &MessageFacts,
) -> Vec<NewDelivery> {
    let message = model::message(alert, config.templates.get(&alert), facts);
    config
        .channels
        .iter()
        .map(|channel| NewDelivery {
            event: alert,
            channel: channel.key().to_owned(),
            message: message.clone(),
        })
        .collect()
}
