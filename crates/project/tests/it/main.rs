//! Project-format tests: loading both Mage generations, validation diagnostics, writing back, scaffolding.

mod addons;
mod dbt;
mod load;
mod scaffold;
mod streaming;
mod write;

use std::path::Path;

/// Writes a project from (relative path, contents) pairs into `root`.
pub(crate) fn write_project(root: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(root.join("pipelines")).unwrap();
    for (path, contents) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}
