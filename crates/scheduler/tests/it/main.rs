//! Scheduler tests against a real (in-memory SQLite) store with an injected clock: advancing runs as block runs
//! finish, and recovering block runs whose worker stopped renewing its lease.

mod runs;
mod trigger_files;
mod triggers;
