//! What every handler can reach: built once by `cli`, cloned per request.

use std::path::PathBuf;
use std::sync::Arc;

use model::{LogEvent, Notice};
use project::Project;
use scheduler::Scheduler;
use storage::Store;
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub scheduler: Arc<Scheduler>,
    /// Status changes, for live streams and for waiting on a run.
    pub notices: broadcast::Sender<Notice>,
    /// Block output lines as they are printed, for live log streams.
    pub logs: broadcast::Sender<LogEvent>,
    pub project: Project,
    pub data_dir: PathBuf,
    /// Where outputs written on other machines are fetched from (for previews).
    pub outputs: runtime::OutputStore,
    /// How the project's Python is chosen (for the Settings page).
    pub environment: runtime::EnvironmentRequest,
    /// The shell the browser terminal runs; none when the terminal is turned off (Mage's `DISABLE_TERMINAL`).
    pub shell: Option<String>,
    /// Where the database lives, for the settings page (never a password).
    pub database: String,
    /// Origins of proxies in front of the server, besides its own (see `guard`).
    pub trusted_origins: crate::TrustedOrigins,
    /// Sessions, API tokens and whether sign-in is required (see `auth` and `policy`).
    pub auth: crate::Auth,
    /// The project's secrets, and the mask of their values that answers carrying block output pass through.
    pub secrets: Arc<storage::Vault>,
    /// Lists the notification channels and sends Settings' test messages.
    pub notifier: Arc<notifier::Notifier>,
}
