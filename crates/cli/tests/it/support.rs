//! Helpers: locate the Python and the binary, copy a project into a temporary folder, run `wand`, read results.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

pub(crate) use crate::required_env::{python, test_database_url};

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
    wand_with_env(cwd, args, &[])
}

/// `wand_in`, with more environment variables.
pub(crate) fn wand_with_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let python = python();
    let output = Command::new(env!("CARGO_BIN_EXE_wand"))
        .args(args)
        .current_dir(cwd)
        .env("WAND_PYTHON", &python)
        .env_remove("WAND_DATA_DIR")
        .env_remove("WAND_LOG")
        .env_remove("ENV")
        .env_remove("PYTHONPATH")
        .envs(env.iter().copied())
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
        self.run_with_env(pipeline, extra, &[])
    }

    /// `run`, with more environment variables.
    pub(crate) fn run_with_env(
        &self,
        pipeline: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Outcome {
        let project = self.project.to_str().expect("a UTF-8 path");
        let data_dir = self.data_dir.to_str().expect("a UTF-8 path");
        let mut args = vec!["run", project, pipeline, "--data-dir", data_dir];
        args.extend_from_slice(extra);
        wand_with_env(self.root(), &args, env)
    }

    /// The folder of one run's outputs and logs.
    pub(crate) fn run_dir(&self, pipeline: &str, run_id: i64) -> PathBuf {
        self.data_dir
            .join("runs")
            .join(pipeline)
            .join(run_id.to_string())
    }

    /// What the data folder's database keeps of the outputs of `block` in run `run_id` (none for a block that
    /// stored nothing).
    pub(crate) fn stored_outputs(&self, run_id: i64, block: &str) -> Option<model::BlockOutputs> {
        use storage::RunStore;
        let database = self.data_dir.join("wand.db");
        let block_runs = tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = storage::SqliteStore::open(&database).await.unwrap();
            store.block_runs(run_id).await.unwrap()
        });
        block_runs
            .into_iter()
            .find(|block_run| block_run.block_uuid == block)
            .unwrap_or_else(|| panic!("run {run_id} has no block `{block}`"))
            .outputs
    }

    /// The value of `output_0` of `block` in run `run_id`, as the block below gets it: a JSON value kept in the
    /// block run's record, or read from its JSON file.
    pub(crate) fn output(&self, run_id: i64, block: &str) -> Value {
        let stored = self
            .stored_outputs(run_id, block)
            .unwrap_or_else(|| panic!("block `{block}` of run {run_id} stored no output"));
        let output = &stored.outputs[0];
        match (output.inline_value(), &output.path) {
            (Some(value), _) => value,
            (None, Some(path)) if path.ends_with(".json") => read_json(Path::new(path)),
            _ => panic!("output_0 of `{block}` is not JSON: {output:?}"),
        }
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

/// Runs `script` (Python, with `argv[1..]` = `args`) in the test venv; fails the test with its stderr.
pub(crate) fn run_python(script: &str, args: &[&str]) {
    let output = Command::new(python())
        .args(["-c", script])
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
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

/// What wakes a test that waits for another process: a change to any file under the sandbox (block logs, journals,
/// outputs, the SQLite database) and, when the processes share a PostgreSQL database, the changes it announces
/// (`NOTIFY`: runs created or ended, block runs queued or ended). The one place the end-to-end tests wait.
pub(crate) struct Changes {
    events: std::sync::mpsc::Receiver<()>,
    _files: notify::RecommendedWatcher,
}

impl Changes {
    pub(crate) fn watch(root: &Path, database: Option<&str>) -> Changes {
        use notify::Watcher;
        let (sender, events) = std::sync::mpsc::channel();
        let on_file = sender.clone();
        let mut files = notify::recommended_watcher(move |_: notify::Result<notify::Event>| {
            let _ = on_file.send(());
        })
        .expect("a file watcher");
        files
            .watch(root, notify::RecursiveMode::Recursive)
            .expect("the sandbox can be watched");
        if let Some(url) = database {
            let url = url.to_owned();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().expect("a runtime");
                runtime.block_on(async move {
                    use storage::RunStore;
                    let store = storage::PgStore::connect_admin(&url)
                        .await
                        .expect("the database answers");
                    let mut changes = store.watch_changes().await.expect("a listener");
                    while storage::next_change(&mut changes).await.is_some() {
                        if sender.send(()).is_err() {
                            return;
                        }
                    }
                });
            });
        }
        Changes {
            events,
            _files: files,
        }
    }

    /// Checks `check` now and after each change, until it gives a value; fails with `what` (and the last state
    /// seen) once `limit` has passed.
    pub(crate) fn until<T>(
        &self,
        limit: std::time::Duration,
        what: &str,
        check: impl FnMut() -> Result<T, String>,
    ) -> T {
        check_until(limit, what, check, |left| {
            if self.events.recv_timeout(left).is_ok() {
                // A burst of changes needs one more look, not one per change.
                while self.events.try_recv().is_ok() {}
            }
        })
    }
}

/// Checks `check`, then waits with `wait` (given the time left), and again, until `check` gives a value; fails with
/// `what` and the last state seen once `limit` has passed.
fn check_until<T>(
    limit: std::time::Duration,
    what: &str,
    mut check: impl FnMut() -> Result<T, String>,
    mut wait: impl FnMut(std::time::Duration),
) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let state = match check() {
            Ok(value) => return value,
            Err(state) => state,
        };
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "{what} (last seen: {state})");
        wait(left);
    }
}

/// Waits until none of `pids` runs any more (a process that ended but was not reaped yet counts as ended), for at
/// most `limit`: woken by the kernel when each one exits (a pidfd), not by looking again and again.
pub(crate) fn wait_for_exit(pids: &[i32], limit: std::time::Duration, what: &str) {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let deadline = std::time::Instant::now() + limit;
    for &pid in pids {
        let Some(process) = rustix::process::Pid::from_raw(pid) else {
            continue;
        };
        let Ok(fd) = rustix::process::pidfd_open(process, rustix::process::PidfdFlags::empty())
        else {
            continue; // Gone already.
        };
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let timeout = Timespec::try_from(left).expect("a timeout");
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let ready = poll(&mut fds, Some(&timeout)).unwrap_or(0);
        assert!(ready == 1, "{what}: process {pid} still runs");
    }
}

/// A process's state and parent, from `/proc/PID/stat` (read after the command name, which may hold spaces).
fn process_stat(pid: i32) -> Option<(char, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = text.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    Some((state, fields.next()?.parse().ok()?))
}

/// Whether a process exists and is not a zombie waiting to be reaped.
pub(crate) fn is_running(pid: i32) -> bool {
    process_stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// A process's parent.
pub(crate) fn parent(pid: i32) -> Option<i32> {
    process_stat(pid).map(|(_, parent)| parent)
}

/// Whether `ancestor` is a parent of the process, or a parent's parent, and so on.
pub(crate) fn descends_from(pid: i32, ancestor: i32) -> bool {
    std::iter::successors(parent(pid), |pid| parent(*pid))
        .take_while(|pid| *pid > 1)
        .any(|pid| pid == ancestor)
}

/// The last status `wand run` reported for `block` (its `<mark> <block>: <status>` lines).
pub(crate) fn reported_status<'a>(stderr: &'a str, block: &str) -> Option<&'a str> {
    let prefix = format!("{block}: ");
    stderr.lines().rev().find_map(|line| {
        let (_, rest) = line.split_once(' ')?;
        rest.strip_prefix(&prefix)?.split_whitespace().next()
    })
}
