//! The request for one block run, built from its pipeline run, the run's pinned definition and the stored outputs of
//! its parents. A pure function: what a block receives (its inputs, variables and kwargs) is tested without a Python.

use std::collections::HashMap;

use model::{
    Block, BlockOutputs, DynamicInstance, Language, PipelineDefinition, Source, merge_variables,
};
use runtime::{BlockRequest, Pick, UpstreamBlock};
use serde_json::Value;
use storage::PipelineRun;

use crate::WorkerConfig;
use crate::code::CodeFolder;

/// What a block run's request is built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestSource<'a> {
    pub(crate) run: &'a PipelineRun,
    pub(crate) definition: &'a PipelineDefinition,
    /// The block to run, as the definition pinned it.
    pub(crate) block: &'a Block,
    /// Stored outputs by block-run name: the run's own, and for parents the run does not run, the newest earlier
    /// ones.
    pub(crate) outputs: &'a HashMap<String, BlockOutputs>,
    /// For each parent that is a reducing dynamic child: its instances' outputs in index order.
    pub(crate) gathered: &'a HashMap<String, Vec<Option<BlockOutputs>>>,
    /// The block run's name (`<block>:<suffix>` for an instance of a dynamic child).
    pub(crate) name: &'a str,
    /// For an instance of a dynamic child: its index and where its inputs come from.
    pub(crate) instance: Option<&'a DynamicInstance>,
    /// The folder holding the code the run pinned, and its platform root.
    pub(crate) code: &'a CodeFolder,
    /// 1 for the block run's first attempt.
    pub(crate) attempt: i64,
}

/// The request that runs `source.block`: its parents' outputs in `upstream` order (null for a parent without
/// outputs) with how each becomes its argument (an item, an instance's output, a gathered list), the variables
/// merged pipeline < run (the run's hold the trigger's), and Mage's kwargs.
pub(crate) fn block_request(source: RequestSource<'_>, config: &WorkerConfig) -> BlockRequest {
    let RequestSource {
        run,
        definition,
        block,
        outputs,
        gathered,
        name,
        instance,
        code,
        attempt,
    } = source;
    let code_folder = code.path.as_path();
    let output_dir = config
        .data_dir
        .join("runs")
        .join(&definition.uuid)
        .join(run.id.to_string())
        .join(name);
    let (inputs, picks): (Vec<Option<BlockOutputs>>, Vec<Pick>) = block
        .upstream
        .iter()
        .enumerate()
        .map(|(position, parent)| {
            let source = instance.and_then(|instance| instance.sources.get(position));
            match source {
                Some(Source::Item { index }) => {
                    (outputs.get(parent).cloned(), Pick::Item { index: *index })
                }
                Some(Source::Instance { uuid }) => (outputs.get(uuid).cloned(), Pick::Instance),
                Some(Source::InstanceItem { uuid, index }) => (
                    outputs.get(uuid).cloned(),
                    Pick::InstanceItem { index: *index },
                ),
                Some(Source::Whole) | None => match gathered.get(parent) {
                    Some(instances) => (
                        None,
                        Pick::Reduce {
                            instances: instances.clone(),
                        },
                    ),
                    None => (outputs.get(parent).cloned(), Pick::Whole),
                },
            }
        })
        .unzip();
    let picks = if picks.iter().all(|pick| *pick == Pick::Whole) {
        Vec::new()
    } else {
        picks
    };
    BlockRequest {
        repo_path: code_folder.display().to_string(),
        project_name: code_folder
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
        data_dir: config.data_dir.display().to_string(),
        platform_root: code
            .platform_root
            .as_ref()
            .map(|root| root.display().to_string()),
        pipeline_uuid: definition.uuid.clone(),
        block_uuid: block.uuid.clone(),
        block_type: block.block_type.as_str().to_owned(),
        language: block.language.as_str().to_owned(),
        run_id: run.id,
        file: block.file.clone(),
        execution_date: run.execution_date.to_rfc3339(),
        execution_partition: execution_partition(run),
        env: config.env.clone(),
        trigger_name: definition.trigger_name.clone(),
        interval: definition.interval,
        variables: merge_variables([&definition.variables, &run.variables]),
        configuration: block.configuration.clone(),
        inputs,
        picks,
        dynamic_block_index: instance.map(|instance| instance.index),
        upstream: block
            .upstream
            .iter()
            .map(|parent| upstream_block(definition, parent))
            .collect(),
        output_dir: output_dir.display().to_string(),
        run_tests: config.run_tests,
        timeout: block.timeout,
        sensor_interval: config.sensor_interval.as_secs_f64(),
        run_statuses: Vec::new(),
        conditionals: block.conditionals.clone(),
        callbacks: block.callbacks.clone(),
        attempt,
        retries: block.retry.retries.unwrap_or(0),
        mode: runtime::RequestMode::Block,
        ahead: downstream_files(definition, &block.uuid),
        streaming: streaming_tree(definition, block, run, config),
    }
}

/// The Python files of the blocks that take `uuid`'s output, in the definition's order, each once.
fn downstream_files(definition: &PipelineDefinition, uuid: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    let children = definition.blocks.iter().filter(|child| {
        child.language == Language::Python && child.upstream.iter().any(|parent| parent == uuid)
    });
    for child in children {
        if !files.contains(&child.file) {
            files.push(child.file.clone());
        }
        if files.len() == runtime::AHEAD_FILES {
            break;
        }
    }
    files
}

/// For the source of a streaming run: every block of the tree, which the source's one process runs.
fn streaming_tree(
    definition: &PipelineDefinition,
    block: &Block,
    run: &PipelineRun,
    config: &WorkerConfig,
) -> Option<runtime::StreamingTree> {
    let source = definition.streaming_source()?;
    (source.uuid == block.uuid).then(|| runtime::StreamingTree {
        blocks: definition
            .blocks
            .iter()
            .map(|block| runtime::StreamingBlock {
                uuid: block.uuid.clone(),
                block_type: block.block_type.as_str().to_owned(),
                language: block.language.as_str().to_owned(),
                file: block.file.clone(),
                upstream: block.upstream.clone(),
                configuration: block.configuration.clone(),
            })
            .collect(),
        counters_path: runtime::stream_counters_path(&config.data_dir, &definition.uuid, run.id)
            .display()
            .to_string(),
    })
}

/// The parent `uuid` as the definition pinned it (a parent missing from it is described as a Python block).
fn upstream_block(definition: &PipelineDefinition, uuid: &str) -> UpstreamBlock {
    match definition.blocks.iter().find(|block| block.uuid == uuid) {
        Some(parent) => UpstreamBlock {
            uuid: parent.uuid.clone(),
            block_type: parent.block_type.as_str().to_owned(),
            language: parent.language.as_str().to_owned(),
            configuration: parent.configuration.clone(),
        },
        None => UpstreamBlock {
            uuid: uuid.to_owned(),
            block_type: String::new(),
            language: "python".to_owned(),
            configuration: Value::Null,
        },
    }
}

/// Mage's `execution_partition`: `<trigger id>/<execution date as %Y%m%dT%H%M%S>`, `manual` for a run without a
/// trigger.
fn execution_partition(run: &PipelineRun) -> String {
    let trigger = run
        .trigger_id
        .map_or("manual".to_owned(), |id| id.to_string());
    format!("{trigger}/{}", run.execution_date.format("%Y%m%dT%H%M%S"))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use model::{BlockType, RunSettings, RunStatus};
    use serde_json::{Map, Value, json};

    use super::*;

    fn code() -> CodeFolder {
        CodeFolder {
            path: PathBuf::from("/data/code/abc123/shop"),
            platform_root: None,
        }
    }

    fn config() -> WorkerConfig {
        let data_dir = PathBuf::from("/data");
        WorkerConfig {
            id: "worker-1".to_owned(),
            project_root: None,
            outputs: runtime::OutputStore::local(&data_dir),
            data_dir,
            tags: Vec::new(),
            concurrency: 1,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            queue_announced: false,
            run_tests: true,
            sensor_interval: Duration::from_secs(60),
            env: "prod".to_owned(),
        }
    }

    fn variables(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    /// Run 7 of pipeline `etl`, executed for 2026-03-01 10:30 and started by trigger 3 ("nightly").
    fn run() -> PipelineRun {
        let date = DateTime::parse_from_rfc3339("2026-03-01T10:30:05Z")
            .unwrap()
            .with_timezone(&Utc);
        PipelineRun {
            id: 7,
            pipeline_uuid: "etl".to_owned(),
            trigger_id: Some(3),
            status: RunStatus::Running,
            variables: variables(json!({"region": "eu", "limit": 10})),
            definition: definition(),
            execution_date: date,
            created_at: date,
            started_at: Some(date),
            completed_at: None,
            code_hash: None,
            backfill_id: None,
            backfill_index: None,
            pruned: Default::default(),
            passed_sla: false,
        }
    }

    /// What block `name` stored: one JSON value.
    fn stored(name: &str) -> BlockOutputs {
        serde_json::from_value(json!({"container": "single", "outputs": [
            {"name": "output_0", "kind": "json", "path": format!("/data/{name}/output_0.json")}]}))
        .unwrap()
    }

    /// `report` reads `load_b` then `load_a` (the reverse of the pipeline order).
    fn definition() -> PipelineDefinition {
        let loader = |uuid: &str| Block::new(uuid, BlockType::DataLoader, Vec::new());
        let addon = |uuid: &str, folder: &str| model::AddonBlock {
            uuid: uuid.to_owned(),
            file: format!("{folder}/{uuid}.py"),
        };
        let report = Block {
            timeout: Some(12.5),
            configuration: json!({"file_format": "csv"}),
            retry: model::RetryConfig {
                retries: Some(2),
                ..model::RetryConfig::default()
            },
            conditionals: vec![addon("weekday", "conditionals")],
            callbacks: vec![addon("notify", "callbacks")],
            ..Block::new(
                "report",
                BlockType::Transformer,
                vec!["load_b".to_owned(), "load_a".to_owned()],
            )
        };
        PipelineDefinition {
            uuid: "etl".to_owned(),
            name: "ETL".to_owned(),
            variables: variables(json!({"region": "us", "owner": "data"})),
            blocks: vec![loader("load_a"), loader("load_b"), report],
            settings: RunSettings::default(),
            trigger_name: Some("nightly".to_owned()),
            interval: None,
            global_data_product: None,
            streaming: false,
        }
    }

    fn request_for(run: &PipelineRun, definition: &PipelineDefinition) -> BlockRequest {
        let outputs = HashMap::from([
            ("load_a".to_owned(), stored("a")),
            ("load_b".to_owned(), stored("b")),
        ]);
        let source = RequestSource {
            run,
            definition,
            block: definition.block("report").expect("report is pinned"),
            outputs: &outputs,
            gathered: &HashMap::new(),
            name: "report",
            instance: None,
            code: &code(),
            attempt: 1,
        };
        block_request(source, &config())
    }

    #[test]
    fn inputs_follow_the_upstream_order_with_null_for_a_parent_without_outputs() {
        let definition = definition();
        let request = request_for(&run(), &definition);
        assert_eq!(request.inputs, [Some(stored("b")), Some(stored("a"))]);
        let mut missing = definition.clone();
        missing.blocks[2].upstream.push("load_c".to_owned());
        assert_eq!(
            request_for(&run(), &missing).inputs,
            [Some(stored("b")), Some(stored("a")), None]
        );
    }

    #[test]
    fn ahead_names_the_python_files_right_downstream_each_once() {
        let mut definition = definition();
        let child = |uuid: &str, parent: &str, language: Language| Block {
            language,
            ..Block::new(uuid, BlockType::DataExporter, vec![parent.to_owned()])
        };
        definition.blocks.extend([
            child("save_csv", "load_a", Language::Python),
            child("save_sql", "load_a", Language::Sql),
            child("grandchild", "save_csv", Language::Python),
        ]);
        let mut twin = child("save_csv_again", "load_a", Language::Python);
        twin.file = definition.blocks[3].file.clone();
        definition.blocks.push(twin);
        let request = |uuid: &str| {
            let source = RequestSource {
                run: &run(),
                definition: &definition,
                block: definition.block(uuid).expect("pinned"),
                outputs: &HashMap::new(),
                gathered: &HashMap::new(),
                name: uuid,
                instance: None,
                code: &code(),
                attempt: 1,
            };
            block_request(source, &config()).ahead
        };
        // `report` reads load_a too; SQL files are not compiled; the twin shares save_csv's file.
        assert_eq!(
            request("load_a"),
            ["transformers/report.py", "data_exporters/save_csv.py"]
        );
        assert_eq!(request("save_csv"), ["data_exporters/grandchild.py"]);
        assert!(request("grandchild").is_empty());
    }

    #[test]
    fn the_run_s_variables_override_the_pipeline_s() {
        let request = request_for(&run(), &definition());
        assert_eq!(
            Value::Object(request.variables),
            json!({"region": "eu", "limit": 10, "owner": "data"})
        );
    }

    #[test]
    fn a_triggered_run_passes_its_trigger_name_and_partition_and_a_manual_run_none() {
        let request = request_for(&run(), &definition());
        assert_eq!(request.trigger_name.as_deref(), Some("nightly"));
        assert_eq!(request.execution_partition, "3/20260301T103005");
        assert_eq!(request.execution_date, "2026-03-01T10:30:05+00:00");

        let manual_run = PipelineRun {
            trigger_id: None,
            ..run()
        };
        let manual = PipelineDefinition {
            trigger_name: None,
            ..definition()
        };
        let request = request_for(&manual_run, &manual);
        assert_eq!(request.trigger_name, None);
        assert_eq!(request.execution_partition, "manual/20260301T103005");
    }

    #[test]
    fn the_block_its_folders_and_the_worker_s_settings_reach_the_request() {
        let request = request_for(&run(), &definition());
        let mut rendered = serde_json::to_value(&request).expect("a request serializes");
        // Checked by the tests above.
        for checked in [
            "inputs",
            "variables",
            "trigger_name",
            "execution_date",
            "execution_partition",
        ] {
            rendered.as_object_mut().unwrap().remove(checked);
        }
        assert_eq!(
            rendered,
            json!({
                "repo_path": "/data/code/abc123/shop",
                "project_name": "shop",
                "data_dir": "/data",
                "platform_root": null,
                "pipeline_uuid": "etl",
                "block_uuid": "report",
                "block_type": "transformer",
                "language": "python",
                "upstream": [
                    {"uuid": "load_b", "block_type": "data_loader", "language": "python", "configuration": null},
                    {"uuid": "load_a", "block_type": "data_loader", "language": "python", "configuration": null},
                ],
                "run_id": 7,
                "file": "transformers/report.py",
                "env": "prod",
                "configuration": {"file_format": "csv"},
                "output_dir": "/data/runs/etl/7/report",
                "run_tests": true,
                "timeout": 12.5,
                "sensor_interval": 60.0,
                "run_statuses": [],
                "conditionals": [{"uuid": "weekday", "file": "conditionals/weekday.py"}],
                "callbacks": [{"uuid": "notify", "file": "callbacks/notify.py"}],
                "attempt": 1,
                "retries": 2,
                "interval": null,
                "picks": [],
                "dynamic_block_index": null,
                "mode": "block",
                "ahead": [],
            })
        );
    }
}
