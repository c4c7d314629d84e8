//! Notifications: the deliveries of a run (what was sent where, or why not), the project's channels (secrets
//! masked) and "Send test". Sending is the `notifier` crate's.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// One message to one channel about a run.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryDto {
    id: i64,
    /// `failure`, `success` or `passed_sla` (Mage's `alert_on` without `trigger_`).
    event: String,
    /// The channel's key in `notification_config` (`slack_config`, `email_config`, …).
    channel: String,
    title: String,
    summary: String,
    /// `pending` (not sent yet, or to be tried again at `next_attempt_at`), `sent` or `failed` (given up).
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed (a webhook's host, never its path or a password).
    error: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryList {
    deliveries: Vec<DeliveryDto>,
}

/// A configured channel: its key and where it sends (a webhook's host, an SMTP server and its recipients).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChannelDto {
    channel: String,
    target: String,
}

/// The project's channels (its `metadata.yaml`'s `notification_config`; a pipeline's own replaces its keys).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChannelList {
    channels: Vec<ChannelDto>,
    /// When the project alerts: `failure`, `success`, `passed_sla`.
    alert_on: Vec<model::AlertEvent>,
    /// What the settings say wrong (an unknown channel or value, a template Wand does not render).
    problems: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TestInput {
    /// The channel's key, as listed by `GET /notifications/channels`.
    channel: String,
}

/// Whether the test message went out, and if not why.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TestResult {
    sent: bool,
    error: Option<String>,
}

impl From<storage::Delivery> for DeliveryDto {
    fn from(delivery: storage::Delivery) -> DeliveryDto {
        DeliveryDto {
            id: delivery.id,
            event: delivery.event,
            channel: delivery.channel,
            title: delivery.title,
            summary: delivery.summary,
            status: delivery.status,
            attempts: delivery.attempts,
            next_attempt_at: delivery.next_attempt_at,
            error: delivery.error,
            created_at: delivery.created_at,
            sent_at: delivery.sent_at,
        }
    }
}

#[utoipa::path(get, path = "/runs/{id}/notifications", tag = "notifications",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = OK, body = DeliveryList), (status = 404, body = ErrorBody)))]
pub(super) async fn run_deliveries(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<DeliveryList>, ApiError> {
    state
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {id} does not exist")))?;
    let deliveries = state.store.deliveries(id).await?;
    Ok(Json(DeliveryList {
        deliveries: deliveries.into_iter().map(DeliveryDto::from).collect(),
    }))
}

#[utoipa::path(get, path = "/notifications/channels", tag = "notifications",
    responses((status = OK, body = ChannelList)))]
pub(super) async fn channels(State(state): State<AppState>) -> Result<Json<ChannelList>, ApiError> {
    let list = state
        .notifier
        .channels()
        .map_err(|error| ApiError::invalid(error.to_string()))?;
    Ok(Json(ChannelList {
        channels: list
            .channels
            .into_iter()
            .map(|info| ChannelDto {
                channel: info.channel,
                target: info.target,
            })
            .collect(),
        alert_on: list.alert_on,
        problems: list.problems,
    }))
}

#[utoipa::path(post, path = "/notifications/test", tag = "notifications", request_body = TestInput,
    responses((status = OK, body = TestResult), (status = 404, body = ErrorBody)))]
pub(super) async fn send_test(
    State(state): State<AppState>,
    Json(input): Json<TestInput>,
) -> Result<Json<TestResult>, ApiError> {
    match state.notifier.send_test(&input.channel).await {
        Ok(()) => Ok(Json(TestResult {
            sent: true,
            error: None,
        })),
        Err(notifier::NotifyError::UnknownChannel(channel)) => Err(ApiError::not_found(format!(
            "no channel `{channel}` is configured in notification_config"
        ))),
        Err(error) => Ok(Json(TestResult {
            sent: false,
            error: Some(error.to_string()),
        })),
    }
}
