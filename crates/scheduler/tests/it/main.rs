//! Scheduler tests against a real (in-memory SQLite) store with an injected clock: advancing runs as block runs
//! finish, and recovering block runs whose worker stopped renewing its lease; one test runs two schedulers on one
//! PostgreSQL database (the server named by `WAND_TEST_DATABASE_URL`).

mod runs;
mod trigger_files;
mod triggers;

/// The test PostgreSQL server's URL, from `WAND_TEST_DATABASE_URL`. Without it the test process ends at once with
/// one line naming the variable and what to set it to, rather than every test that needs it panicking.
pub(crate) fn test_database_url() -> String {
    use std::io::Write;
    static ENDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match std::env::var("WAND_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            // Tests run in parallel: the first one to get here speaks for all, the others wait for the exit.
            let _only_one = ENDING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Straight to the process's stderr: the test harness captures `eprintln!` and would never show it.
            let _ = writeln!(
                std::io::stderr().lock(),
                "\nerror: WAND_TEST_DATABASE_URL is not set. Run `scripts/test`, or set WAND_TEST_DATABASE_URL to a \
                 PostgreSQL server where the tests may create databases, e.g. \
                 postgres://postgres@127.0.0.1:5432/postgres (scripts/test starts a temporary one)."
            );
            std::process::exit(2);
        }
    }
}
