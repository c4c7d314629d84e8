//! The runtime's own failures (not a block's: a failing block is a `BlockOutcome::Failed`).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Python interpreter {} not usable: {reason}; pass --python with a working Python 3.9+ or set WAND_PYTHON", path.display())]
    Python { path: PathBuf, reason: String },
    #[error("{step} failed (exit {code:?}):\n{output}")]
    Setup {
        step: String,
        code: Option<i32>,
        output: String,
    },
    #[error("the Python supervisor stopped unexpectedly: {0}")]
    SupervisorDied(String),
    #[error("cannot read table output {}: {message}", path.display())]
    Preview { path: PathBuf, message: String },
}

impl RuntimeError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> RuntimeError {
        let path = path.into();
        move |source| RuntimeError::Io { path, source }
    }
}
