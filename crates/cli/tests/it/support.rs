//! Helpers: locate the Python and the binary, copy a project into a temporary folder, run `wand`, read results.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// The interpreter the blocks run with, from `WAND_PYTHON`; the tests cannot run without one.
pub(crate) fn python() -> PathBuf {
    match std::env::var_os("WAND_PYTHON") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "WAND_PYTHON is not set. These end-to-end tests run blocks with a real Python: set WAND_PYTHON to an \
             interpreter that has pandas, pyarrow and pyyaml, e.g. \
             `WAND_PYTHON=/path/to/venv/bin/python cargo test -p cli --test it`"
        ),
    }
}

/// The repository's root folder.
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

/// Runs the `wand` binary with `args` in `cwd`, with `WAND_PYTHON` set and no environment that could redirect
/// its data (each test passes its own `--data-dir`).
pub(crate) fn wand_in(cwd: &Path, args: &[&str]) -> Outcome {
    let python = python();
    let output = Command::new(env!("CARGO_BIN_EXE_wand"))
        .args(args)
        .current_dir(cwd)
        .env("WAND_PYTHON", &python)
        .env_remove("WAND_DATA_DIR")
        .env_remove("WAND_LOG")
        .env_remove("ENV")
        .output()
        .expect("the wand binary starts");
    Outcome::new(args, output)
}

/// What one `wand` invocation did.
pub(crate) struct Outcome {
    pub(crate) command: String,
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Outcome {
    fn new(args: &[&str], output: Output) -> Outcome {
        Outcome {
            command: format!("wand {}", args.join(" ")),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Everything about the invocation, for assertion messages.
    pub(crate) fn dump(&self) -> String {
        format!(
            "`{}` exited with {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }

    pub(crate) fn assert_code(&self, expected: i32) -> &Outcome {
        assert_eq!(
            self.code,
            Some(expected),
            "expected exit code {expected}\n{}",
            self.dump()
        );
        self
    }

    pub(crate) fn assert_stderr_contains(&self, needle: &str) -> &Outcome {
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}\n{}",
            self.dump()
        );
        self
    }

    pub(crate) fn assert_stdout_contains(&self, needle: &str) -> &Outcome {
        assert!(
            self.stdout.contains(needle),
            "stdout should contain {needle:?}\n{}",
            self.dump()
        );
        self
    }

    /// The run id from the summary line `Pipeline run <id> of ...`.
    pub(crate) fn run_id(&self) -> i64 {
        self.stdout
            .lines()
            .find_map(|line| {
                line.strip_prefix("Pipeline run ")?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no `Pipeline run <id>` line\n{}", self.dump()))
    }

    /// The position in stderr of the first line that contains `needle`.
    pub(crate) fn stderr_line(&self, needle: &str) -> usize {
        self.stderr
            .lines()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no stderr line contains {needle:?}\n{}", self.dump()))
    }
}

/// A copy of a project in a temporary folder, with its own data folder and a scratch folder for block outputs.
pub(crate) struct Sandbox {
    tmp: TempDir,
    /// The copied project; its folder name is the original's, since that is the package blocks import from.
    pub(crate) project: PathBuf,
    pub(crate) data_dir: PathBuf,
}

impl Sandbox {
    /// A copy of `fixtures/<name>`.
    pub(crate) fn fixture(name: &str) -> Sandbox {
        Sandbox::copy_of(&repo_root().join("fixtures").join(name))
    }

    /// A copy of `examples/<name>`.
    pub(crate) fn example(name: &str) -> Sandbox {
        Sandbox::copy_of(&repo_root().join("examples").join(name))
    }

    /// An empty sandbox (for `wand init`): no project yet.
    pub(crate) fn empty() -> Sandbox {
        let tmp = TempDir::new().expect("a temporary folder");
        let data_dir = tmp.path().join("data");
        Sandbox {
            project: tmp.path().join("project"),
            data_dir,
            tmp,
        }
    }

    fn copy_of(source: &Path) -> Sandbox {
        let mut sandbox = Sandbox::empty();
        let name = source.file_name().expect("a project folder name");
        sandbox.project = sandbox.tmp.path().join(name);
        copy_tree(source, &sandbox.project);
        sandbox
    }

    /// The temporary folder holding everything; `wand` runs with it as its working directory.
    pub(crate) fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// A path in the sandbox for a block to write to (passed as a runtime variable).
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `wand <args>` in the sandbox.
    pub(crate) fn wand(&self, args: &[&str]) -> Outcome {
        wand_in(self.root(), args)
    }

    /// `wand run <project> <pipeline> --data-dir <data> <extra...>`.
    pub(crate) fn run(&self, pipeline: &str, extra: &[&str]) -> Outcome {
        let project = self.project.to_str().expect("a UTF-8 path");
        let data_dir = self.data_dir.to_str().expect("a UTF-8 path");
        let mut args = vec!["run", project, pipeline, "--data-dir", data_dir];
        args.extend_from_slice(extra);
        self.wand(&args)
    }

    /// The folder of one run's outputs and logs.
    pub(crate) fn run_dir(&self, pipeline: &str, run_id: i64) -> PathBuf {
        self.data_dir
            .join("runs")
            .join(pipeline)
            .join(run_id.to_string())
    }
}

/// `{"key": "value", ...}` for `--runtime-vars`, with paths as strings.
pub(crate) fn runtime_vars(pairs: &[(&str, &str)]) -> String {
    let map: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::String((*value).to_owned())))
        .collect();
    Value::Object(map).to_string()
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

pub(crate) fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON ({error}): {text}", path.display()))
}

pub(crate) fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// The names of the files in a folder, sorted; empty when the folder does not exist.
pub(crate) fn file_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Copies a folder recursively, leaving out Python caches.
fn copy_tree(source: &Path, target: &Path) {
    std::fs::create_dir_all(target).expect("create the copy's folder");
    for entry in std::fs::read_dir(source).expect("read the project folder") {
        let entry = entry.expect("a folder entry");
        let name = entry.file_name();
        if name == "__pycache__" || name == ".venv" {
            continue;
        }
        let from = entry.path();
        let to = target.join(&name);
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap_or_else(|error| {
                panic!(
                    "cannot copy {} to {}: {error}",
                    from.display(),
                    to.display()
                )
            });
        }
    }
}

/// Polls `check` until it gives a value, for at most `limit`; fails with `what` (and the last state seen) after
/// that. The one place the end-to-end tests wait for something another process does.
pub(crate) fn eventually<T>(
    limit: std::time::Duration,
    what: &str,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = std::time::Instant::now() + limit;
    let mut pause = std::time::Duration::from_millis(2);
    loop {
        match check() {
            Ok(value) => return value,
            Err(state) => assert!(
                std::time::Instant::now() < deadline,
                "{what} (last seen: {state})"
            ),
        }
        // Start fast, back off to 50 ms: quick when the change is quick, cheap when it is slow.
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(50));
    }
}
