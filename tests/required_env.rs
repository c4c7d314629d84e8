//! The environment variables integration tests need, shared by the test binaries of several crates (each includes
//! this file with `#[path]`): a missing one ends the test process with one line naming it and what to set it to,
//! rather than every test that needs it panicking with the same message.

/// The Python the tests run blocks with, from `WAND_PYTHON`.
#[allow(dead_code, reason = "not every test binary runs Python")]
pub(crate) fn python() -> std::path::PathBuf {
    required_env(
        "WAND_PYTHON",
        "to a Python with pandas, pyarrow and pyyaml (scripts/test makes one in ~/.cache/wand/test-venv)",
    )
    .into()
}

/// The PostgreSQL server the tests create their databases on, from `WAND_TEST_DATABASE_URL`.
#[allow(dead_code, reason = "not every test binary uses PostgreSQL")]
pub(crate) fn test_database_url() -> String {
    required_env(
        "WAND_TEST_DATABASE_URL",
        "to a PostgreSQL server where the tests may create databases, e.g. \
         postgres://postgres@127.0.0.1:5432/postgres (scripts/test starts a temporary one)",
    )
}

/// The value of `name`, or one line on stderr and exit code 2.
fn required_env(name: &str, set_to: &str) -> String {
    use std::io::Write;
    static ENDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => {
            // Tests run in parallel: the first one to get here speaks for all, the others wait for the exit.
            let _only_one = ENDING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Straight to the process's stderr: the test harness captures `eprintln!` and would never show it.
            let _ = writeln!(
                std::io::stderr().lock(),
                "\nerror: {name} is not set. Run `scripts/test`, or set {name} {set_to}."
            );
            std::process::exit(2);
        }
    }
}
