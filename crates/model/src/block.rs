//! A block of a pipeline: its identity, type, language, parents and run settings.

use serde::{Deserialize, Serialize};

/// Mage's block types. Each type lives in its own folder of the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockType {
    DataLoader,
    Transformer,
    DataExporter,
    Custom,
    Sensor,
    Scratchpad,
    Markdown,
    Chart,
    Dbt,
    Callback,
    Conditional,
    Extension,
    /// Mage's `global_data_product`: no file of its own; it hands on the outputs of a product's pipeline (see
    /// `GlobalDataProduct`), running that pipeline first when its data is outdated.
    GlobalDataProduct,
}

impl BlockType {
    pub const ALL: [BlockType; 13] = [
        BlockType::DataLoader,
        BlockType::Transformer,
        BlockType::DataExporter,
        BlockType::Custom,
        BlockType::Sensor,
        BlockType::Scratchpad,
        BlockType::Markdown,
        BlockType::Chart,
        BlockType::Dbt,
        BlockType::Callback,
        BlockType::Conditional,
        BlockType::Extension,
        BlockType::GlobalDataProduct,
    ];

    /// The name used in `metadata.yaml` (`data_loader`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            BlockType::DataLoader => "data_loader",
            BlockType::Transformer => "transformer",
            BlockType::DataExporter => "data_exporter",
            BlockType::Custom => "custom",
            BlockType::Sensor => "sensor",
            BlockType::Scratchpad => "scratchpad",
            BlockType::Markdown => "markdown",
            BlockType::Chart => "chart",
            BlockType::Dbt => "dbt",
            BlockType::Callback => "callback",
            BlockType::Conditional => "conditional",
            BlockType::Extension => "extension",
            BlockType::GlobalDataProduct => "global_data_product",
        }
    }

    pub fn parse(name: &str) -> Option<BlockType> {
        BlockType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The project folder that holds blocks of this type: `<type>s/`, except `custom/` and `dbt/`.
    pub fn folder(self) -> &'static str {
        match self {
            BlockType::DataLoader => "data_loaders",
            BlockType::Transformer => "transformers",
            BlockType::DataExporter => "data_exporters",
            BlockType::Custom => "custom",
            BlockType::Sensor => "sensors",
            BlockType::Scratchpad => "scratchpads",
            BlockType::Markdown => "markdowns",
            BlockType::Chart => "charts",
            BlockType::Dbt => "dbt",
            BlockType::Callback => "callbacks",
            BlockType::Conditional => "conditionals",
            BlockType::Extension => "extensions",
            BlockType::GlobalDataProduct => "global_data_products",
        }
    }

    /// Whether a pipeline run executes blocks of this type (notebook-only cells do not run).
    pub fn runs_in_pipeline(self) -> bool {
        !matches!(
            self,
            BlockType::Scratchpad | BlockType::Markdown | BlockType::Chart
        )
    }
}

/// The language of a block's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Python,
    Sql,
    R,
    Yaml,
    Markdown,
}

impl Language {
    pub fn parse(name: &str) -> Option<Language> {
        match name {
            "python" => Some(Language::Python),
            "sql" => Some(Language::Sql),
            "r" => Some(Language::R),
            "yaml" => Some(Language::Yaml),
            "markdown" => Some(Language::Markdown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Sql => "sql",
            Language::R => "r",
            Language::Yaml => "yaml",
            Language::Markdown => "markdown",
        }
    }

    /// The file extension of blocks in this language.
    pub fn extension(self) -> &'static str {
        match self {
            Language::Python => "py",
            Language::Sql => "sql",
            Language::R => "r",
            Language::Yaml => "yaml",
            Language::Markdown => "md",
        }
    }
}

/// Mage's `retry_config`; a field left out inherits from the less specific level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RetryConfig {
    pub retries: Option<u32>,
    pub delay: Option<f64>,
    pub max_delay: Option<f64>,
    pub exponential_backoff: Option<bool>,
}

impl RetryConfig {
    /// This configuration with its unset fields taken from `base` (project < pipeline < block).
    pub fn over(self, base: RetryConfig) -> RetryConfig {
        RetryConfig {
            retries: self.retries.or(base.retries),
            delay: self.delay.or(base.delay),
            max_delay: self.max_delay.or(base.max_delay),
            exponential_backoff: self.exponential_backoff.or(base.exponential_backoff),
        }
    }

    /// Seconds to wait before retry number `attempt` (1 for the first retry).
    pub fn delay_before(&self, attempt: u32) -> f64 {
        let delay = self.delay.unwrap_or(5.0);
        let max_delay = self.max_delay.unwrap_or(60.0);
        let scaled = if self.exponential_backoff.unwrap_or(true) {
            delay * 2f64.powi(attempt.saturating_sub(1).min(30) as i32)
        } else {
            delay
        };
        scaled.min(max_delay).max(0.0)
    }
}

/// One block of a pipeline, as the engine needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub uuid: String,
    pub name: String,
    pub block_type: BlockType,
    pub language: Language,
    /// Parents, in the order their outputs become the block function's positional arguments.
    pub upstream: Vec<String>,
    /// The block file, relative to the project root.
    pub file: String,
    /// Seconds after which the block run is stopped and failed.
    pub timeout: Option<f64>,
    pub retry: RetryConfig,
    /// The block's `configuration` mapping, passed to the block as `kwargs['configuration']`.
    pub configuration: serde_json::Value,
    /// Only workers started with this tag (`wand worker --tags`) run the block (Wand's `worker_tag` key; a GPU
    /// machine, a machine inside a network). Untagged blocks run on workers without tags or with `default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_tag: Option<String>,
    /// Mage's conditionals attached to the block (`conditionals:` entries listing it in `upstream_blocks`): the
    /// block runs only if each one's `@condition` functions return true.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditionals: Vec<AddonBlock>,
    /// Mage's callbacks attached to the block (`callbacks:` entries listing it, and `<uuid>_callback` when
    /// `has_callback` is true): run after the block, in its process, with its output or its error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<AddonBlock>,
}

/// A conditional or callback block: an add-on that runs in the process of the block it is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AddonBlock {
    pub uuid: String,
    /// Its file, relative to the project root.
    pub file: String,
}

impl Block {
    /// A Python block named after its uuid, in `<type folder>/<uuid>.py`, with defaults for everything but its type
    /// and parents (generated pipelines, tests, benchmarks).
    pub fn new(uuid: &str, block_type: BlockType, upstream: Vec<String>) -> Block {
        Block {
            uuid: uuid.to_owned(),
            name: uuid.to_owned(),
            block_type,
            language: Language::Python,
            upstream,
            file: format!("{}/{uuid}.py", block_type.folder()),
            timeout: None,
            retry: RetryConfig::default(),
            configuration: serde_json::Value::Null,
            worker_tag: None,
            conditionals: Vec::new(),
            callbacks: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_back_off_up_to_the_maximum_and_inherit_unset_fields() {
        let retry = RetryConfig {
            retries: Some(5),
            delay: Some(2.0),
            max_delay: Some(10.0),
            exponential_backoff: Some(true),
        };
        let delays: Vec<f64> = (1..=5).map(|attempt| retry.delay_before(attempt)).collect();
        assert_eq!(delays, [2.0, 4.0, 8.0, 10.0, 10.0]);
        let flat = RetryConfig {
            exponential_backoff: Some(false),
            ..retry
        };
        assert_eq!(flat.delay_before(4), 2.0);
        let block = RetryConfig {
            retries: Some(1),
            ..RetryConfig::default()
        };
        let merged = block.over(retry);
        assert_eq!(
            (merged.retries, merged.delay, merged.max_delay),
            (Some(1), Some(2.0), Some(10.0))
        );
    }
}
