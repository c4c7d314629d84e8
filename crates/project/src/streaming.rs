//! Mage's streaming pipelines (`type: streaming`) at load time: the tree's shape as Mage's
//! `StreamingPipelineExecutor.parse_and_validate_blocks` demands it, and the `connector_type` of each YAML block.
//! It only checks; `wand_runtime/streaming/` runs the tree.

use std::path::Path;

use model::{Block, BlockType, Language};

/// The sources and sinks Wand runs: those of the engine's registry, `wand_runtime/streaming/connectors.py` (a test below
/// keeps the two, and Mage's lists, equal).
pub(crate) const WAND_SOURCES: &[&str] = &["kafka", "nats", "rabbitmq"];
pub(crate) const WAND_SINKS: &[&str] = &["duckdb", "file", "kafka", "postgres"];

/// Mage 0.9.80's connector types (mage_ai/streaming/constants.py).
const MAGE_SOURCES: &[&str] = &[
    "activemq",
    "amazon_sqs",
    "azure_event_hub",
    "google_cloud_pubsub",
    "influxdb",
    "kafka",
    "kinesis",
    "mongodb",
    "nats",
    "rabbitmq",
];
const MAGE_SINKS: &[&str] = &[
    "activemq",
    "amazon_s3",
    "azure_data_lake",
    "bigquery",
    "clickhouse",
    "druid",
    "duckdb",
    "dummy",
    "elasticsearch",
    "google_cloud_pubsub",
    "google_cloud_storage",
    "influxdb",
    "kafka",
    "kinesis",
    "mongodb",
    "mssql",
    "mysql",
    "opensearch",
    "oracledb",
    "postgres",
    "rabbitmq",
    "redshift",
    "snowflake",
    "trino",
];

/// Each problem of a streaming pipeline's blocks, as (block, message).
pub(crate) fn streaming_problems(root: &Path, blocks: &[Block]) -> Vec<(Option<String>, String)> {
    let mut problems = Vec::new();
    let mut problem = |block: Option<&str>, message: String| {
        problems.push((block.map(str::to_owned), message));
    };
    let children = |uuid: &str| {
        blocks
            .iter()
            .filter(|block| block.upstream.iter().any(|parent| parent == uuid))
            .count()
    };
    let sources: Vec<&Block> = blocks
        .iter()
        .filter(|block| block.block_type == BlockType::DataLoader)
        .collect();
    if sources.len() != 1 {
        problem(
            None,
            format!(
                "a streaming pipeline has exactly one data loader, its source (as in Mage); this one has {}",
                sources.len()
            ),
        );
    }
    for block in blocks {
        let uuid = block.uuid.as_str();
        match block.block_type {
            BlockType::DataLoader => {
                if !block.upstream.is_empty() {
                    problem(
                        Some(uuid),
                        "the source of a streaming pipeline has no upstream blocks".to_owned(),
                    );
                }
                if children(uuid) == 0 {
                    problem(
                        Some(uuid),
                        "the source needs at least one transformer or data exporter below it"
                            .to_owned(),
                    );
                }
                yaml_connector(
                    root,
                    block,
                    "source",
                    WAND_SOURCES,
                    MAGE_SOURCES,
                    &mut problem,
                );
            }
            BlockType::Transformer => {
                if block.upstream.len() != 1 {
                    problem(
                        Some(uuid),
                        "a transformer of a streaming pipeline has exactly one upstream block"
                            .to_owned(),
                    );
                }
                if block.language != Language::Python {
                    problem(
                        Some(uuid),
                        format!(
                            "a transformer of a streaming pipeline is Python, not {}",
                            block.language.as_str()
                        ),
                    );
                }
            }
            BlockType::DataExporter => {
                if block.upstream.len() != 1 || children(uuid) != 0 {
                    problem(
                        Some(uuid),
                        "a sink (data exporter) of a streaming pipeline has exactly one upstream block and none \
                         below it"
                            .to_owned(),
                    );
                }
                yaml_connector(root, block, "sink", WAND_SINKS, MAGE_SINKS, &mut problem);
            }
            other => problem(
                Some(uuid),
                format!(
                    "a streaming pipeline holds a data loader, transformers and data exporters, not a {} block",
                    other.as_str()
                ),
            ),
        }
    }
    problems
}

/// A source's or sink's file: YAML naming a connector Wand runs, or a Python class decorated
/// `@streaming_source`/`@streaming_sink` (Mage's `BasePythonSource`/`BasePythonSink`).
fn yaml_connector(
    root: &Path,
    block: &Block,
    role: &str,
    wand: &[&str],
    mage: &[&str],
    problem: &mut impl FnMut(Option<&str>, String),
) {
    let uuid = Some(block.uuid.as_str());
    let Ok(text) = std::fs::read_to_string(root.join(&block.file)) else {
        return; // A missing file has its own error.
    };
    match block.language {
        Language::Yaml => {}
        // Mage's Python sources and sinks: one class decorated `@streaming_source` / `@streaming_sink`.
        Language::Python => {
            if !text.contains(&format!("@streaming_{role}")) {
                problem(
                    uuid,
                    format!(
                        "{}: a Python streaming {role} is a class decorated with `@streaming_{role}` (as in \
                         Mage's template); none found, or describe the {role} in YAML (`connector_type: ...`)",
                        block.file
                    ),
                );
            }
            return;
        }
        other => {
            problem(
                uuid,
                format!(
                    "{}: a streaming {role} is YAML (`connector_type: ...`) or a Python `@streaming_{role}` \
                     class, not {}",
                    block.file,
                    other.as_str()
                ),
            );
            return;
        }
    }
    let connector = text.lines().find_map(|line| {
        line.strip_prefix("connector_type:")
            .map(|value| value.trim().trim_matches(['\'', '"']).to_owned())
    });
    let known = wand.join(", ");
    match connector {
        None => problem(
            uuid,
            format!(
                "{}: no `connector_type`; Wand's {role}s: {known}",
                block.file
            ),
        ),
        // Rendered at run time, where the engine checks it.
        Some(name) if name.contains("{{") => {}
        Some(name) if wand.contains(&name.as_str()) => {}
        Some(name) if mage.contains(&name.as_str()) => problem(
            uuid,
            format!(
                "{}: connector_type `{name}` is a Mage {role} that Wand does not run yet; Wand's {role}s: \
                 {known}",
                block.file
            ),
        ),
        Some(name) => problem(
            uuid,
            format!(
                "{}: unknown connector_type `{name}`; Wand's {role}s: {known}",
                block.file
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The quoted names in the Python literal that follows `name = ` in `text` (a dict's keys or a tuple's items).
    fn python_names(text: &str, name: &str) -> BTreeSet<String> {
        let start = text
            .find(&format!("\n{name} = "))
            .unwrap_or_else(|| panic!("{name} in connectors.py"));
        let body = &text[start..];
        let close = if body.lines().nth(1).is_some_and(|line| line.ends_with('{')) {
            "\n}"
        } else {
            "\n)"
        };
        let end = body.find(close).unwrap();
        body[..end]
            .lines()
            .skip(1)
            .filter_map(|line| line.trim().strip_prefix('"'))
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect()
    }

    /// The engine's registry (`wand_runtime/streaming/connectors.py`) and these lists name the same connectors.
    #[test]
    fn the_connector_lists_match_the_engines_registry() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../runtime/python/wand_runtime/streaming/connectors.py"
        ))
        .unwrap();
        let set = |names: &[&str]| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        };
        for (role, wand, mage, registry, mage_only) in [
            (
                "source",
                super::WAND_SOURCES,
                super::MAGE_SOURCES,
                "SOURCES",
                "MAGE_ONLY_SOURCES",
            ),
            (
                "sink",
                super::WAND_SINKS,
                super::MAGE_SINKS,
                "SINKS",
                "MAGE_ONLY_SINKS",
            ),
        ] {
            let runs = python_names(&text, registry);
            assert_eq!(runs, set(wand), "the {role}s Wand runs");
            let mut all = python_names(&text, mage_only);
            all.extend(runs.into_iter().filter(|name| *name != "file"));
            assert_eq!(all, set(mage), "Mage's {role}s");
        }
    }
}
