//! Finds the Python environment that pip installed the running `wand` binary into (the `wand-pipelines` wheel, whose
//! `bin` layout puts `wand` beside that environment's `python`). It only looks at files; it runs nothing.

use std::path::{Path, PathBuf};

/// The wheel's distribution name as pip writes it in `<name>-<version>.dist-info` (PEP 503 normalised, `-` as `_`).
/// The root `pyproject.toml` names the package; cli's tidy test checks the two agree.
pub const WHEEL_DIST_NAME: &str = "wand_pipelines";

/// The interpreter of the Python environment the binary at `exe` was installed into by `pip install
/// wand-pipelines`, if it was: `exe`'s folder holds `python3` (or `python`), and the environment whose scripts
/// folder that is (`<prefix>/bin`, with `<prefix>/pyvenv.cfg` for a venv, or `<prefix>/lib/python3.X/site-packages`
/// for an interpreter's own prefix, as in pyenv, conda or a container's `/usr/local`) records the wheel
/// (`wand_pipelines-*.dist-info` in its site-packages). A binary built with cargo, or copied beside some Python, is
/// not one: its blocks keep the project's `.venv`.
pub fn installed_python(exe: &Path) -> Option<PathBuf> {
    let scripts = exe.parent()?;
    let python = ["python3", "python"]
        .into_iter()
        .map(|name| scripts.join(name))
        .find(|candidate| candidate.is_file())?;
    let prefix = scripts.parent()?;
    site_packages(prefix)
        .iter()
        .any(|folder| records_the_wheel(folder))
        .then_some(python)
}

/// The `lib/python3.X/site-packages` folders (and `lib64`'s, where a distribution puts compiled packages) of an
/// environment's prefix. A venv has the same layout, with `pyvenv.cfg` beside `lib`.
fn site_packages(prefix: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(prefix.join(lib)) else {
            continue;
        };
        for entry in entries.flatten() {
            let is_python = entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.starts_with("python3"));
            let site = entry.path().join("site-packages");
            if is_python && site.is_dir() {
                found.push(site);
            }
        }
    }
    found
}

/// Whether a site-packages folder holds the wheel's `wand_pipelines-<version>.dist-info`.
fn records_the_wheel(site_packages: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(site_packages) else {
        return false;
    };
    entries.flatten().any(|entry| {
        entry.file_name().to_str().is_some_and(|name| {
            name.strip_suffix(".dist-info")
                .and_then(|stem| stem.split_once('-'))
                .is_some_and(|(dist, _version)| dist.eq_ignore_ascii_case(WHEEL_DIST_NAME))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lays out `files` (paths relative to a fresh folder; a trailing `/` makes a folder), then asks where the
    /// binary `bin_path` was installed; the answer is given relative to the folder.
    fn check(files: &[&str], bin_path: &str, expected: Option<&str>) {
        let root = tempfile::tempdir().unwrap();
        for file in files {
            let path = root.path().join(file.trim_end_matches('/'));
            if file.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, "").unwrap();
            }
        }
        let found = installed_python(&root.path().join(bin_path));
        assert_eq!(
            found,
            expected.map(|python| root.path().join(python)),
            "files: {files:?}"
        );
    }

    const WHEEL: &str = "lib/python3.11/site-packages/wand_pipelines-0.1.0.dist-info/";

    #[test]
    fn a_venv_that_pip_installed_the_wheel_into() {
        let venv = [
            "venv/pyvenv.cfg",
            "venv/bin/wand",
            "venv/bin/python",
            "venv/bin/python3",
        ];
        let wheel = format!("venv/{WHEEL}");
        let files: Vec<&str> = venv.iter().copied().chain([wheel.as_str()]).collect();
        check(&files, "venv/bin/wand", Some("venv/bin/python3"));
    }

    #[test]
    fn a_venv_with_only_python_and_its_compiled_packages_in_lib64() {
        check(
            &[
                "venv/pyvenv.cfg",
                "venv/bin/wand",
                "venv/bin/python",
                "venv/lib64/python3.12/site-packages/WAND_PIPELINES-2.0.1.dist-info/",
            ],
            "venv/bin/wand",
            Some("venv/bin/python"),
        );
    }

    #[test]
    fn an_interpreters_own_prefix_like_pyenv_conda_or_usr_local() {
        let wheel = format!("usr/local/{WHEEL}");
        check(
            &["usr/local/bin/wand", "usr/local/bin/python3", &wheel],
            "usr/local/bin/wand",
            Some("usr/local/bin/python3"),
        );
    }

    #[test]
    fn a_binary_not_installed_by_the_wheel_is_not_taken_for_one() {
        // Built with cargo: no Python beside it.
        check(&["target/debug/wand"], "target/debug/wand", None);
        // Copied beside a Python whose environment never installed the wheel (another package's dist-info).
        check(
            &[
                "usr/local/bin/wand",
                "usr/local/bin/python3",
                "usr/local/lib/python3.11/site-packages/wand-0.7.2.dist-info/",
                "usr/local/lib/python3.11/site-packages/wand_pipelines_extra-1.0.dist-info/",
            ],
            "usr/local/bin/wand",
            None,
        );
        // The wheel installed for a user (`pip install --user`): its scripts folder has no Python.
        let user_site = format!(".local/{WHEEL}");
        check(&[".local/bin/wand", &user_site], ".local/bin/wand", None);
        // A Python 2 prefix's lib folder does not count.
        check(
            &[
                "old/bin/wand",
                "old/bin/python",
                "old/lib/python2.7/site-packages/wand_pipelines-0.1.0.dist-info/",
            ],
            "old/bin/wand",
            None,
        );
    }
}
