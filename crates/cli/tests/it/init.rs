//! `wand init`: the new project's layout, its example pipeline running as created, and refusing an existing path.

use crate::support::{Sandbox, path_str, read_text};

#[test]
fn init_creates_the_mage_layout_and_its_example_pipeline_runs() {
    let sandbox = Sandbox::empty();
    let project = sandbox.path("newproj");
    let init = sandbox.wand(&["init", path_str(&project)]);
    init.assert_code(0).assert_stdout_contains("newproj");

    for file in [
        "io_config.yaml",
        "metadata.yaml",
        "requirements.txt",
        "pipelines/example_pipeline/metadata.yaml",
    ] {
        assert!(
            project.join(file).is_file(),
            "{file} is created\n{}",
            init.dump()
        );
    }
    for package in [
        "",
        "custom",
        "data_exporters",
        "data_loaders",
        "pipelines",
        "pipelines/example_pipeline",
        "transformers",
        "utils",
    ] {
        assert!(
            project.join(package).join("__init__.py").is_file(),
            "`{package}` is a Python package\n{}",
            init.dump()
        );
    }
    let pipeline = read_text(&project.join("pipelines/example_pipeline/metadata.yaml"));
    assert!(pipeline.contains("uuid: example_pipeline"), "{pipeline}");

    let data_dir = sandbox.path("data");
    let run = sandbox.wand(&[
        "run",
        path_str(&project),
        "example_pipeline",
        "--data-dir",
        path_str(&data_dir),
    ]);
    run.assert_code(0).assert_stdout_contains("completed");
    assert!(
        !project.join(".venv").exists(),
        "WAND_PYTHON is used instead of a project environment\n{}",
        run.dump()
    );
}

#[test]
fn init_refuses_an_existing_path() {
    let sandbox = Sandbox::empty();
    let existing = sandbox.path("taken");
    std::fs::create_dir_all(&existing).expect("create a folder");
    std::fs::write(existing.join("keep.txt"), "mine").expect("write a file");

    let init = sandbox.wand(&["init", path_str(&existing)]);
    init.assert_code(2).assert_stderr_contains("already exists");
    assert!(!init.stderr.contains("panicked"), "{}", init.dump());
    assert_eq!(read_text(&existing.join("keep.txt")), "mine");
    assert!(
        !existing.join("metadata.yaml").exists(),
        "nothing is written\n{}",
        init.dump()
    );
}
