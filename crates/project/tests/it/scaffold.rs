//! `wand init`'s scaffold: Mage's layout, a valid example pipeline, and no overwriting.

use project::{Project, ProjectError};

#[test]
fn init_writes_the_mage_layout_with_a_valid_example_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("fresh");
    project::init(&root).unwrap();
    for package in [
        "",
        "custom",
        "data_loaders",
        "data_exporters",
        "transformers",
        "utils",
        "pipelines",
        "dbt",
    ] {
        assert!(
            root.join(package).join("__init__.py").is_file(),
            "{package}/__init__.py"
        );
    }
    for file in [
        "io_config.yaml",
        "metadata.yaml",
        "requirements.txt",
        ".gitignore",
        "pipelines/example_pipeline/metadata.yaml",
    ] {
        assert!(root.join(file).is_file(), "{file}");
    }
    let metadata = std::fs::read_to_string(root.join("metadata.yaml")).unwrap();
    assert!(
        !metadata.contains("{{project_uuid}}"),
        "the project uuid is filled in"
    );
    let project = Project::open(&root).unwrap();
    assert_eq!(project.pipeline_uuids(), ["example_pipeline"]);
    let pipeline = project.load_pipeline("example_pipeline").unwrap().pipeline;
    let order: Vec<&str> = pipeline
        .dag
        .blocks()
        .iter()
        .map(|b| b.uuid.as_str())
        .collect();
    assert_eq!(order, ["load_example_data", "fill_in_missing_values"]);
}

#[test]
fn init_refuses_an_existing_folder() {
    let dir = tempfile::tempdir().unwrap();
    let error = project::init(dir.path()).unwrap_err();
    assert!(
        matches!(error, ProjectError::AlreadyExists { .. }),
        "{error}"
    );
}
