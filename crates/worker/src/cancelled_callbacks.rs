//! The `cancelled` callbacks of one block run cancelled in a cancelled run, claimed from storage: run once, in a
//! fresh block process, as Mage's `CANCEL_PIPELINE_RUN` job runs them after the run was cancelled. What failed in
//! them goes to the block run's log and its `error`; its status stays `cancelled`. It decides nothing about the
//! run: the block run and its run were cancelled before.

use std::sync::Arc;

use model::{BlockRunStatus, Notice};
use runtime::{BlockOutcome, RequestMode};
use storage::BlockRun;
use tokio::sync::oneshot;

use crate::request::{RequestSource, block_request};
use crate::{Worker, WorkerError};

impl Worker {
    /// Runs the `cancelled` callbacks of `claimed` (see `RunStore::claim_cancelled_callbacks`) and records that
    /// they ran.
    pub(crate) async fn run_cancelled_callbacks(
        self: &Arc<Self>,
        claimed: BlockRun,
    ) -> Result<(), WorkerError> {
        let (run_id, uuid) = (claimed.pipeline_run_id, claimed.block_uuid.as_str());
        let unrunnable = |message: String| WorkerError::Unrunnable {
            block_run_id: claimed.id,
            message,
        };
        let Some(run) = self.store.run(run_id).await? else {
            self.store
                .finish_cancelled_callbacks(claimed.id, None, None)
                .await?;
            return Err(unrunnable("its pipeline run is gone".to_owned()));
        };
        let definition = run.definition.clone();
        let Some(block) = definition.block(claimed.block()).cloned() else {
            self.store
                .finish_cancelled_callbacks(claimed.id, None, None)
                .await?;
            return Err(unrunnable(format!(
                "block `{}` is not in the run's definition",
                claimed.block()
            )));
        };
        let log_key = runtime::log_key(&definition.uuid, run_id, uuid);
        let mask = model::SharedMask::default();
        let secrets = self.load_mask(&mask).await;
        let log = self.open_log(&log_key, run_id, uuid, mask)?;
        let folder = match secrets {
            Ok(()) => self.code.folder(self.store.as_ref(), &run).await,
            Err(error) => Err(error),
        };
        let outcome = match folder {
            Ok(folder) => {
                let none = Default::default();
                let source = RequestSource {
                    run: &run,
                    definition: &definition,
                    block: &block,
                    outputs: &none,
                    gathered: &Default::default(),
                    name: uuid,
                    instance: None,
                    code: &folder,
                    attempt: claimed.attempt,
                };
                let mut request = block_request(source, &self.config);
                request.mode = RequestMode::CancelledCallbacks;
                // Mage's cancellation job gives its callbacks no inputs and no time limit, and runs no conditional.
                request.inputs.clear();
                request.picks.clear();
                request.timeout = None;
                request.conditionals.clear();
                request.ahead.clear(); // the run is over: no block downstream will run
                let calls = self.calls(&folder.path, &log);
                // Nothing stops them once started (the run is over already).
                let (_never, not_cancelled) = oneshot::channel();
                self.python
                    .execute(request, log.clone(), calls, not_cancelled)
                    .await
                    .map_err(|error| error.to_string())
            }
            Err(message) => Err(message),
        };
        let error = match outcome {
            Ok(BlockOutcome::CallbacksRan { callback_errors }) => {
                (!callback_errors.is_empty()).then(|| callback_errors.join("\n"))
            }
            Ok(BlockOutcome::Failed { error, .. }) => {
                Some(format!("the cancelled callbacks failed: {error}"))
            }
            Ok(other) => Some(format!(
                "the cancelled callbacks ended unexpectedly: {other:?}"
            )),
            Err(error) => Some(format!("the cancelled callbacks could not run: {error}")),
        };
        if let Err(error) = self.config.outputs.publish_key(&log_key).await {
            tracing::warn!(%error, run_id, block = %uuid, "the block's log stays on this machine");
        }
        // What the callbacks printed or raised may hold a secret they read.
        let mask = log.mask.get();
        let error = error.map(|error| mask.apply_owned(error));
        let detail = match &error {
            None => "(its cancelled callbacks ran)".to_owned(),
            Some(error) => format!("(a cancelled callback failed: {error})"),
        };
        self.store
            .finish_cancelled_callbacks(
                claimed.id,
                error,
                Some(log.file.path().display().to_string()),
            )
            .await?;
        let _ = self.notices.send(Notice::BlockRun {
            run_id,
            block_uuid: uuid.to_owned(),
            status: BlockRunStatus::Cancelled,
            detail,
        });
        Ok(())
    }
}
