//! Checks the rules ARCHITECTURE.md states about the code: the crate dependency table, and a `//!` line atop
//! every Rust module.

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
