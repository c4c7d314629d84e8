//! Which Python runs a project's blocks: an explicit interpreter, else the project's `.venv`, created on first
//! use (with `uv` when available, else `venv` + pip) with pandas, pyarrow and the project's `requirements.txt`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::RuntimeError;

/// Packages every Wand environment gets, besides the project's own requirements.
const BASE_PACKAGES: &[&str] = &["pandas", "pyarrow", "pyyaml", "requests", "jinja2"];
/// Records which `requirements.txt` (by hash) the environment was built from.
const STAMP: &str = ".wand-requirements";

/// What `ensure_python` needs to choose or build an interpreter.
#[derive(Debug, Clone)]
pub struct EnvironmentRequest {
    pub project_root: PathBuf,
    /// `--python` or `WAND_PYTHON`, already resolved by the caller in that order.
    pub explicit: Option<PathBuf>,
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
    if let Some(python) = &request.explicit {
        check_interpreter(python)?;
        return Ok(python.clone());
    }
    let venv = request.project_root.join(".venv");
    let python = venv.join("bin").join("python");
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
    match &request.explicit {
        Some(python) => Some(python.clone()),
        None => Some(
            request
                .project_root
                .join(".venv")
                .join("bin")
                .join("python"),
        )
        .filter(|p| p.is_file()),
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
    let python = ensure_python(request, progress)?;
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
