//! Configuration read once, here: defaults < `WAND_*` environment variables < flags.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The folder of a project's runtime data (database, outputs, logs): never inside the project tree.
pub(crate) fn data_dir(flag: Option<PathBuf>, project_name: &str) -> anyhow::Result<PathBuf> {
    let dir = match flag.or_else(|| std::env::var_os("WAND_DATA_DIR").map(PathBuf::from)) {
        Some(dir) => dir,
        None => dirs::home_dir()
            .context("cannot find the home folder; pass --data-dir or set WAND_DATA_DIR")?
            .join(".wand")
            .join(project_name),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create data folder {}", dir.display()))?;
    // Absolute, because stored output and log paths must stay valid from any working directory.
    std::fs::canonicalize(&dir)
        .with_context(|| format!("cannot resolve data folder {}", dir.display()))
}

/// The runtime's environment request: `--python`, else `WAND_PYTHON`, else the project's `.venv`.
pub(crate) fn environment(
    project_root: &Path,
    python: Option<PathBuf>,
) -> runtime::EnvironmentRequest {
    runtime::EnvironmentRequest {
        project_root: project_root.to_owned(),
        explicit: python.or_else(|| std::env::var_os("WAND_PYTHON").map(PathBuf::from)),
        uv: which::which("uv").ok(),
        base_python: which::which("python3").unwrap_or_else(|_| PathBuf::from("python3")),
    }
}
