//! The calls of a `global_data_product` block (and of Mage's `GlobalDataProduct` API in a block): whether the
//! product's pipeline must run (Mage 0.9.80's rule, `model::GlobalDataProduct::freshness`), starting that run, and
//! the stored outputs consumers get. It starts runs only through the launcher and reads, never writes, the history.

use std::collections::HashMap;

use chrono::Utc;
use model::{BlockOutputs, GlobalDataProduct, RunStatus};
use project::GlobalDataProducts;
use serde_json::{Map, Value, json};
use storage::PipelineRun;

use crate::calls::WorkerCalls;

impl WorkerCalls {
    /// The block's product, from the pinned code's `global_data_products.yaml` and the block's overrides.
    fn product(&self, call: &Value) -> Result<GlobalDataProduct, String> {
        let configuration = call.get("configuration").cloned().unwrap_or(Value::Null);
        GlobalDataProducts::read(&self.code_folder).for_block(&configuration)
    }

    /// Decides for a consumer block: reuse the newest completed run while it is fresh, else wait for a run of the
    /// product already going, else start one. Answers `action` (`reuse`, `wait` or `created`), `run_id` and the
    /// `message` Mage logs.
    pub(crate) async fn global_data_product(&self, call: &Value) -> Result<Value, String> {
        let product = self.product(call)?;
        let _deciding = self.products.lock().await;
        let runs = storage::global_data_product_runs(
            self.store.as_ref(),
            &product.object_uuid,
            &product.uuid,
            Some(1),
        )
        .await
        .map_err(|error| error.to_string())?;
        let completed = runs.iter().find(|run| run.status == RunStatus::Completed);
        let freshness = product.freshness(completed.map(|run| run.execution_date), Utc::now());
        if let Some(run) = completed.filter(|_| !freshness.outdated) {
            return Ok(json!({"action": "reuse", "run_id": run.id, "message": freshness.reason}));
        }
        if let Some(run) = runs.iter().find(|run| !run.status.is_finished()) {
            return Ok(json!({
                "action": "wait",
                "run_id": run.id,
                "message": format!(
                    "{} Pipeline run {} for global data product {} already exists and is {}.",
                    freshness.reason, run.id, product.uuid, run.status.as_str()
                ),
            }));
        }
        let launcher = self.launcher.as_ref().ok_or(
            "a global data product runs its pipeline through the scheduler, which this process does not run: its \
             blocks run under `wand run` or `wand start`, not a separate `wand worker`",
        )?;
        let run_id = launcher
            .launch_product(product.object_uuid.clone(), product.uuid.clone())
            .await?;
        Ok(json!({
            "action": "created",
            "run_id": run_id,
            "message": format!(
                "{} Created pipeline run {run_id} for global data product {}.",
                freshness.reason, product.uuid
            ),
        }))
    }

    /// The product's outputs as Mage hands them on: `outputs` maps each block of `settings` to the stored outputs
    /// of its `partitions` newest completed runs (newest first), `remote_blocks` lists each block's stored outputs
    /// in the run the consumer used. With a `run_id`, waits for that run first; a run that did not complete is the
    /// error, with the failed blocks' errors.
    pub(crate) async fn global_data_product_outputs(&self, call: &Value) -> Result<Value, String> {
        let product = self.product(call)?;
        let awaited = call.get("run_id").and_then(Value::as_i64);
        if let Some(run_id) = awaited {
            let status = self.wait_until(run_id, None).await?;
            if status != RunStatus::Completed {
                return Err(self.failure(run_id, &product.uuid, status).await);
            }
        }
        let everything = product.blocks.iter().any(|block| block.partitions < 1);
        let newest = product
            .blocks
            .iter()
            .map(|block| usize::try_from(block.partitions).unwrap_or(0))
            .max()
            .unwrap_or(1)
            .max(1);
        let runs: Vec<PipelineRun> = storage::global_data_product_runs(
            self.store.as_ref(),
            &product.object_uuid,
            &product.uuid,
            (!everything).then_some(newest),
        )
        .await
        .map_err(|error| error.to_string())?
        .into_iter()
        .filter(|run| run.status == RunStatus::Completed)
        .collect();
        let used = awaited.or_else(|| runs.first().map(|run| run.id));
        let mut stored: HashMap<i64, HashMap<String, BlockOutputs>> = HashMap::new();
        for run in &runs {
            stored.insert(run.id, self.run_outputs(run.id).await?);
        }
        if let Some(used) = used
            && !stored.contains_key(&used)
        {
            stored.insert(used, self.run_outputs(used).await?);
        }
        let pick = |run_id: i64, block: &str| -> Result<Value, String> {
            let outputs = stored[&run_id].get(block).ok_or_else(|| {
                format!(
                    "block `{block}` of pipeline run {run_id} (global data product {}) stored no output",
                    product.uuid
                )
            })?;
            serde_json::to_value(outputs).map_err(|error| error.to_string())
        };
        let mut outputs = Map::new();
        let mut remote_blocks = Vec::new();
        for block in &product.blocks {
            let taken = if block.partitions >= 1 {
                runs.iter()
                    .take(usize::try_from(block.partitions).unwrap_or(1))
                    .collect::<Vec<_>>()
            } else {
                runs.iter().collect()
            };
            let values = taken
                .iter()
                .map(|run| pick(run.id, &block.uuid))
                .collect::<Result<Vec<_>, _>>()?;
            outputs.insert(block.uuid.clone(), Value::Array(values));
            if let Some(used) = used {
                remote_blocks.push(pick(used, &block.uuid)?);
            }
        }
        Ok(json!({"run_id": used, "outputs": outputs, "remote_blocks": remote_blocks}))
    }

    /// The stored outputs of run `run_id`'s blocks, readable on this machine.
    async fn run_outputs(&self, run_id: i64) -> Result<HashMap<String, BlockOutputs>, String> {
        let mut found = HashMap::new();
        for block_run in self
            .store
            .block_runs(run_id)
            .await
            .map_err(|error| error.to_string())?
        {
            if let Some(mut outputs) = block_run.outputs {
                self.outputs
                    .localize(&mut outputs)
                    .await
                    .map_err(|error| error.to_string())?;
                found.insert(block_run.block_uuid, outputs);
            }
        }
        Ok(found)
    }

    /// Mage's message for a product run that did not complete, with what its failed blocks said.
    async fn failure(&self, run_id: i64, product: &str, status: RunStatus) -> String {
        let mut message = format!(
            "Pipeline run {run_id} for global data product {product}: {}.",
            status.as_str()
        );
        if let Ok(block_runs) = self.store.block_runs(run_id).await {
            for block_run in block_runs {
                if let Some(error) = block_run
                    .error
                    .filter(|_| block_run.status.as_str() == "failed")
                {
                    message.push_str(&format!(" Block {} failed: {error}", block_run.block_uuid));
                }
            }
        }
        message
    }
}
