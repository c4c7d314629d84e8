//! Sends the notifications the scheduler records: a background task claims each due delivery, reads its channel
//! from the project's `notification_config` (rendered with the environment `cli` hands in), posts Mage's message
//! and records the outcome (sent, or failed with the reason, tried again with backoff). Also the settings page's
//! channel list and "Send test". It never changes a run.

mod error;
mod payload;
mod send;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use model::{Channel, Notice};
use project::Project;
use scheduler::NotifySettings;
use serde::Serialize;
use storage::{Delivery, DeliveryOutcome, Store};
use tokio::sync::{broadcast, watch};

pub use error::NotifyError;
pub use send::check_url;

/// How deliveries are retried: `attempts` tries in all, the n-th retry `backoff * 2^(n-1)` after the failure.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: i64,
    pub backoff: Duration,
    /// How long a claimed delivery is left to its sender before another may try it (a sender that died).
    pub claim: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            backoff: Duration::from_secs(5),
            claim: Duration::from_secs(120),
        }
    }
}

/// A configured channel as the API lists it: its key and where it sends, secrets masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelInfo {
    pub channel: String,
    pub target: String,
}

/// The project's notification channels and what their settings say is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelList {
    pub channels: Vec<ChannelInfo>,
    pub alert_on: Vec<model::AlertEvent>,
    pub problems: Vec<String>,
}

/// Sends notifications for one project.
pub struct Notifier {
    store: Arc<dyn Store>,
    project: Project,
    settings: NotifySettings,
    retry: RetryPolicy,
    http: reqwest::Client,
}

impl Notifier {
    pub fn new(store: Arc<dyn Store>, project: Project, settings: NotifySettings) -> Notifier {
        Notifier {
            store,
            project,
            settings,
            retry: RetryPolicy::default(),
            http: send::http_client(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Notifier {
        self.retry = retry;
        self
    }

    /// Sends due deliveries until `shutdown` turns true: at once when a run ends, else every `poll`.
    pub async fn run(
        self: Arc<Self>,
        notices: broadcast::Sender<Notice>,
        mut shutdown: watch::Receiver<bool>,
        poll: Duration,
    ) {
        let mut notices = notices.subscribe();
        let mut interval = tokio::time::interval(poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = interval.tick() => {}
                notice = notices.recv() => match notice {
                    Ok(Notice::Run { status, .. }) if status.is_finished() => {}
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
            if let Err(error) = self.send_due().await {
                tracing::warn!(%error, "cannot send notifications now");
            }
        }
    }

    /// Sends every delivery due now, each once; how many were tried.
    pub async fn send_due(&self) -> Result<usize, NotifyError> {
        let mut tried = 0;
        loop {
            let now = Utc::now();
            let Some(delivery) = self
                .store
                .claim_delivery(now, now + self.retry.claim)
                .await?
            else {
                return Ok(tried);
            };
            tried += 1;
            let outcome = match self.deliver(&delivery).await {
                Ok(()) => DeliveryOutcome::Sent,
                Err(error) => {
                    let error = error.to_string();
                    tracing::warn!(
                        run = delivery.pipeline_run_id,
                        channel = %delivery.channel,
                        attempt = delivery.attempts,
                        %error,
                        "notification not sent"
                    );
                    if delivery.attempts >= self.retry.attempts {
                        DeliveryOutcome::Failed { error }
                    } else {
                        let factor = 2u32.saturating_pow(
                            u32::try_from(delivery.attempts - 1).unwrap_or(0).min(16),
                        );
                        let wait = self.retry.backoff.saturating_mul(factor);
                        DeliveryOutcome::Retry {
                            error,
                            at: Utc::now() + wait,
                        }
                    }
                }
            };
            self.store
                .record_delivery(delivery.id, outcome, Utc::now())
                .await?;
        }
    }

    /// The project's channels (its own `notification_config`, without a pipeline's), secrets masked.
    pub fn channels(&self) -> Result<ChannelList, NotifyError> {
        let config = scheduler::notification_config(&self.project, &self.settings, None)
            .map_err(NotifyError::Send)?;
        Ok(ChannelList {
            channels: config
                .channels
                .iter()
                .map(|channel| ChannelInfo {
                    channel: channel.key().to_owned(),
                    target: channel.target(),
                })
                .collect(),
            alert_on: config.alert_on,
            problems: config.problems,
        })
    }

    /// Sends a test message to one of the project's channels now (Settings' "Send test").
    pub async fn send_test(&self, channel: &str) -> Result<(), NotifyError> {
        let config = scheduler::notification_config(&self.project, &self.settings, None)
            .map_err(NotifyError::Send)?;
        let found = config
            .channel(channel)
            .ok_or_else(|| NotifyError::UnknownChannel(channel.to_owned()))?;
        let title = "Test notification from Wand".to_owned();
        let summary = format!(
            "This is a test of `{channel}` for project `{}`, sent from Wand's settings.",
            self.project.name()
        );
        let outgoing = send::Outgoing {
            webhook_body: serde_json::json!({"event": "test", "title": title, "summary": summary, "details": summary}),
            details: summary.clone(),
            title,
            summary,
        };
        send::send(&self.http, found, &outgoing).await
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<(), NotifyError> {
        let run = self.store.run(delivery.pipeline_run_id).await?;
        let pipeline = run.as_ref().map(|run| run.pipeline_uuid.as_str());
        let config = scheduler::notification_config(&self.project, &self.settings, pipeline)
            .map_err(NotifyError::Send)?;
        let channel: &Channel = config
            .channel(&delivery.channel)
            .ok_or_else(|| NotifyError::UnknownChannel(delivery.channel.clone()))?;
        let outgoing = send::Outgoing {
            title: delivery.title.clone(),
            summary: delivery.summary.clone(),
            details: delivery.details.clone(),
            webhook_body: payload::webhook(delivery, run.as_ref()),
        };
        send::send(&self.http, channel, &outgoing).await
    }
}
