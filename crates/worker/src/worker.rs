//! The claim loop: as many block runs at once as the worker has slots, woken by notices and a slow poll.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use model::{LogEvent, Notice};
use runtime::Supervisor;
use storage::RunStore;
use tokio::sync::{Semaphore, broadcast, oneshot, watch};

use crate::code::CodeFolders;

/// What a worker needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in leases (unique per process).
    pub id: String,
    /// The worker's own copy of the project, if it has one: runs that pinned the version it holds run there;
    /// others run the version they pinned, fetched from the store into `<data_dir>/code`.
    pub project_root: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// Where outputs go beyond `data_dir`, for workers on other machines.
    pub outputs: runtime::OutputStore,
    /// The worker tags it serves (see `model::Block::worker_tag`); none: untagged blocks only.
    pub tags: Vec<String>,
    /// How many blocks it runs at once.
    pub concurrency: usize,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// How often it looks for work when no notice woke it (work from other processes, retry delays).
    pub poll: Duration,
    /// Whether every block run queued is announced to it: by a scheduler in its process (`wand start`, `wand run`)
    /// or by the database (PostgreSQL's NOTIFY). Then a freed slot does not make it claim from a queue it last found
    /// empty; a lone worker on SQLite, which learns of queued work only by claiming, claims whenever a slot frees.
    pub queue_announced: bool,
    pub run_tests: bool,
    /// How long a sensor whose check did not hold waits in the queue before its next check (Mage's 60 s).
    pub sensor_interval: Duration,
    /// Mage's `env` kwarg.
    pub env: String,
}

pub struct Worker {
    pub(crate) store: Arc<dyn RunStore>,
    pub(crate) python: Arc<Supervisor>,
    pub(crate) notices: broadcast::Sender<Notice>,
    pub(crate) logs: broadcast::Sender<LogEvent>,
    pub(crate) config: WorkerConfig,
    /// How to stop each block run this worker is running: (run id, block uuid) -> cancel.
    pub(crate) cancels: Mutex<HashMap<(i64, String), oneshot::Sender<()>>>,
    pub(crate) code: CodeFolders,
    /// Runs read for their block runs, by id (see `Worker::pinned_run`).
    pub(crate) runs: Mutex<HashMap<i64, Arc<storage::PipelineRun>>>,
    /// How blocks start runs of other pipelines (`trigger_pipeline`); none in a lone `wand worker`.
    pub(crate) launcher: Option<Arc<dyn crate::RunLauncher>>,
    /// One permit per block run at once. A block waiting for another run (a global data product's, or
    /// `wait_for_run`) lends its permit back meanwhile, so the run it waits for can use the slot.
    pub(crate) slots: Arc<Semaphore>,
    /// Held while deciding whether a global data product runs, so two blocks of this worker do not both start it.
    pub(crate) products: Arc<tokio::sync::Mutex<()>>,
    /// The project's secrets: what blocks read, and what their logs and errors hide. None: blocks get no secret
    /// and nothing is hidden.
    pub(crate) secrets: Option<Arc<storage::Vault>>,
}

impl Worker {
    pub fn new(
        store: Arc<dyn RunStore>,
        python: Arc<Supervisor>,
        notices: broadcast::Sender<Notice>,
        logs: broadcast::Sender<LogEvent>,
        config: WorkerConfig,
    ) -> Worker {
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        Worker {
            code: CodeFolders::new(config.project_root.clone(), config.data_dir.join("code")),
            store,
            python,
            notices,
            logs,
            config,
            cancels: Mutex::new(HashMap::new()),
            runs: Mutex::new(HashMap::new()),
            launcher: None,
            slots,
            products: Arc::new(tokio::sync::Mutex::new(())),
            secrets: None,
        }
    }

    /// Gives the blocks this worker runs the project's secrets, and hides their values in the blocks' logs and
    /// errors.
    #[must_use]
    pub fn with_secrets(mut self, secrets: Arc<storage::Vault>) -> Worker {
        self.secrets = Some(secrets);
        self
    }

    /// Lets the blocks this worker runs start runs of other pipelines through `launcher`.
    #[must_use]
    pub fn with_launcher(mut self, launcher: Arc<dyn crate::RunLauncher>) -> Worker {
        self.launcher = Some(launcher);
        self
    }

    /// Claims and executes block runs until `shutdown` turns true.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let slots = self.slots.clone();
        // A finished block frees its slot after announcing its end: the loop wakes for the slot itself, or the
        // notice could find every slot still taken and the next block would wait for the poll.
        let freed = Arc::new(tokio::sync::Notify::new());
        let mut notices = self.notices.subscribe();
        let mut changes = self.store.watch_changes().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot watch the database for queued work; polling only");
            None
        });
        // Whether `cancelled` callbacks may be due: looked for when the queue is empty, only after something that
        // may have made some due (a cancelled block run, another process's change, the poll), not on every wake.
        let mut callbacks_due = true;
        // Whether the queue may hold work: false once a claim found it empty, until something may have queued some
        // (a `queued` notice, another process's change, the poll). Where queued work is announced, a freed slot alone
        // does not make it claim: in a chain the next block is queued only after the last one's end is recorded,
        // and an empty claim is a write.
        let mut work_queued = true;
        // Whether a claim now could find anything: work may be queued, `cancelled` callbacks may be due, or queued
        // work is not announced to this worker (a lone worker on SQLite), which learns of it only by claiming.
        let worth_claiming = |work_queued: bool, callbacks_due: bool, changes: &Option<_>| {
            work_queued || callbacks_due || !(self.config.queue_announced || changes.is_some())
        };
        loop {
            // Every free slot in one claim: in a chain a second claim, one slot at a time, would always come back
            // empty (the next block is queued only after this one ends).
            let mut free: Vec<_> =
                std::iter::from_fn(|| slots.clone().try_acquire_owned().ok()).collect();
            if !free.is_empty() && worth_claiming(work_queued, callbacks_due, &changes) {
                let now = chrono::Utc::now();
                let lease_until = now + lease_span(self.config.lease);
                match self
                    .store
                    .claim_block_runs(
                        &self.config.id,
                        &self.config.tags,
                        now,
                        lease_until,
                        free.len(),
                    )
                    .await
                {
                    Ok(claimed) => {
                        if claimed.len() < free.len() {
                            work_queued = false;
                        }
                        for (block_run, slot) in
                            claimed.into_iter().zip(std::iter::from_fn(|| free.pop()))
                        {
                            let worker = self.clone();
                            let id = block_run.id;
                            on_slot(
                                slot,
                                freed.clone(),
                                id,
                                "block run could not be executed",
                                async move { worker.execute(block_run).await },
                            );
                        }
                        // The queue ran dry with slots left: they run due `cancelled` callbacks, one block run each.
                        while callbacks_due && let Some(slot) = free.pop() {
                            callbacks_due =
                                self.claim_cancelled_callbacks(slot, freed.clone()).await;
                        }
                    }
                    Err(error) => tracing::error!(%error, "cannot claim work"),
                }
            }
            drop(free);
            // Waits for something that may have made work claimable: a claim is a write to the database, and a
            // block run's start and end (two notices each) queue nothing by themselves.
            let poll = tokio::time::sleep(self.config.poll);
            tokio::pin!(poll);
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    () = freed.notified() => {
                        if !worth_claiming(work_queued, callbacks_due, &changes) {
                            continue;
                        }
                    }
                    notice = notices.recv() => match notice {
                        Ok(Notice::CancelRequested { run_id, block_uuid }) => {
                            self.cancel(run_id, &block_uuid);
                            continue;
                        }
                        Ok(Notice::BlockRun { status: model::BlockRunStatus::Cancelled, .. })
                        | Err(broadcast::error::RecvError::Lagged(_)) => {
                            callbacks_due = true;
                            work_queued = true;
                        }
                        Ok(Notice::BlockRun {
                            status: model::BlockRunStatus::Running | model::BlockRunStatus::Completed,
                            ..
                        })
                        | Ok(Notice::Run { .. }) => continue,
                        _ => work_queued = true,
                    },
                    change = storage::next_change(&mut changes) => {
                        if change.is_none() {
                            changes = None;
                        }
                        callbacks_due = true;
                        work_queued = true;
                    }
                    () = &mut poll => {
                        callbacks_due = true;
                        work_queued = true;
                    }
                }
                break;
            }
        }
    }
}

/// Runs `work` for block run `id` on a task of its own holding `slot`; when it ends (an error logged as `failed`), the
/// slot frees and the claim loop hears of it through `freed`.
fn on_slot(
    slot: tokio::sync::OwnedSemaphorePermit,
    freed: Arc<tokio::sync::Notify>,
    id: i64,
    failed: &'static str,
    work: impl std::future::Future<Output = Result<(), crate::WorkerError>> + Send + 'static,
) {
    tokio::spawn(async move {
        if let Err(error) = work.await {
            tracing::error!(%error, block_run = id, "{failed}");
        }
        drop(slot);
        freed.notify_one();
    });
}

impl Worker {
    /// Claims one block run whose `cancelled` callbacks are due and runs them on `slot`; false when none is due.
    async fn claim_cancelled_callbacks(
        self: &Arc<Self>,
        slot: tokio::sync::OwnedSemaphorePermit,
        freed: Arc<tokio::sync::Notify>,
    ) -> bool {
        match self
            .store
            .claim_cancelled_callbacks(&self.config.tags)
            .await
        {
            Ok(Some(block_run)) => {
                let worker = self.clone();
                let id = block_run.id;
                on_slot(
                    slot,
                    freed,
                    id,
                    "cancelled callbacks could not run",
                    async move { worker.run_cancelled_callbacks(block_run).await },
                );
                true
            }
            Ok(None) => false,
            Err(error) => {
                tracing::error!(%error, "cannot claim cancelled callbacks");
                false
            }
        }
    }

    /// Stops a block run this worker is running, if it is running it.
    pub(crate) fn cancel(&self, run_id: i64, block_uuid: &str) {
        let sender = self
            .cancels
            .lock()
            .expect("cancels lock")
            .remove(&(run_id, block_uuid.to_owned()));
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
    }
}

pub(crate) fn lease_span(lease: Duration) -> chrono::Duration {
    chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30))
}
