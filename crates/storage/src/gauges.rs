//! What is going on now, counted for the server's `/metrics`: unfinished runs per pipeline and status, and the
//! block runs waiting in the queue. Two grouped counts on indexed columns, written once for both databases in
//! `gauge_queries!`; nothing here reads whole rows.

use async_trait::async_trait;
use model::RunStatus;

use crate::StorageError;

/// The counts `/metrics` reports as gauges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Runs not finished yet (`initial` or `running`), per pipeline and status.
    pub unfinished_runs: Vec<(String, RunStatus, i64)>,
    /// Block runs in the queue now (status `queued`), whether or not they are claimable yet.
    pub queued_block_runs: i64,
}

#[async_trait]
pub trait GaugeStore: Send + Sync {
    async fn gauges(&self) -> Result<Gauges, StorageError>;
}

/// Implements `GaugeStore` for `$store` (a struct with a `pool`).
macro_rules! gauge_queries {
    ($store:ty) => {
        const _: () = {
            use $crate::StorageError;
            use $crate::gauges::{GaugeStore, Gauges};

            #[async_trait::async_trait]
            impl GaugeStore for $store {
                async fn gauges(&self) -> Result<Gauges, StorageError> {
                    let rows: Vec<(String, String, i64)> = sqlx::query_as(
                        "SELECT pipeline_uuid, status, COUNT(*) FROM pipeline_runs
                         WHERE status IN ('initial', 'running') GROUP BY pipeline_uuid, status
                         ORDER BY pipeline_uuid, status",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let unfinished_runs = rows
                        .into_iter()
                        .map(|(pipeline, status, count)| {
                            let status = model::RunStatus::try_from(status)
                                .map_err(|error| StorageError::Corrupt(error.to_string()))?;
                            Ok((pipeline, status, count))
                        })
                        .collect::<Result<_, StorageError>>()?;
                    let (queued_block_runs,): (i64,) =
                        sqlx::query_as("SELECT COUNT(*) FROM block_runs WHERE status = 'queued'")
                            .fetch_one(&self.pool)
                            .await?;
                    Ok(Gauges {
                        unfinished_runs,
                        queued_block_runs,
                    })
                }
            }
        };
    };
}

pub(crate) use gauge_queries;
