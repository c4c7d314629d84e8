//! The project crate's file primitives: atomic writes, and YAML documents read and written whole.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ProjectError;

/// Writes through a hidden temporary file beside the target, then renames it: a crash never leaves half a file.
pub(crate) fn write_atomically(path: &Path, contents: &str) -> Result<(), ProjectError> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.wand.tmp"));
    std::fs::write(&temporary, contents).map_err(ProjectError::io(&temporary))?;
    std::fs::rename(&temporary, path).map_err(ProjectError::io(path))
}

/// A YAML document; a missing or empty file is the type's default.
pub(crate) fn read_yaml<T: DeserializeOwned + Default>(path: &Path) -> Result<T, ProjectError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(error) => return Err(ProjectError::io(path)(error)),
    };
    let document: Option<T> =
        serde_saphyr::from_str(&text).map_err(|error| ProjectError::Yaml {
            path: path.to_owned(),
            message: error.to_string(),
        })?;
    Ok(document.unwrap_or_default())
}

pub(crate) fn write_yaml<T: Serialize>(path: &Path, document: &T) -> Result<(), ProjectError> {
    let yaml = serde_saphyr::to_string(document).map_err(|error| ProjectError::Yaml {
        path: path.to_owned(),
        message: error.to_string(),
    })?;
    write_atomically(path, &yaml)
}
