//! dbt blocks at load time: Mage's metadata shape loads (a model by its path, a command block in YAML), and a
//! block that could not run is named with what to do.

use model::{BlockType, Language};
use project::{Project, ProjectError};

use crate::write_project;

const METADATA: &str = "\
blocks:
- uuid: load
  type: data_loader
  downstream_blocks: [dbt/shop/models/totals]
- uuid: dbt/shop/models/totals
  name: dbt/shop/models/totals
  type: dbt
  language: sql
  upstream_blocks: [load]
  configuration:
    dbt_project_name: dbt/shop
    dbt_profile_target: dev
    dbt: {disable_tests: true}
    file_path: dbt/shop/models/totals.sql
    file_source: {path: dbt/shop/models/totals.sql, project_path: dbt/shop}
- uuid: seed_all
  type: dbt
  language: yaml
  configuration: {dbt_project_name: dbt/shop, dbt: {command: seed}}
";

fn files(skip: &str) -> Vec<(&'static str, &'static str)> {
    [
        ("pipelines/p/metadata.yaml", METADATA),
        ("data_loaders/load.py", ""),
        ("dbt/shop/dbt_project.yml", "name: shop\nprofile: shop\n"),
        (
            "dbt/shop/profiles.yml",
            "shop: {target: dev, outputs: {dev: {type: duckdb}}}\n",
        ),
        ("dbt/shop/models/totals.sql", "select 1 as one\n"),
        ("dbts/seed_all.yaml", "--select mage_orders\n"),
    ]
    .into_iter()
    .filter(|(path, _)| *path != skip)
    .collect()
}

fn load(
    skip: &str,
) -> (
    tempfile::TempDir,
    Result<project::LoadedPipeline, ProjectError>,
) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    write_project(&root, &files(skip));
    let loaded = Project::open(&root).unwrap().load_pipeline("p");
    (dir, loaded)
}

fn errors(skip: &str) -> Vec<String> {
    match load(skip).1 {
        Err(ProjectError::Invalid(diagnostics)) => diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.block.as_deref().unwrap_or("-"), d.message))
            .collect(),
        other => panic!("expected diagnostics, got {other:?}"),
    }
}

#[test]
fn a_dbt_model_and_a_dbt_command_block_load_in_mages_shape() {
    let (_dir, loaded) = load("");
    let loaded = loaded.expect("the pipeline loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let blocks = loaded.pipeline.dag.blocks();
    let model = blocks
        .iter()
        .find(|block| block.uuid == "dbt/shop/models/totals")
        .unwrap();
    assert_eq!(model.block_type, BlockType::Dbt);
    assert_eq!(model.language, Language::Sql);
    assert_eq!(model.file, "dbt/shop/models/totals.sql");
    assert_eq!(model.upstream, ["load"]);
    let command = blocks
        .iter()
        .find(|block| block.uuid == "seed_all")
        .unwrap();
    assert_eq!(command.language, Language::Yaml);
    assert_eq!(command.file, "dbts/seed_all.yaml");
}

#[test]
fn a_missing_model_project_or_profiles_file_is_named() {
    assert_eq!(
        errors("dbt/shop/models/totals.sql"),
        [
            "dbt/shop/models/totals: dbt model file `dbt/shop/models/totals.sql` not found; create it, or point \
          `configuration.file_path` at the model (`dbt/<dbt project>/models/<model>.sql`)"
        ]
    );
    assert_eq!(
        errors("dbt/shop/dbt_project.yml"),
        [
            "dbt/shop/models/totals: dbt model `dbt/shop/models/totals.sql` is in no dbt project: no folder above \
             it holds `dbt_project.yml`; put the model under `dbt/<dbt project>/models/`",
            "seed_all: `configuration.dbt_project_name: dbt/shop` names no dbt project: neither `dbt/shop` nor \
             `dbt/dbt/shop` holds `dbt_project.yml`",
        ]
    );
    let missing = errors("dbt/shop/profiles.yml");
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(
        missing[0].ends_with(
            "dbt project `dbt/shop` has no `profiles.yml`; Mage and Wand read the dbt profiles from the dbt \
             project's folder: add `dbt/shop/profiles.yml`"
        ),
        "{missing:?}"
    );
}

#[test]
fn a_dbt_block_in_another_language_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let metadata = "blocks:\n- {uuid: m, type: dbt, language: python}\n";
    write_project(
        &root,
        &[("pipelines/p/metadata.yaml", metadata), ("dbt/m.py", "")],
    );
    match Project::open(&root).unwrap().load_pipeline("p") {
        Err(ProjectError::Invalid(diagnostics)) => assert_eq!(
            diagnostics[0].message,
            "a dbt block is a model (`language: sql`) or a dbt command (`language: yaml`), not `python`"
        ),
        other => panic!("expected diagnostics, got {other:?}"),
    }
}

#[test]
fn a_command_block_without_its_file_runs_without_arguments_with_a_warning() {
    let (_dir, loaded) = load("dbts/seed_all.yaml");
    let loaded = loaded.expect("the pipeline loads");
    let warnings: Vec<&str> = loaded.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "dbt command block file `dbts/seed_all.yaml` not found, so `dbt seed` runs without arguments (as in \
          Mage); create the file with the arguments (such as `--select my_model`), or point \
          `configuration.file_source.path` at it"
        ]
    );
}

/// The editor adds a model of the project's dbt projects as Mage's editor does: named by its path.
#[test]
fn a_model_file_is_added_as_a_dbt_block_in_mages_shape() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("proj");
    let files: Vec<_> = files("")
        .into_iter()
        .map(|(path, text)| match path {
            "pipelines/p/metadata.yaml" => (path, "blocks:\n- {uuid: load, type: data_loader}\n"),
            _ => (path, text),
        })
        .collect();
    write_project(&root, &files);
    let project = Project::open(&root).unwrap();
    let added = project
        .add_block(
            "p",
            project::NewBlock {
                name: "ignored".to_owned(),
                block_type: BlockType::Dbt,
                language: Language::Sql,
                upstream: vec!["load".to_owned()],
                source: project::BlockSource::ExistingFile("dbt/shop/models/totals.sql".to_owned()),
            },
        )
        .unwrap();
    assert_eq!(added, "dbt/shop/models/totals");
    let loaded = project.load_pipeline("p").unwrap();
    let model = loaded
        .pipeline
        .dag
        .blocks()
        .iter()
        .find(|block| block.uuid == added)
        .unwrap()
        .clone();
    assert_eq!(model.name, "dbt/shop/models/totals");
    assert_eq!(model.upstream, ["load"]);
    assert_eq!(
        model.configuration,
        serde_json::json!({
            "dbt_project_name": "dbt/shop",
            "file_path": "dbt/shop/models/totals.sql",
            "file_source": {"path": "dbt/shop/models/totals.sql", "project_path": "dbt/shop"},
        })
    );
    let text = std::fs::read_to_string(root.join("pipelines/p/metadata.yaml")).unwrap();
    assert!(
        text.contains("  - dbt/shop/models/totals\n"),
        "the loader lists it downstream: {text}"
    );

    let outside = project.add_block(
        "p",
        project::NewBlock {
            name: "x".to_owned(),
            block_type: BlockType::Dbt,
            language: Language::Sql,
            upstream: vec![],
            source: project::BlockSource::ExistingFile("data_loaders/load.py".to_owned()),
        },
    );
    assert!(
        matches!(&outside, Err(ProjectError::Invalid(d)) if d[0].message == "`data_loaders/load.py` is not a dbt model: a model is a `.sql` file"),
        "{outside:?}"
    );
}
