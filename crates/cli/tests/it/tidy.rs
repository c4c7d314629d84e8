//! Checks the rules ARCHITECTURE.md states about the code: the crate dependency table, a `//!` line atop every
//! Rust module, environment variables read only by the `cli` crate's configuration module, and the wheel's
//! `pyproject.toml` agreeing with the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo_root;

/// The "may use" column of ARCHITECTURE.md's code map, per crate.
fn allowed_dependencies(architecture: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut table = BTreeMap::new();
    for line in architecture.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || !cells[1].starts_with('`') {
            continue;
        }
        let name = cells[1].trim_matches('`').to_owned();
        let allowed = cells[3]
            .split(',')
            .map(str::trim)
            .filter(|dep| !dep.is_empty() && *dep != "nothing of ours")
            .map(str::to_owned)
            .collect();
        table.insert(name, allowed);
    }
    table
}

fn crate_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates folder")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn crates_depend_only_on_what_architecture_md_allows() {
    let root = repo_root();
    let architecture =
        std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = allowed_dependencies(&architecture);
    let ours: BTreeSet<String> = crate_dirs(&root)
        .iter()
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        table.keys().cloned().collect::<BTreeSet<_>>(),
        ours,
        "ARCHITECTURE.md's code map must list exactly the crates in crates/"
    );
    for dir in crate_dirs(&root) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let used: BTreeSet<String> = manifest
            .get("dependencies")
            .and_then(toml::Value::as_table)
            .map(|deps| {
                deps.keys()
                    .filter(|dep| ours.contains(*dep))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let extra: Vec<&String> = used.difference(&table[&name]).collect();
        assert!(
            extra.is_empty(),
            "crate `{name}` depends on {extra:?}, which ARCHITECTURE.md does not allow"
        );
    }
}

#[test]
fn every_rust_module_opens_with_a_doc_line() {
    let root = repo_root();
    let mut missing = Vec::new();
    let mut stack = vec![root.join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.strip_prefix(&root).unwrap().display().to_string());
                }
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "modules without a `//!` line: {missing:?}"
    );
}

/// The one file that may read environment variables: configuration is read once, in `cli`, and passed on.
const CONFIGURATION: &str = "crates/cli/src/config.rs";

/// The calls that read an environment variable at run time (`env!` reads one at build time, which is fine).
const ENV_READS: [&str; 4] = ["env::var(", "env::var_os(", "env::vars(", "env::vars_os("];

/// Whether a file under `crates/` is test, bench or build-script code, which may read the environment.
fn is_test_code(relative: &Path) -> bool {
    let components: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    components
        .iter()
        .any(|part| part == "tests" || part == "benches")
        || relative.file_stem().is_some_and(|stem| stem == "tests")
        || relative.file_name().is_some_and(|name| name == "build.rs")
}

/// The lines of a Rust file that read an environment variable, as `path:line`, leaving out its `#[cfg(test)]`
/// module (tests come last in a file).
fn env_reads(relative: &Path, text: &str) -> Vec<String> {
    text.lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .enumerate()
        .filter(|(_, line)| {
            let code = line.split("//").next().unwrap_or("");
            ENV_READS.iter().any(|call| code.contains(call))
        })
        .map(|(index, _)| format!("{}:{}", relative.display(), index + 1))
        .collect()
}

#[test]
fn only_the_cli_configuration_reads_environment_variables() {
    let root = repo_root();
    let mut found = Vec::new();
    let mut stack = vec![root.join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(&root).unwrap().to_owned();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs")
                && !is_test_code(&relative)
                && relative != Path::new(CONFIGURATION)
            {
                found.extend(env_reads(
                    &relative,
                    &std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    found.sort();
    assert!(
        found.is_empty(),
        "environment variables are read only in {CONFIGURATION}, which passes them on: {found:?}"
    );
}

#[test]
fn environment_reads_are_found_outside_tests() {
    let library = Path::new("crates/runtime/src/store.rs");
    let text = "//! A module.\nfn f() {\n    let key = std::env::var(\"AWS_KEY\");\n    // std::env::vars() in a comment\n}\n\
                #[cfg(test)]\nmod tests {\n    fn g() { std::env::var_os(\"X\"); }\n}\n";
    assert_eq!(env_reads(library, text), ["crates/runtime/src/store.rs:3"]);
    assert!(is_test_code(Path::new("crates/storage/tests/it/main.rs")));
    assert!(is_test_code(Path::new(
        "crates/project/src/mage_keys/tests.rs"
    )));
    assert!(!is_test_code(library));
}

/// The wheel (the root `pyproject.toml`) agrees with the code: it declares the packages every Wand environment gets
/// (the one pip installs it into is where blocks run), its name is the one `runtime::installed_python` looks for,
/// and it builds this crate's `wand` binary with the features it needs.
#[test]
fn the_wheel_declares_what_the_code_expects() {
    let root = repo_root();
    let pyproject: toml::Table = std::fs::read_to_string(root.join("pyproject.toml"))
        .expect("pyproject.toml")
        .parse()
        .unwrap();
    let project = pyproject["project"].as_table().unwrap();
    let dependencies: Vec<&str> = project["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|dependency| dependency.as_str().unwrap())
        .collect();
    assert_eq!(
        dependencies,
        runtime::BASE_PACKAGES,
        "pyproject.toml's dependencies must be runtime::BASE_PACKAGES"
    );
    let name = project["name"].as_str().unwrap();
    assert_eq!(
        name.to_lowercase().replace(['-', '.'], "_"),
        runtime::WHEEL_DIST_NAME,
        "runtime::installed_python looks for the wheel's dist-info by this name"
    );
    let maturin = pyproject["tool"]["maturin"].as_table().unwrap();
    assert_eq!(maturin["bindings"].as_str(), Some("bin"));
    assert_eq!(
        maturin["manifest-path"].as_str(),
        Some("crates/cli/Cargo.toml")
    );
    let cli: toml::Table = std::fs::read_to_string(root.join("crates/cli/Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    for feature in maturin["features"].as_array().unwrap() {
        let feature = feature.as_str().unwrap();
        assert!(
            cli["features"].get(feature).is_some(),
            "pyproject.toml turns on `{feature}`, which crates/cli/Cargo.toml lacks"
        );
    }
    assert!(
        maturin["features"]
            .as_array()
            .unwrap()
            .contains(&toml::Value::from("embed-ui")),
        "without `embed-ui`, a wheel built with the dev profile reads the UI from this checkout"
    );
}
