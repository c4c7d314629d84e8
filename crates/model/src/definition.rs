//! What a run pins: the pipeline's blocks and variables as they were when the run was created, and its settings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{Block, BlockType, Dag, DagError, Pipeline, RunInterval, TimeoutStatus};

/// The pinned definition of a run, stored with it so that retries and workers run exactly this DAG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineDefinition {
    pub uuid: String,
    pub name: String,
    /// Pipeline `variables` (the least specific layer).
    #[serde(default)]
    pub variables: Map<String, Value>,
    /// The blocks this run executes, parents first.
    pub blocks: Vec<Block>,
    #[serde(default)]
    pub settings: RunSettings,
    /// The name of the trigger that created the run (blocks get it as `kwargs['trigger_name']`).
    #[serde(default)]
    pub trigger_name: Option<String>,
    /// The interval the run covers, for a run of a time trigger (Mage's `interval_*` kwargs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<RunInterval>,
    /// The global data product the run makes (Mage's runs of a product's `GLOBAL_DATA_PRODUCT_TRIGGER`): its
    /// completed runs are the ones whose outputs consumers get.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_data_product: Option<String>,
    /// A streaming pipeline's run (Mage's `type: streaming`). Runs pinned before this was recorded are recognised
    /// by their YAML data loader.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub streaming: bool,
}

/// Settings a trigger gives its runs (Mage's trigger `settings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    /// Keep running independent blocks after a block failed (Mage's "allow blocks to fail").
    #[serde(default)]
    pub allow_blocks_to_fail: bool,
    /// Seconds after which the whole run is stopped.
    #[serde(default)]
    pub timeout: Option<f64>,
    /// What a run stopped by its timeout becomes.
    #[serde(default)]
    pub timeout_status: TimeoutStatus,
    /// At most this many of the run's blocks at once (the pipeline's `concurrency_config.block_run_limit`).
    #[serde(default)]
    pub block_run_limit: Option<u32>,
}

impl PipelineDefinition {
    /// The source of a streaming pipeline's run (Mage's `type: streaming`): its one data loader, YAML or a Python
    /// `@streaming_source` class (a run pinned before `streaming` was recorded: its YAML data loader, a block only a
    /// streaming pipeline may have). Its one process runs the whole tree; the transformers and sinks complete with it.
    pub fn streaming_source(&self) -> Option<&Block> {
        self.blocks.iter().find(|block| {
            block.block_type == BlockType::DataLoader
                && (self.streaming || block.language == crate::Language::Yaml)
        })
    }

    /// Pins all of `pipeline`'s executable blocks, or only those named in `only`.
    pub fn pin(
        pipeline: &Pipeline,
        only: Option<&[String]>,
        settings: RunSettings,
    ) -> PipelineDefinition {
        let blocks = pipeline
            .dag
            .blocks()
            .iter()
            .filter(|block| only.is_none_or(|names| names.contains(&block.uuid)))
            .cloned()
            .chain(Self::scratchpads(pipeline, only))
            .collect();
        PipelineDefinition {
            uuid: pipeline.uuid.clone(),
            name: pipeline.name.clone(),
            variables: pipeline.variables.clone(),
            blocks,
            settings,
            trigger_name: None,
            interval: None,
            global_data_product: None,
            streaming: pipeline.streaming,
        }
    }

    /// The scratchpads `only` names (the editor runs one alone; a pipeline run never does), without parents: a
    /// scratchpad is a notebook cell that receives nothing.
    fn scratchpads<'a>(
        pipeline: &'a Pipeline,
        only: Option<&'a [String]>,
    ) -> impl Iterator<Item = Block> + 'a {
        pipeline
            .notebook_blocks
            .iter()
            .filter(move |block| {
                block.block_type == BlockType::Scratchpad
                    && only.is_some_and(|names| names.contains(&block.uuid))
            })
            .map(|block| Block {
                upstream: Vec::new(),
                ..block.clone()
            })
    }

    /// The pinned blocks as a DAG. Parents outside the pinned set (a single-block rerun) are not edges.
    pub fn dag(&self) -> Result<Dag, Vec<DagError>> {
        let pinned: Vec<&str> = self
            .blocks
            .iter()
            .map(|block| block.uuid.as_str())
            .collect();
        let blocks = self
            .blocks
            .iter()
            .map(|block| Block {
                upstream: block
                    .upstream
                    .iter()
                    .filter(|parent| pinned.contains(&parent.as_str()))
                    .cloned()
                    .collect(),
                ..block.clone()
            })
            .collect();
        Dag::new(blocks)
    }

    pub fn block(&self, uuid: &str) -> Option<&Block> {
        self.blocks.iter().find(|block| block.uuid == uuid)
    }
}
