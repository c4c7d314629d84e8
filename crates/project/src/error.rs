//! What can go wrong with a project on disk, named by file, line and block, with what to do about it.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a project file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: Option<u64>,
    pub block: Option<String>,
    pub message: String,
    pub severity: Severity,
}

/// Whether a problem stops the pipeline from loading, or is said and the pipeline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(block) = &self.block {
            write!(f, ": block `{block}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a Mage or Wand project (no metadata.yaml and no pipelines/ folder); create one with `wand init {}`", path.display(), path.display())]
    NotAProject { path: PathBuf },
    #[error("{} already exists; choose another name", path.display())]
    AlreadyExists { path: PathBuf },
    #[error("pipeline `{uuid}` not found in {}; pipelines: {}", root.display(), if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    PipelineNotFound {
        uuid: String,
        root: PathBuf,
        available: Vec<String>,
    },
    #[error("{}: invalid YAML: {message}", path.display())]
    Yaml { path: PathBuf, message: String },
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
    #[error("{name:?} cannot name a pipeline: {reason}")]
    InvalidName { name: String, reason: String },
    #[error(
        "`{path}` is outside the project; paths are relative to the project folder and may not use `..`"
    )]
    OutsideProject { path: String },
    #[error("`{path}` cannot name a file: {reason}")]
    InvalidPath { path: String, reason: String },
    #[error("`{path}` does not exist in the project")]
    FileNotFound { path: String },
    #[error("`{path}` is not a text file")]
    NotText { path: String },
    #[error(
        "`{path}` changed on disk since it was opened (now version {current_version}); reload it, then save again"
    )]
    FileChanged {
        path: String,
        current_version: String,
    },
}

/// The errors, then the warnings (marked so), one per line.
fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diagnostic| match diagnostic.severity {
            Severity::Error => diagnostic.to_string(),
            Severity::Warning => format!("warning: {diagnostic}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl ProjectError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ProjectError {
        let path = path.into();
        move |source| ProjectError::Io { path, source }
    }
}
