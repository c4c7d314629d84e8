//! The embedded Python package (`wand_runtime` and the `mage_ai` shim), unpacked once per version.

use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};
use sha2::{Digest, Sha256};

use crate::RuntimeError;

static PYTHON: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/python");

/// Unpacks the package under `<cache>/python/<content hash>/` unless it is there, and returns that folder,
/// which goes first on the supervisor's `PYTHONPATH`.
pub fn install_package(cache: &Path) -> Result<PathBuf, RuntimeError> {
    let mut files = Vec::new();
    collect(&PYTHON, &mut files);
    files.sort_by_key(|file| file.path());
    let mut hasher = Sha256::new();
    for file in &files {
        hasher.update(file.path().to_string_lossy().as_bytes());
        hasher.update(file.contents());
    }
    let digest = hasher.finalize();
    let version: String = digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let target = cache.join("python").join(version);
    if target.join(".complete").is_file() {
        return Ok(target);
    }
    for file in files {
        let path = target.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(RuntimeError::io(parent))?;
        }
        std::fs::write(&path, file.contents()).map_err(RuntimeError::io(&path))?;
    }
    let marker = target.join(".complete");
    std::fs::write(&marker, "").map_err(RuntimeError::io(&marker))?;
    Ok(target)
}

fn collect<'a>(dir: &'a Dir<'a>, files: &mut Vec<&'a include_dir::File<'a>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => {
                let name = sub
                    .path()
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                if name != "tests" && name != "__pycache__" && !name.starts_with('.') {
                    collect(sub, files);
                }
            }
            DirEntry::File(file) => {
                if file.path().extension().is_some_and(|ext| ext == "py") {
                    files.push(file);
                }
            }
        }
    }
}
