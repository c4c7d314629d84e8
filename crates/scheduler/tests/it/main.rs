//! Scheduler tests against a real (in-memory SQLite) store with an injected clock: advancing runs as block runs
//! finish, and recovering block runs whose worker stopped renewing its lease; one test runs two schedulers on one
//! PostgreSQL database (the server named by `WAND_TEST_DATABASE_URL`).

mod backfills;
mod dynamic;
#[path = "../../../../tests/required_env.rs"]
mod required_env;
mod runs;
mod streams;
mod trigger_files;
mod triggers;

pub(crate) use required_env::test_database_url;
