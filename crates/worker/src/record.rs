//! Keeping and ending a claim: the heartbeat that renews a running block run's lease, and the recording of its
//! change, which waits out a database that is briefly away. It decides nothing: `outcome` does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use storage::{BlockRunChange, Lease};

use crate::worker::lease_span;
use crate::{Worker, WorkerError};

impl Worker {
    /// Records how a block run ended. The block's work is done, so a database that is briefly away (a restart, a
    /// failover) is waited for rather than losing the outcome; only a lasting outage gives up.
    pub(crate) async fn record(
        &self,
        run_id: i64,
        uuid: &str,
        change: BlockRunChange,
    ) -> Result<model::BlockRunStatus, WorkerError> {
        let deadline = Instant::now() + self.config.lease * 4;
        let mut pause = Duration::from_millis(100);
        loop {
            match self
                .store
                .change_block_run(run_id, uuid, change.clone())
                .await
            {
                Ok(status) => return Ok(status),
                Err(storage::StorageError::Database(error)) if Instant::now() < deadline => {
                    tracing::warn!(%error, run_id, block = uuid, "cannot record the outcome yet; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Renews the lease every third of its span while the block runs, and stops the block when a cancel was
    /// asked for it in the database (by a scheduler in another process).
    pub(crate) fn heartbeat(
        self: &Arc<Self>,
        block_run_id: i64,
        run_id: i64,
        block_uuid: String,
    ) -> tokio::task::JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            let lease = worker.config.lease;
            loop {
                tokio::time::sleep(lease / 3).await;
                let until = Utc::now() + lease_span(lease);
                match worker
                    .store
                    .renew_lease(block_run_id, &worker.config.id, until)
                    .await
                {
                    Ok(Lease::Held) => {}
                    Ok(Lease::CancelRequested) => worker.cancel(run_id, &block_uuid),
                    Ok(Lease::Lost) => {
                        tracing::warn!(block_run_id, "lost the claim on a running block run");
                        return;
                    }
                    Err(error) => tracing::warn!(%error, block_run_id, "cannot renew lease"),
                }
            }
        })
    }
}
