//! The project crate's file primitives: atomic writes, and YAML documents read and written whole.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ProjectError;

/// Writes through a new hidden temporary file beside the target, then renames it over the target: a crash never
/// leaves half a file. The temporary file is created exclusively under a random name, so nothing already in the
/// folder (a symbolic link planted at a predictable name, say) can redirect the write. A file that is replaced keeps
/// its permissions; a new one gets the usual ones (0666 less the umask), as `std::fs::write` would give it.
pub(crate) fn write_atomically(path: &Path, contents: &str) -> Result<(), ProjectError> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".").suffix(".wand.tmp");
    // The random part follows the target's name only when the whole name stays short enough to be created.
    let prefix = format!(".{name}.");
    if prefix.len() + 6 + ".wand.tmp".len() <= 255 {
        builder.prefix(&prefix);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(match std::fs::metadata(path) {
            Ok(metadata) => metadata.permissions(),
            Err(_) => std::fs::Permissions::from_mode(0o666),
        });
    }
    let mut temporary = builder
        .tempfile_in(folder)
        .map_err(ProjectError::io(folder))?;
    temporary
        .write_all(contents.as_bytes())
        .map_err(ProjectError::io(temporary.path()))?;
    temporary
        .persist(path)
        .map_err(|error| ProjectError::io(path)(error.error))?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_link_at_the_old_temporary_name_does_not_redirect_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        std::fs::create_dir(&project).unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "untouched").unwrap();
        let target = project.join("block.py");
        std::os::unix::fs::symlink(&outside, project.join(".block.py.wand.tmp")).unwrap();

        write_atomically(&target, "x = 1\n").unwrap();

        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x = 1\n");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "untouched");
        assert!(
            !target.is_symlink(),
            "the target is a new file, not the link"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_new_one_gets_the_usual_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        std::fs::write(&script, "old").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o750)).unwrap();
        write_atomically(&script, "new").unwrap();
        assert_eq!(
            std::fs::metadata(&script).unwrap().permissions().mode() & 0o777,
            0o750
        );

        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "").unwrap();
        let fresh = dir.path().join("fresh.txt");
        write_atomically(&fresh, "new").unwrap();
        assert_eq!(
            std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
            std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777,
            "as std::fs::write makes them"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "no temporary file is left: {names:?}");
    }
}
