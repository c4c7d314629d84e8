//! What every handler can reach: built once by `cli`, cloned per request.

use std::path::PathBuf;
use std::sync::Arc;

use project::Project;
use scheduler::Scheduler;
use storage::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub scheduler: Arc<Scheduler>,
    pub project: Project,
    pub data_dir: PathBuf,
    /// Where the database lives, for the settings page (never a password).
    pub database: String,
}
