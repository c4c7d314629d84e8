//! What a running block may ask of Wand while it runs (`wand_runtime.context.call`): to start a run of another
//! pipeline of the project (Mage's `trigger_pipeline`), to wait until a run ends, and a secret's value
//! (`get_secret_value`, `mage_secret_var`), which is hidden in the block's log from then on, and another block's
//! stored output (`get_variable`).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use model::{Mask, Notice, SharedMask};
use serde_json::{Map, Value, json};
use storage::{RunStore, StorageError, Vault};
use tokio::sync::{Semaphore, broadcast};

/// Starts runs for blocks. Given to the worker by a process that also runs the scheduler (`wand run`, `wand start`):
/// creating runs is the scheduler's job, so a lone `wand worker` has none and refuses the call.
pub trait RunLauncher: Send + Sync {
    /// Creates a manual run of `pipeline_uuid` with `variables`; returns its id.
    fn launch(
        &self,
        pipeline_uuid: String,
        variables: Map<String, Value>,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + '_>>;

    /// Creates a run of `pipeline_uuid` that makes the global data product `product_uuid` (no variables, as Mage
    /// starts it); returns its id.
    fn launch_product(
        &self,
        pipeline_uuid: String,
        product_uuid: String,
    ) -> Pin<Box<dyn Future<Output = Result<i64, String>> + Send + '_>>;
}

/// The answers one worker gives to the calls of the blocks it runs.
pub(crate) struct WorkerCalls {
    pub(crate) store: Arc<dyn RunStore>,
    pub(crate) launcher: Option<Arc<dyn RunLauncher>>,
    pub(crate) notices: broadcast::Sender<Notice>,
    /// The code the block's run pinned (where `global_data_products.yaml` is read).
    pub(crate) code_folder: PathBuf,
    /// Where outputs of other machines are fetched from.
    pub(crate) outputs: runtime::OutputStore,
    /// The worker's slots: a waiting block lends its own back (see `Worker::slots`).
    pub(crate) slots: Arc<Semaphore>,
    /// See `Worker::products`.
    pub(crate) products: Arc<tokio::sync::Mutex<()>>,
    /// Where secrets are read (none: the block's calls for one are refused).
    pub(crate) secrets: Option<Arc<Vault>>,
    /// What the block's log hides: a secret handed to the block joins it before the block has it.
    pub(crate) mask: SharedMask,
}

impl crate::Worker {
    /// The answers to the calls of one block run, which logs to `log`.
    pub(crate) fn calls(
        &self,
        code_folder: &std::path::Path,
        log: &crate::log_tee::LogTee,
    ) -> Arc<WorkerCalls> {
        Arc::new(WorkerCalls {
            store: self.store.clone(),
            launcher: self.launcher.clone(),
            notices: self.notices.clone(),
            code_folder: code_folder.to_path_buf(),
            outputs: self.config.outputs.clone(),
            slots: self.slots.clone(),
            products: self.products.clone(),
            secrets: self.secrets.clone(),
            mask: log.mask.clone(),
        })
    }
}

impl runtime::BlockCalls for WorkerCalls {
    fn call(&self, call: Value) -> Pin<Box<dyn Future<Output = Value> + Send + '_>> {
        Box::pin(async move {
            match self.answer(&call).await {
                Ok(Value::Object(mut reply)) => {
                    reply.insert("ok".to_owned(), Value::Bool(true));
                    Value::Object(reply)
                }
                Ok(other) => json!({"ok": true, "value": other}),
                Err(error) => json!({"ok": false, "error": error}),
            }
        })
    }
}

impl WorkerCalls {
    async fn answer(&self, call: &Value) -> Result<Value, String> {
        match call.get("op").and_then(Value::as_str) {
            Some("trigger_pipeline") => self.trigger_pipeline(call).await,
            Some("wait_for_run") => self.wait_for_run(call).await,
            Some("global_data_product") => self.global_data_product(call).await,
            Some("global_data_product_outputs") => self.global_data_product_outputs(call).await,
            Some("get_secret") => self.get_secret(call).await,
            Some("get_variable") => self.get_variable(call).await,
            other => Err(format!("Wand has no call {other:?}")),
        }
    }

    async fn trigger_pipeline(&self, call: &Value) -> Result<Value, String> {
        let launcher = self.launcher.as_ref().ok_or(
            "trigger_pipeline starts runs through the scheduler, which this process does not run: it works in blocks \
             run by `wand run` or `wand start`, not by a separate `wand worker`",
        )?;
        let pipeline_uuid = call
            .get("pipeline_uuid")
            .and_then(Value::as_str)
            .ok_or("trigger_pipeline needs a pipeline_uuid")?;
        let variables = match call.get("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(variables)) => variables.clone(),
            Some(other) => return Err(format!("variables must be a dict, not {other}")),
        };
        let run_id = launcher.launch(pipeline_uuid.to_owned(), variables).await?;
        let status = self.status(run_id).await?;
        Ok(json!({"run_id": run_id, "status": status}))
    }

    /// The value of the secret `name` (`value: null` and the reason in `error` when there is no such secret). The
    /// value joins the block's mask before the block receives it, so no line it prints afterwards shows it.
    async fn get_secret(&self, call: &Value) -> Result<Value, String> {
        let name = call
            .get("name")
            .and_then(Value::as_str)
            .ok_or("get_secret needs the secret's name")?;
        let secrets = self
            .secrets
            .as_ref()
            .ok_or("this worker was started without a secrets store")?;
        match secrets.value(name).await {
            Ok(value) => {
                self.mask.extend(&Mask::new([&value]));
                Ok(json!({"value": value}))
            }
            Err(error @ StorageError::UnknownSecret(_)) => {
                Ok(json!({"value": null, "error": error.to_string()}))
            }
            Err(error) => Err(error.to_string()),
        }
    }

    /// Mage's `get_variable`: the output `variable_name` of `block_uuid` from the newest completed block run of it
    /// in a run of `pipeline_uuid`, or from run `partition` (a run id), made readable on this machine.
    async fn get_variable(&self, call: &Value) -> Result<Value, String> {
        let text = |key: &str| call.get(key).and_then(Value::as_str);
        let pipeline = text("pipeline_uuid").ok_or("get_variable needs a pipeline_uuid")?;
        let block = text("block_uuid").ok_or("get_variable needs a block_uuid")?;
        let name = text("variable_name").unwrap_or("output_0");
        let failed = |error: StorageError| error.to_string();
        let (stored, which) = match text("partition") {
            None => (
                self.store
                    .latest_outputs(pipeline, block)
                    .await
                    .map_err(failed)?,
                "its newest completed run".to_owned(),
            ),
            Some(partition) => {
                let run = match partition.parse::<i64>().ok() {
                    Some(id) => self.store.run(id).await.map_err(failed)?,
                    None => None,
                }
                .filter(|run| run.pipeline_uuid == pipeline)
                .ok_or_else(|| format!("pipeline '{pipeline}' has no run {partition}"))?;
                if let Some(by) = &run.pruned.outputs_pruned_by {
                    return Err(format!(
                        "the outputs of run {} of pipeline '{pipeline}' were pruned by its retention period ({by})",
                        run.id
                    ));
                }
                let outputs = self
                    .store
                    .block_runs_for(run.id, &[block.to_owned()], &[])
                    .await
                    .map_err(failed)?
                    .into_iter()
                    .find(|block_run| block_run.block_uuid == block)
                    .and_then(|block_run| block_run.outputs);
                (outputs, format!("run {}", run.id))
            }
        };
        let missing = || {
            format!(
                "no stored output '{name}' of block '{block}' in pipeline '{pipeline}' ({which})"
            )
        };
        let mut stored = stored.ok_or_else(missing)?;
        stored.outputs.retain(|output| output.name == name);
        if stored.outputs.is_empty() {
            return Err(missing());
        }
        self.outputs
            .localize(&mut stored)
            .await
            .map_err(|error| error.to_string())?;
        Ok(json!({"output": stored.outputs.remove(0)}))
    }

    /// Waits until run `run_id` ends, or `timeout` seconds pass; answers its status then.
    async fn wait_for_run(&self, call: &Value) -> Result<Value, String> {
        let run_id = call
            .get("run_id")
            .and_then(Value::as_i64)
            .ok_or("wait_for_run needs a run_id")?;
        let timeout = call.get("timeout").and_then(Value::as_f64);
        let deadline = timeout
            .map(|seconds| tokio::time::Instant::now() + Duration::from_secs_f64(seconds.max(0.0)));
        let status = self.wait_until(run_id, deadline).await?;
        Ok(json!({"run_id": run_id, "status": status.as_str()}))
    }

    /// Waits until run `run_id` ends or `deadline` passes, and gives its status then. It wakes on the scheduler's
    /// notices of the run, never on a timer, and lends the block's worker slot back meanwhile (a worker of one slot
    /// would otherwise never run the awaited run's blocks).
    pub(crate) async fn wait_until(
        &self,
        run_id: i64,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<model::RunStatus, String> {
        self.slots.add_permits(1);
        let status = self.wait_unslotted(run_id, deadline).await;
        if let Ok(permit) = self.slots.acquire().await {
            permit.forget();
        }
        status
    }

    async fn wait_unslotted(
        &self,
        run_id: i64,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<model::RunStatus, String> {
        // Subscribed before the first look, so an end between the look and the wait is not missed.
        let mut notices = self.notices.subscribe();
        loop {
            let status = self.run_status(run_id).await?;
            if status.is_finished() {
                return Ok(status);
            }
            let next = async {
                loop {
                    match notices.recv().await {
                        Ok(Notice::Run { run_id: id, .. }) if id == run_id => return true,
                        Ok(_) => {}
                        // Missed notices may have held this run's: look again.
                        Err(broadcast::error::RecvError::Lagged(_)) => return true,
                        Err(broadcast::error::RecvError::Closed) => return false,
                    }
                }
            };
            let woke = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, next)
                    .await
                    .unwrap_or(false),
                None => next.await,
            };
            if !woke {
                return self.run_status(run_id).await;
            }
        }
    }

    async fn status(&self, run_id: i64) -> Result<&'static str, String> {
        Ok(self.run_status(run_id).await?.as_str())
    }

    pub(crate) async fn run_status(&self, run_id: i64) -> Result<model::RunStatus, String> {
        self.store
            .run(run_id)
            .await
            .map_err(|error| error.to_string())?
            .map(|run| run.status)
            .ok_or_else(|| format!("there is no run {run_id}"))
    }
}
