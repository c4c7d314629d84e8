//! Loading Mage's streaming pipelines (`type: streaming`): the tree's shape (Mage's
//! `StreamingPipelineExecutor.parse_and_validate_blocks`), the connectors Wand runs, and the keys it warns about.

use project::{Project, ProjectError, Severity};

use crate::write_project;

fn pipeline(blocks: &str, extra: &str) -> String {
    format!("name: s\nuuid: s\ntype: streaming\n{extra}blocks:\n{blocks}")
}

const SOURCE: &str = "- {uuid: consume, type: data_loader, language: yaml, upstream_blocks: []}\n";
const TRANSFORMER: &str =
    "- {uuid: parse, type: transformer, language: python, upstream_blocks: [consume]}\n";
const SINK: &str =
    "- {uuid: store, type: data_exporter, language: yaml, upstream_blocks: [parse]}\n";

fn load(files: &[(&str, &str)]) -> Result<project::LoadedPipeline, ProjectError> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let mut all = vec![
        ("metadata.yaml", "project_uuid: proj\n"),
        (
            "transformers/parse.py",
            "@transformer\ndef t(m, **kw):\n    return m\n",
        ),
    ];
    all.extend_from_slice(files);
    write_project(&root, &all);
    Project::open(&root).unwrap().load_pipeline("s")
}

fn errors(result: Result<project::LoadedPipeline, ProjectError>) -> String {
    match result {
        Err(ProjectError::Invalid(diagnostics)) => diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.block.as_deref().unwrap_or("-"), d.message))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(other) => panic!("expected diagnostics, got {other}"),
        Ok(_) => panic!("expected diagnostics, the pipeline loaded"),
    }
}

#[test]
fn a_mage_streaming_pipeline_loads_and_retries_forever_with_an_empty_retry_config() {
    let text = pipeline(
        &format!("{SOURCE}{TRANSFORMER}{SINK}"),
        "retry_config: {}\n",
    );
    let loaded = load(&[
        ("pipelines/s/metadata.yaml", &text),
        (
            "data_loaders/consume.yaml",
            "connector_type: rabbitmq\nconnection_port: {{ env_var('P') }}\n",
        ),
        ("data_exporters/store.yaml", "connector_type: 'postgres'\n"),
    ])
    .unwrap();
    let blocks = loaded.pipeline.dag.blocks();
    assert_eq!(blocks.len(), 3);
    let source = blocks.iter().find(|b| b.uuid == "consume").unwrap();
    assert_eq!(source.file, "data_loaders/consume.yaml");
    assert_eq!(source.retry.retries, Some(u32::MAX), "Mage retries forever");
    let definition = model::PipelineDefinition::pin(&loaded.pipeline, None, Default::default());
    assert_eq!(
        definition.streaming_source().map(|b| b.uuid.as_str()),
        Some("consume")
    );
}

#[test]
fn unknown_and_mage_only_connectors_and_python_sources_are_named_with_their_file() {
    let text = pipeline(&format!("{SOURCE}{TRANSFORMER}{SINK}"), "");
    let found = errors(load(&[
        ("pipelines/s/metadata.yaml", &text),
        ("data_loaders/consume.yaml", "connector_type: kinesis\n"),
        ("data_exporters/store.yaml", "connector_type: nowhere\n"),
    ]));
    assert!(
        found.contains(
            "consume: data_loaders/consume.yaml: connector_type `kinesis` is a Mage source that Wand does not \
             run yet; Wand's sources: kafka, nats, rabbitmq"
        ),
        "{found}"
    );
    assert!(
        found.contains(
            "store: data_exporters/store.yaml: unknown connector_type `nowhere`; Wand's sinks:"
        ),
        "{found}"
    );

    let python_source =
        "- {uuid: consume, type: data_loader, language: python, upstream_blocks: []}\n";
    let text = pipeline(&format!("{python_source}{TRANSFORMER}{SINK}"), "");
    let found = errors(load(&[
        ("pipelines/s/metadata.yaml", &text),
        ("data_loaders/consume.py", "class Source: pass\n"),
        ("data_exporters/store.yaml", "connector_type: postgres\n"),
    ]));
    assert!(
        found.contains(
            "consume: data_loaders/consume.py: a Python streaming source is a class decorated with \
             `@streaming_source`"
        ),
        "{found}"
    );

    // With the decorator (Mage's generic_python template), a Python source loads and is the stream's source.
    let decorated = "@streaming_source\nclass Source(BasePythonSource):\n    pass\n";
    let loaded = load(&[
        ("pipelines/s/metadata.yaml", &text),
        ("data_loaders/consume.py", decorated),
        ("data_exporters/store.yaml", "connector_type: postgres\n"),
    ])
    .expect("a decorated Python source loads");
    let definition = model::PipelineDefinition::pin(&loaded.pipeline, None, Default::default());
    assert_eq!(
        definition
            .streaming_source()
            .map(|block| block.uuid.as_str()),
        Some("consume")
    );
}

#[test]
fn the_tree_has_one_source_transformers_with_one_parent_and_leaf_sinks() {
    let second_source = "- {uuid: other, type: data_loader, language: yaml, upstream_blocks: []}\n";
    let two_parents =
        "- {uuid: join, type: transformer, language: python, upstream_blocks: [consume, other]}\n";
    let lonely = "- {uuid: lonely, type: data_loader, language: yaml, upstream_blocks: []}\n";
    let custom = "- {uuid: odd, type: custom, language: python, upstream_blocks: [consume]}\n";
    let text = pipeline(
        &format!("{SOURCE}{second_source}{lonely}{two_parents}{custom}"),
        "",
    );
    let found = errors(load(&[
        ("pipelines/s/metadata.yaml", &text),
        ("data_loaders/consume.yaml", "connector_type: rabbitmq\n"),
        ("data_loaders/other.yaml", "connector_type: rabbitmq\n"),
        ("data_loaders/lonely.yaml", "connector_type: rabbitmq\n"),
        (
            "transformers/join.py",
            "@transformer\ndef t(m, **kw):\n    return m\n",
        ),
        ("custom/odd.py", "@custom\ndef c(m):\n    return m\n"),
    ]));
    for expected in [
        "-: a streaming pipeline has exactly one data loader, its source (as in Mage); this one has 3",
        "lonely: the source needs at least one transformer or data exporter below it",
        "join: a transformer of a streaming pipeline has exactly one upstream block",
        "odd: a streaming pipeline holds a data loader, transformers and data exporters, not a custom block",
    ] {
        assert!(
            found.contains(expected),
            "missing `{expected}` in:\n{found}"
        );
    }
}

#[test]
fn more_than_one_executor_is_a_warning() {
    let text = pipeline(
        &format!("{SOURCE}{TRANSFORMER}{SINK}"),
        "executor_count: 3\n",
    );
    let loaded = load(&[
        ("pipelines/s/metadata.yaml", &text),
        ("data_loaders/consume.yaml", "connector_type: rabbitmq\n"),
        ("data_exporters/store.yaml", "connector_type: postgres\n"),
    ])
    .unwrap();
    let warnings: Vec<&str> = loaded.warnings.iter().map(|d| d.message.as_str()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("executor_count") && w.contains("one process")),
        "{warnings:?}"
    );
}
