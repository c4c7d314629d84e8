//! The worker against a real store (in-memory SQLite) and a real Python (set `WAND_PYTHON` to an interpreter with
//! pandas, pyarrow and pyyaml): it claims queued block runs, runs them and records their outcomes.

mod execute;
#[path = "../../../../tests/required_env.rs"]
mod required_env;

pub(crate) use required_env::python;
