//! Which Python runs a project's blocks: an explicit interpreter, else the project's `.venv` if it has one, else the
//! Python environment `wand` was pip-installed into, else a `.venv` created on first use (with `uv` when available,
//! else `venv` + pip) with pandas, pyarrow and the project's `requirements.txt`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::RuntimeError;

/// Packages every Wand environment gets, besides the project's own requirements. The wheel (the root
/// `pyproject.toml`) declares the same as its dependencies, so the environment it is installed into runs blocks at
/// once; cli's tidy test checks the two lists agree.
pub const BASE_PACKAGES: &[&str] = &["pandas", "pyarrow", "pyyaml", "requests", "jinja2"];
/// Records which `requirements.txt` (by hash) the environment was built from.
const STAMP: &str = ".wand-requirements";

/// What `ensure_python` needs to choose or build an interpreter.
#[derive(Debug, Clone)]
pub struct EnvironmentRequest {
    pub project_root: PathBuf,
    /// `--python` or `WAND_PYTHON`, already resolved by the caller in that order.
    pub explicit: Option<PathBuf>,
    /// The interpreter of the Python environment the `wand` binary was pip-installed into (`installed_python`),
    /// if it was: used when nothing is explicit and the project has no `.venv` of its own.
    pub installed: Option<PathBuf>,
    /// `uv` on the PATH, if any.
    pub uv: Option<PathBuf>,
    /// The Python used to create a `.venv` when there is no `uv` (usually `python3`).
    pub base_python: PathBuf,
}

/// Returns the interpreter for the project's blocks, creating or updating `.venv` when needed.
/// `progress` receives one line per step and per line of installer output.
pub fn ensure_python(
    request: &EnvironmentRequest,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, RuntimeError> {
    let python = match choose(request) {
        Choice::Explicit(python) => {
            check_interpreter(&python)?;
            return Ok(python);
        }
        Choice::Installed(python) => {
            progress(&format!(
                "blocks run with the Python environment wand is installed in ({})",
                python.display()
            ));
            note_requirements(&request.project_root, &python, progress);
            return Ok(python);
        }
        Choice::ProjectVenv(python) | Choice::NewProjectVenv(python) => python,
    };
    let venv = request.project_root.join(".venv");
    let requirements = request.project_root.join("requirements.txt");
    let wanted = requirements_hash(&requirements)?;
    let stamp = venv.join(STAMP);
    if python.is_file() {
        let built_from = std::fs::read_to_string(&stamp).unwrap_or_default();
        if built_from.trim() == wanted {
            return Ok(python);
        }
        progress("requirements.txt changed: updating the project's Python environment");
    } else {
        progress(&format!(
            "creating the project's Python environment in {}",
            venv.display()
        ));
        let mut create = match &request.uv {
            Some(uv) => command(uv, &["venv", "--quiet"]),
            None => command(&request.base_python, &["-m", "venv"]),
        };
        if request.uv.is_some() {
            create.arg("--python").arg(&request.base_python);
        }
        create.arg(&venv);
        run_step("creating the virtual environment", create, progress)?;
    }
    progress(&format!(
        "installing {} and requirements.txt",
        BASE_PACKAGES.join(", ")
    ));
    let mut install = pip_install(request, &python);
    install.args(BASE_PACKAGES);
    if requirements.is_file() {
        install.arg("-r").arg(&requirements);
    }
    run_step("installing Python packages", install, progress)?;
    std::fs::write(&stamp, &wanted).map_err(RuntimeError::io(&stamp))?;
    Ok(python)
}

/// Where the blocks' interpreter comes from, in the order `choose` tries them.
#[derive(Debug, Clone, PartialEq)]
enum Choice {
    /// `--python` or `WAND_PYTHON`.
    Explicit(PathBuf),
    /// The project's own `.venv`, which exists (kept up to date with `requirements.txt`).
    ProjectVenv(PathBuf),
    /// The environment `wand` was pip-installed into (the project has no `.venv`).
    Installed(PathBuf),
    /// A `.venv` to create in the project (neither of the above).
    NewProjectVenv(PathBuf),
}

/// The order: what the user chose, then the project's own environment, then the one Wand came with, then a new
/// `.venv`. A project's `.venv` beats the installing environment because it is the more specific choice (made for
/// this project, with its requirements); `--python .../bin/python` picks the installing one anyway.
fn choose(request: &EnvironmentRequest) -> Choice {
    if let Some(python) = &request.explicit {
        return Choice::Explicit(python.clone());
    }
    let venv_python = request
        .project_root
        .join(".venv")
        .join("bin")
        .join("python");
    if venv_python.is_file() {
        return Choice::ProjectVenv(venv_python);
    }
    match &request.installed {
        Some(python) => Choice::Installed(python.clone()),
        None => Choice::NewProjectVenv(venv_python),
    }
}

/// Says once that the project's `requirements.txt` is not installed into the installing environment by itself (it
/// is the user's, maybe shared by other projects): the Settings page's Install button or pip does it.
fn note_requirements(project_root: &Path, python: &Path, progress: &mut dyn FnMut(&str)) {
    let requirements = project_root.join("requirements.txt");
    let Ok(text) = std::fs::read_to_string(&requirements) else {
        return;
    };
    let lists_packages = text.lines().any(|line| {
        let line = line.trim();
        !line.is_empty() && !line.starts_with('#')
    });
    if lists_packages {
        progress(&format!(
            "{} is not installed into it automatically: install it with Settings > Install requirements.txt, or `{} -m pip install -r {}`",
            requirements.display(),
            python.display(),
            requirements.display()
        ));
    }
}

/// `pip install` into `python`, through `uv` when it is available.
fn pip_install(request: &EnvironmentRequest, python: &Path) -> Command {
    match &request.uv {
        Some(uv) => {
            let mut install = command(uv, &["pip", "install", "--python"]);
            install.arg(python);
            install
        }
        None => command(
            python,
            &[
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--progress-bar",
                "off",
            ],
        ),
    }
}

fn command(program: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

fn check_interpreter(python: &Path) -> Result<(), RuntimeError> {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys; assert sys.version_info >= (3, 9), sys.version",
        ])
        .output()
        .map_err(|error| RuntimeError::Python {
            path: python.to_owned(),
            reason: error.to_string(),
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(RuntimeError::Python {
            path: python.to_owned(),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// Runs an installer step, streaming its merged output lines to `progress`; keeps the tail for the error.
fn run_step(
    step: &str,
    mut command: Command,
    progress: &mut dyn FnMut(&str),
) -> Result<(), RuntimeError> {
    let program = PathBuf::from(command.get_program());
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RuntimeError::io(program))?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr_lines = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let mut tail = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout is piped"))
        .lines()
        .map_while(Result::ok)
    {
        progress(&line);
        tail.push(line);
    }
    let errors = stderr_lines.join().unwrap_or_default();
    for line in &errors {
        progress(line);
    }
    tail.extend(errors);
    let status = child.wait().map_err(RuntimeError::io(step))?;
    if status.success() {
        return Ok(());
    }
    let keep = tail.len().saturating_sub(30);
    Err(RuntimeError::Setup {
        step: step.to_owned(),
        code: status.code(),
        output: tail[keep..].join("\n"),
    })
}

fn requirements_hash(requirements: &Path) -> Result<String, RuntimeError> {
    let contents = match std::fs::read(requirements) {
        Ok(contents) => contents,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(RuntimeError::io(requirements)(error)),
    };
    let mut hasher = Sha256::new();
    hasher.update(BASE_PACKAGES.join(",").as_bytes());
    hasher.update(&contents);
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

/// What the project's Python is: the interpreter, its version and its installed packages.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PythonInfo {
    pub interpreter: PathBuf,
    pub version: String,
    /// (name, version), sorted by name.
    pub packages: Vec<(String, String)>,
}

/// The interpreter `ensure_python` would use, if it exists already (it does not create anything).
pub fn existing_python(request: &EnvironmentRequest) -> Option<PathBuf> {
    match choose(request) {
        Choice::Explicit(python) | Choice::ProjectVenv(python) | Choice::Installed(python) => {
            Some(python)
        }
        Choice::NewProjectVenv(_) => None,
    }
}

/// Asks an interpreter for its version and packages.
pub fn describe_python(python: &Path) -> Result<PythonInfo, RuntimeError> {
    const PROBE: &str = "import json, sys, importlib.metadata as m\n\
        packages = sorted({(d.metadata['Name'] or '?', d.version) for d in m.distributions()}, key=lambda p: p[0].lower())\n\
        print(json.dumps({'version': sys.version.split()[0], 'packages': packages}))";
    let failed = |reason: String| RuntimeError::Python {
        path: python.to_owned(),
        reason,
    };
    let output = Command::new(python)
        .args(["-c", PROBE])
        .output()
        .map_err(|error| failed(error.to_string()))?;
    if !output.status.success() {
        return Err(failed(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        version: String,
        packages: Vec<(String, String)>,
    }
    let probe: Probe =
        serde_json::from_slice(&output.stdout).map_err(|error| failed(error.to_string()))?;
    Ok(PythonInfo {
        interpreter: python.to_owned(),
        version: probe.version,
        packages: probe.packages,
    })
}

/// Installs `requirements.txt` now (the Settings page's button): into the project's `.venv`, created if needed,
/// or into the explicit interpreter. Installer output goes to `progress` line by line.
pub fn install_requirements(
    request: &EnvironmentRequest,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, RuntimeError> {
    let python = match choose(request) {
        // `ensure_python` would note that requirements.txt is not installed there, which this is about to do.
        Choice::Installed(python) => python,
        _ => ensure_python(request, progress)?,
    };
    let requirements = request.project_root.join("requirements.txt");
    if !requirements.is_file() {
        progress("the project has no requirements.txt; nothing to install");
        return Ok(python);
    }
    let mut install = pip_install(request, &python);
    install.arg("-r").arg(&requirements);
    progress(&format!(
        "installing {} with {}",
        requirements.display(),
        python.display()
    ));
    run_step("installing requirements.txt", install, progress)?;
    Ok(python)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `choose` picks for a project that has (or not) a `.venv`, with (or not) an explicit interpreter and an
    /// installing environment; the answer names the source and its path relative to the project.
    fn check(has_venv: bool, explicit: bool, installed: bool, expected: &str) {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        if has_venv {
            std::fs::create_dir_all(root.join(".venv/bin")).unwrap();
            std::fs::write(root.join(".venv/bin/python"), "").unwrap();
        }
        let request = EnvironmentRequest {
            project_root: root.to_owned(),
            explicit: explicit.then(|| root.join("chosen/python")),
            uv: None,
            base_python: PathBuf::from("python3"),
            installed: installed.then(|| root.join("site/bin/python3")),
        };
        let relative = |path: &Path| path.strip_prefix(root).unwrap().display().to_string();
        let choice = choose(&request);
        let actual = match &choice {
            Choice::Explicit(path) => format!("explicit {}", relative(path)),
            Choice::ProjectVenv(path) => format!("project venv {}", relative(path)),
            Choice::Installed(path) => format!("installed {}", relative(path)),
            Choice::NewProjectVenv(path) => format!("new venv {}", relative(path)),
        };
        assert_eq!(
            actual, expected,
            "has_venv {has_venv}, explicit {explicit}, installed {installed}"
        );
        let existing = existing_python(&request).map(|path| relative(&path));
        let expected_existing = match choice {
            Choice::NewProjectVenv(_) => None,
            _ => expected.rsplit(' ').next().map(str::to_owned),
        };
        assert_eq!(
            existing, expected_existing,
            "existing_python follows choose"
        );
    }

    #[test]
    fn the_blocks_python_is_chosen_in_order() {
        // --python / WAND_PYTHON beat everything.
        check(true, true, true, "explicit chosen/python");
        check(false, true, true, "explicit chosen/python");
        check(false, true, false, "explicit chosen/python");
        // Then the project's own .venv, when it has one.
        check(true, false, true, "project venv .venv/bin/python");
        check(true, false, false, "project venv .venv/bin/python");
        // Then the environment wand was pip-installed into.
        check(false, false, true, "installed site/bin/python3");
        // Else a .venv is built in the project.
        check(false, false, false, "new venv .venv/bin/python");
    }

    #[test]
    fn the_installing_environment_is_used_as_it_is_and_its_missing_requirements_are_named() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        let installed = root.join("site/bin/python3");
        let request = EnvironmentRequest {
            project_root: root.to_owned(),
            explicit: None,
            uv: None,
            base_python: PathBuf::from("python3"),
            installed: Some(installed.clone()),
        };
        let ensure = |request: &EnvironmentRequest| {
            let mut lines = Vec::new();
            let python = ensure_python(request, &mut |line| lines.push(line.to_owned())).unwrap();
            (python, lines)
        };

        // Nothing is created or installed: no .venv appears, no installer runs (there is no Python at that path).
        std::fs::write(root.join("requirements.txt"), "# only comments\n\n").unwrap();
        let (python, lines) = ensure(&request);
        assert_eq!(python, installed);
        assert!(!root.join(".venv").exists());
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("the Python environment wand is installed in"),
            "{lines:?}"
        );

        std::fs::write(root.join("requirements.txt"), "# a comment\nscikit-learn\n").unwrap();
        let (_, lines) = ensure(&request);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[1].contains("requirements.txt is not installed into it automatically"),
            "{lines:?}"
        );
        assert!(lines[1].contains("-m pip install -r"), "{lines:?}");
    }
}
