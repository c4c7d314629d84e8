//! The worker against a real store (in-memory SQLite) and a real Python (set `WAND_PYTHON` to an interpreter with
//! pandas, pyarrow and pyyaml): it claims queued block runs, runs them and records their outcomes.

mod execute;

/// The interpreter the blocks run with, from `WAND_PYTHON`. Without it the test process ends at once with one line
/// naming the variable and what to set it to, rather than every test that needs it panicking.
pub(crate) fn python() -> std::path::PathBuf {
    use std::io::Write;
    static ENDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match std::env::var("WAND_PYTHON") {
        Ok(python) if !python.is_empty() => python.into(),
        _ => {
            // Tests run in parallel: the first one to get here speaks for all, the others wait for the exit.
            let _only_one = ENDING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Straight to the process's stderr: the test harness captures `eprintln!` and would never show it.
            let _ = writeln!(
                std::io::stderr().lock(),
                "\nerror: WAND_PYTHON is not set. Run `scripts/test`, or set WAND_PYTHON to a Python with pandas, \
                 pyarrow and pyyaml (scripts/test makes one in ~/.cache/wand/test-venv)."
            );
            std::process::exit(2);
        }
    }
}
