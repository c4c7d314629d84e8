//! Notification deliveries in storage: the `NotificationStore` half of the store, its queries written once for both
//! databases in `notification_queries!`. A delivery is one rendered message for one channel about one run; it is
//! recorded in the transaction that ends the run (or marks it past its SLA), so it is recorded exactly once however
//! many schedulers share the database. Nothing here knows a channel's address or sends anything.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use model::{AlertEvent, Message, RunEvent, RunStatus};
use serde::Serialize;

use crate::StorageError;

/// A message to record for one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub event: AlertEvent,
    /// The channel's key in `notification_config` (`slack_config`, `email_config`, …).
    pub channel: String,
    pub message: Message,
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub pipeline_run_id: i64,
    /// `failure`, `success` or `passed_sla`.
    pub event: String,
    pub channel: String,
    pub title: String,
    pub summary: String,
    pub details: String,
    /// `pending` (not sent yet, or to be tried again at `next_attempt_at`), `sent` or `failed` (given up).
    pub status: String,
    /// How many times sending started.
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed, secrets masked.
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent,
    /// Failed; tried again at `at`.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Failed for the last time.
    Failed {
        error: String,
    },
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Applies `event` to a run as `RunStore::change_run` does and, in the same transaction, records `deliveries`
    /// (due at `now`): only the change that ends the run records them.
    async fn finish_run(
        &self,
        run_id: i64,
        event: RunEvent,
        deliveries: Vec<NewDelivery>,
        now: DateTime<Utc>,
    ) -> Result<RunStatus, StorageError>;

    /// Marks a run that is still going as past its SLA and records `deliveries`, in one transaction; false (and
    /// nothing recorded) if it was marked already or has ended.
    async fn mark_passed_sla(
        &self,
        run_id: i64,
        deliveries: Vec<NewDelivery>,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError>;

    /// Takes the oldest pending delivery due at `now`, counting an attempt and putting it off until `retry_at` (so
    /// a sender that dies meanwhile leaves it to be tried again then); SKIP LOCKED in PostgreSQL.
    async fn claim_delivery(
        &self,
        now: DateTime<Utc>,
        retry_at: DateTime<Utc>,
    ) -> Result<Option<Delivery>, StorageError>;

    /// Records how an attempt at delivery `id` ended.
    async fn record_delivery(
        &self,
        id: i64,
        outcome: DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// The deliveries of a run, oldest first.
    async fn deliveries(&self, run_id: i64) -> Result<Vec<Delivery>, StorageError>;
}

/// Implements `NotificationStore` for `$store` (which `shared_queries!` gave `apply_run_event`).
macro_rules! notification_queries {
    ($store:ty, stamp: $stamp:path, skip_locked: $skip_locked:literal) => {
    const _: () = {
        use chrono::{DateTime, Utc};
        use model::{RunEvent, RunStatus};

        use $crate::queries::Backend;
        use $crate::notifications::{Delivery, DeliveryOutcome, NewDelivery, NotificationStore};
        use $crate::StorageError;

        async fn insert_deliveries(
            transaction: &mut sqlx::Transaction<'_, <$store as Backend>::Db>,
            run_id: i64,
            deliveries: &[NewDelivery],
            now: DateTime<Utc>,
        ) -> Result<(), StorageError> {
            for delivery in deliveries {
                sqlx::query(
                    "INSERT INTO notification_deliveries (pipeline_run_id, event, channel, title, summary, details,
                        status, attempts, next_attempt_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)
                     ON CONFLICT (pipeline_run_id, event, channel) DO NOTHING",
                )
                .bind(run_id)
                .bind(delivery.event.as_str())
                .bind(&delivery.channel)
                .bind(&delivery.message.title)
                .bind(&delivery.message.summary)
                .bind(&delivery.message.details)
                .bind($stamp(now))
                .execute(&mut **transaction)
                .await?;
            }
            Ok(())
        }

        #[async_trait::async_trait]
        impl NotificationStore for $store {
            async fn finish_run(
                &self,
                run_id: i64,
                event: RunEvent,
                deliveries: Vec<NewDelivery>,
                now: DateTime<Utc>,
            ) -> Result<RunStatus, StorageError> {
                let mut transaction = self.pool.begin().await?;
                let next = <$store>::apply_run_event(&mut transaction, run_id, event).await?;
                insert_deliveries(&mut transaction, run_id, &deliveries, now).await?;
                transaction.commit().await?;
                Ok(next)
            }

            async fn mark_passed_sla(
                &self,
                run_id: i64,
                deliveries: Vec<NewDelivery>,
                now: DateTime<Utc>,
            ) -> Result<bool, StorageError> {
                let mut transaction = self.pool.begin().await?;
                let marked = sqlx::query(
                    "UPDATE pipeline_runs SET passed_sla = TRUE
                     WHERE id = $1 AND NOT passed_sla AND status IN ('initial', 'running')",
                )
                .bind(run_id)
                .execute(&mut *transaction)
                .await?
                .rows_affected()
                    == 1;
                if marked {
                    insert_deliveries(&mut transaction, run_id, &deliveries, now).await?;
                }
                transaction.commit().await?;
                Ok(marked)
            }

            async fn claim_delivery(
                &self,
                now: DateTime<Utc>,
                retry_at: DateTime<Utc>,
            ) -> Result<Option<Delivery>, StorageError> {
                Ok(sqlx::query_as::<_, Delivery>(concat!(
                    "UPDATE notification_deliveries SET attempts = attempts + 1, next_attempt_at = $2
                     WHERE id = (SELECT id FROM notification_deliveries
                                 WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT 1",
                    $skip_locked,
                    ") RETURNING *"
                ))
                .bind($stamp(now))
                .bind($stamp(retry_at))
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn record_delivery(
                &self,
                id: i64,
                outcome: DeliveryOutcome,
                now: DateTime<Utc>,
            ) -> Result<(), StorageError> {
                let (status, error, next, sent) = match outcome {
                    DeliveryOutcome::Sent => ("sent", None, None, Some(now)),
                    DeliveryOutcome::Retry { error, at } => ("pending", Some(error), Some(at), None),
                    DeliveryOutcome::Failed { error } => ("failed", Some(error), None, None),
                };
                sqlx::query(
                    "UPDATE notification_deliveries SET status = $1, error = $2,
                        next_attempt_at = COALESCE($3, next_attempt_at), sent_at = $4 WHERE id = $5",
                )
                .bind(status)
                .bind(error)
                .bind(next.map($stamp))
                .bind(sent.map($stamp))
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn deliveries(&self, run_id: i64) -> Result<Vec<Delivery>, StorageError> {
                Ok(sqlx::query_as::<_, Delivery>(
                    "SELECT * FROM notification_deliveries WHERE pipeline_run_id = $1 ORDER BY id",
                )
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
    };
}

pub(crate) use notification_queries;
