//! The project's files for the editor: a tree, and reading, writing (with a version check so a stale editor
//! cannot overwrite a newer save), creating, renaming and deleting, every path confined to the project.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Project, ProjectError};

/// Folders the tree does not show: environments, caches, version control.
const HIDDEN: &[&str] = &[
    ".venv",
    "venv",
    "__pycache__",
    ".git",
    ".ipynb_checkpoints",
    ".pytest_cache",
    "node_modules",
];

/// One entry of the file tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// Relative to the project, with `/` separators.
    pub path: String,
    pub is_dir: bool,
    pub size: u64,
}

/// A file's text and the version to send back when saving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileContent {
    pub path: String,
    pub content: String,
    pub version: String,
}

impl Project {
    /// Resolves a path given relative to the project; refuses anything that would leave it (`..`, absolute
    /// paths, symbolic links pointing outside), and paths no file could have (`InvalidPath`: a NUL byte, a name
    /// longer than the file system allows, a path under a file).
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, ProjectError> {
        let outside = || ProjectError::OutsideProject {
            path: relative.to_owned(),
        };
        let invalid = |reason: String| ProjectError::InvalidPath {
            path: shorten(relative),
            reason,
        };
        if relative.contains('\0') {
            return Err(invalid("it contains a NUL byte".to_owned()));
        }
        let path = Path::new(relative);
        if relative.is_empty()
            || !path
                .components()
                .all(|part| matches!(part, Component::Normal(_) | Component::CurDir))
        {
            return Err(outside());
        }
        if let Some(long) = path
            .components()
            .map(|part| part.as_os_str().to_string_lossy())
            .find(|name| name.len() > MAX_NAME_BYTES)
        {
            return Err(invalid(format!(
                "the name `{}` is {} bytes long; a file or folder name has at most {MAX_NAME_BYTES}",
                shorten(&long),
                long.len()
            )));
        }
        let full = self.root().join(path);
        if full.as_os_str().len() > MAX_PATH_BYTES {
            return Err(invalid(format!(
                "the path is too long; a full path has at most {MAX_PATH_BYTES} bytes"
            )));
        }
        // The nearest existing ancestor must really be inside the project (no symlink escape), and a folder.
        let mut existing = full.as_path();
        while !existing.exists() {
            existing = existing.parent().ok_or_else(outside)?;
        }
        let real = std::fs::canonicalize(existing).map_err(ProjectError::io(existing))?;
        if !real.starts_with(self.root()) {
            return Err(outside());
        }
        if existing != full && !real.is_dir() {
            let file = existing.strip_prefix(self.root()).unwrap_or(existing);
            return Err(invalid(format!(
                "`{}` is a file, so nothing can be under it",
                file.to_string_lossy().replace('\\', "/")
            )));
        }
        Ok(full)
    }

    /// Every file and folder of the project, sorted, without environments and caches.
    pub fn file_tree(&self) -> Result<Vec<FileEntry>, ProjectError> {
        let mut entries = Vec::new();
        let mut pending = vec![self.root().to_owned()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder)
                .map_err(ProjectError::io(&folder))?
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                if HIDDEN.contains(&name.as_str()) || name.ends_with(".tmp") {
                    continue;
                }
                let path = entry.path();
                let Ok(metadata) = entry.metadata() else {
                    continue;
                };
                let relative = path
                    .strip_prefix(self.root())
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if metadata.is_dir() {
                    pending.push(path);
                }
                entries.push(FileEntry {
                    path: relative,
                    is_dir: metadata.is_dir(),
                    size: if metadata.is_dir() { 0 } else { metadata.len() },
                });
            }
        }
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries)
    }

    pub fn read_file(&self, relative: &str) -> Result<FileContent, ProjectError> {
        let path = self.resolve(relative)?;
        if !path.is_file() {
            return Err(ProjectError::FileNotFound {
                path: relative.to_owned(),
            });
        }
        let bytes = std::fs::read(&path).map_err(ProjectError::io(&path))?;
        let content = String::from_utf8(bytes).map_err(|_| ProjectError::NotText {
            path: relative.to_owned(),
        })?;
        Ok(FileContent {
            path: relative.to_owned(),
            version: version(content.as_bytes()),
            content,
        })
    }

    /// Saves a file the editor read at `base_version`; refuses if it changed on disk since (`FileChanged`).
    /// Without a base version the file must not exist yet.
    pub fn write_file(
        &self,
        relative: &str,
        content: &str,
        base_version: Option<&str>,
    ) -> Result<FileContent, ProjectError> {
        let path = self.resolve(relative)?;
        if path.is_dir() {
            return Err(ProjectError::AlreadyExists { path });
        }
        // The version of what is there now, text or not (a binary file can be overwritten like any other).
        let current = match std::fs::read(&path) {
            Ok(bytes) => Some(version(&bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(ProjectError::io(&path)(error)),
        };
        match (current, base_version) {
            (Some(_), None) => return Err(ProjectError::AlreadyExists { path }),
            (Some(current), Some(base)) if current != base => {
                return Err(ProjectError::FileChanged {
                    path: relative.to_owned(),
                    current_version: current,
                });
            }
            (None, Some(_)) => {
                return Err(ProjectError::FileNotFound {
                    path: relative.to_owned(),
                });
            }
            _ => {}
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(ProjectError::io(parent))?;
        }
        crate::disk::write_atomically(&path, content)?;
        Ok(FileContent {
            path: relative.to_owned(),
            content: content.to_owned(),
            version: version(content.as_bytes()),
        })
    }

    /// Creates an empty folder.
    pub fn create_folder(&self, relative: &str) -> Result<(), ProjectError> {
        let path = self.resolve(relative)?;
        if path.exists() {
            return Err(ProjectError::AlreadyExists { path });
        }
        std::fs::create_dir_all(&path).map_err(ProjectError::io(&path))
    }

    pub fn rename_file(&self, from: &str, to: &str) -> Result<(), ProjectError> {
        let source = self.resolve(from)?;
        let target = self.resolve(to)?;
        if !source.exists() {
            return Err(ProjectError::FileNotFound {
                path: from.to_owned(),
            });
        }
        if target.exists() {
            return Err(ProjectError::AlreadyExists { path: target });
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(ProjectError::io(parent))?;
        }
        std::fs::rename(&source, &target).map_err(ProjectError::io(&source))
    }

    /// Deletes a file, or a folder with everything in it.
    pub fn delete_file(&self, relative: &str) -> Result<(), ProjectError> {
        let path = self.resolve(relative)?;
        if path == self.root() {
            return Err(ProjectError::OutsideProject {
                path: relative.to_owned(),
            });
        }
        if path.is_dir() {
            std::fs::remove_dir_all(&path).map_err(ProjectError::io(&path))
        } else if path.exists() {
            std::fs::remove_file(&path).map_err(ProjectError::io(&path))
        } else {
            Err(ProjectError::FileNotFound {
                path: relative.to_owned(),
            })
        }
    }
}

/// The longest file or folder name Linux, macOS and Windows file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// The longest path Linux takes, in bytes (`PATH_MAX` less the final NUL).
const MAX_PATH_BYTES: usize = 4095;

/// A path or name short enough to quote in a message.
fn shorten(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The version of a file's text: a digest of its bytes.
fn version(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .take(12)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
