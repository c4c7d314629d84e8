//! Which folder holds the code a run pinned: the worker's own project folder when it holds that version, else the
//! version kept in the store, unpacked once into the worker's cache (`<data dir>/code/<hash>/<project>`); and the
//! multi-project platform root that folder belongs to, if any.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use storage::{PipelineRun, RunStore};

/// The code a run's blocks run.
#[derive(Debug, Clone)]
pub(crate) struct CodeFolder {
    pub(crate) path: PathBuf,
    /// The multi-project platform root `path` belongs to (`project::platform_root`).
    pub(crate) platform_root: Option<PathBuf>,
}

/// Resolves runs to code folders, remembering the answer for each run (its blocks run the same version).
pub(crate) struct CodeFolders {
    local: Option<PathBuf>,
    cache: PathBuf,
    by_run: Mutex<HashMap<i64, CodeFolder>>,
    hasher: std::sync::Arc<project::CodeHasher>,
}

/// Runs remembered at most; the memory is cleared past it (the answers are cheap to find again).
const REMEMBERED_RUNS: usize = 1024;

impl CodeFolders {
    pub(crate) fn new(local: Option<PathBuf>, cache: PathBuf) -> CodeFolders {
        CodeFolders {
            local,
            cache,
            by_run: Mutex::default(),
            hasher: std::sync::Arc::default(),
        }
    }

    /// The folder to run `run`'s blocks in, or why there is none.
    pub(crate) async fn folder(
        &self,
        store: &dyn RunStore,
        run: &PipelineRun,
    ) -> Result<CodeFolder, String> {
        if let Some(folder) = self.by_run.lock().expect("code lock").get(&run.id) {
            return Ok(folder.clone());
        }
        let path = self.find(store, run).await?;
        let folder = CodeFolder {
            platform_root: project::platform_root(&path),
            path,
        };
        let mut by_run = self.by_run.lock().expect("code lock");
        if by_run.len() >= REMEMBERED_RUNS {
            by_run.clear();
        }
        by_run.insert(run.id, folder.clone());
        Ok(folder)
    }

    async fn local_hash(&self, root: &Path) -> Option<String> {
        let (root, hasher) = (root.to_owned(), self.hasher.clone());
        tokio::task::spawn_blocking(move || hasher.hash(&root).ok())
            .await
            .ok()
            .flatten()
    }

    async fn find(&self, store: &dyn RunStore, run: &PipelineRun) -> Result<PathBuf, String> {
        let Some(hash) = &run.code_hash else {
            return self.local.clone().ok_or_else(|| {
                "the run pinned no version of the code and this worker has no project folder: start the worker \
                 with the project folder"
                    .to_owned()
            });
        };
        if let Some(local) = &self.local
            && self.local_hash(local).await.as_ref() == Some(hash)
        {
            return Ok(local.clone());
        }
        let dest = self.cache.join(hash);
        if !dest.is_dir() {
            let archive = store
                .code(hash)
                .await
                .map_err(|error| format!("cannot fetch version {hash} of the code: {error}"))?
                .ok_or_else(|| {
                    format!("version {hash} of the project's code is not in the database")
                })?;
            return unpack(archive, dest).await;
        }
        unpack(Vec::new(), dest).await
    }
}

async fn unpack(archive: Vec<u8>, dest: PathBuf) -> Result<PathBuf, String> {
    tokio::task::spawn_blocking(move || project::unpack(&archive, &dest))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| format!("cannot unpack the project's code: {error}"))
}
