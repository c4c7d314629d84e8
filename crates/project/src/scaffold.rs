//! `wand init`: writes a new project with the same layout as `mage init`, including an example pipeline that runs.

use std::path::Path;

use crate::ProjectError;

/// Folders of a project; each is a Python package so blocks can import from one another.
const PACKAGES: &[&str] = &[
    "",
    "charts",
    "custom",
    "data_exporters",
    "data_loaders",
    "dbt",
    "extensions",
    "interactions",
    "pipelines",
    "pipelines/example_pipeline",
    "scratchpads",
    "sensors",
    "transformers",
    "utils",
];

/// Files of a new project: (path in the project, contents).
const FILES: &[(&str, &str)] = &[
    (".gitignore", include_str!("../templates/repo/gitignore")),
    (
        "io_config.yaml",
        include_str!("../templates/repo/io_config.yaml"),
    ),
    (
        "metadata.yaml",
        include_str!("../templates/repo/metadata.yaml"),
    ),
    (
        "requirements.txt",
        include_str!("../templates/repo/requirements.txt"),
    ),
    (
        "dbt/profiles.yml",
        include_str!("../templates/repo/dbt_profiles.yml"),
    ),
    (
        "data_loaders/load_example_data.py",
        include_str!("../templates/repo/data_loaders/load_example_data.py"),
    ),
    (
        "transformers/fill_in_missing_values.py",
        include_str!("../templates/repo/transformers/fill_in_missing_values.py"),
    ),
    (
        "pipelines/example_pipeline/metadata.yaml",
        include_str!("../templates/repo/pipelines/example_pipeline/metadata.yaml"),
    ),
    (
        "pipelines/example_pipeline/triggers.yaml",
        include_str!("../templates/repo/pipelines/example_pipeline/triggers.yaml"),
    ),
];

/// Creates a project at `path`, which must not exist yet (like `mage init`).
pub fn init(path: &Path) -> Result<(), ProjectError> {
    if path.exists() {
        return Err(ProjectError::AlreadyExists {
            path: path.to_owned(),
        });
    }
    for package in PACKAGES {
        let folder = path.join(package);
        std::fs::create_dir_all(&folder).map_err(ProjectError::io(&folder))?;
        let marker = folder.join("__init__.py");
        std::fs::write(&marker, "").map_err(ProjectError::io(&marker))?;
    }
    let project_uuid = uuid::Uuid::new_v4().simple().to_string();
    for (relative, contents) in FILES {
        let file = path.join(relative);
        let contents = contents.replace("{{project_uuid}}", &project_uuid);
        std::fs::write(&file, contents).map_err(ProjectError::io(&file))?;
    }
    Ok(())
}
