//! The template list against its files and against itself: every file listed once or more and every file used,
//! keys, languages and decorators that fit the block type, `mage_ai.io` imports that name a class Wand's
//! `mage_ai` has, and each data source with the same label and group wherever it appears. That the code runs is
//! checked by `crates/runtime/python/tests/test_templates.py`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_template_file_is_listed_and_every_listed_file_exists() {
    let folder = crate_dir().join("templates/blocks");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let listed: BTreeSet<String> = BLOCK_TEMPLATES.iter().map(|t| t.file.to_owned()).collect();
    assert_eq!(on_disk, listed, "files in {}", folder.display());
    for template in BLOCK_TEMPLATES {
        let text = std::fs::read_to_string(folder.join(template.file)).unwrap();
        assert_eq!(template.code, text, "{}", template.key);
    }
}

#[test]
fn keys_are_unique_and_name_the_block_type_and_the_language_fits_the_file() {
    let mut seen = BTreeSet::new();
    for template in BLOCK_TEMPLATES {
        assert!(seen.insert(template.key), "{} listed twice", template.key);
        let (kind, source) = template.key.split_once('/').unwrap();
        assert_eq!(kind, template.block_type.as_str(), "{}", template.key);
        assert!(
            template
                .file
                .ends_with(&format!(".{}", template.language.extension())),
            "{}: {} is not {}",
            template.key,
            template.file,
            template.language.as_str()
        );
        match template.data_provider {
            Some(provider) => {
                assert_eq!(source, format!("sql/{provider}"), "{}", template.key);
                assert_eq!(template.language, Language::Sql, "{}", template.key);
            }
            None => assert!(!source.contains('/'), "{}", template.key),
        }
        assert_eq!(
            template.key.ends_with("/generic") || template.key.ends_with("/sql"),
            template.group.is_none(),
            "{}: the generic templates, and only they, have no group",
            template.key
        );
        if let Some(group) = template.group {
            assert!(
                TEMPLATE_GROUPS.contains(&group),
                "{}: {group}",
                template.key
            );
        }
    }
}

#[test]
fn python_templates_decorate_a_function_of_their_block_type() {
    for template in BLOCK_TEMPLATES
        .iter()
        .filter(|t| t.language == Language::Python && t.block_type != BlockType::Scratchpad)
    {
        let kind = template.block_type.as_str();
        assert!(
            template.code.contains(&format!("\n@{kind}\ndef ")),
            "{}: no @{kind} function",
            template.key
        );
        assert!(
            template.code.contains(&format!(
                "if '{kind}' not in globals():\n    from mage_ai.data_preparation.decorators import {kind}\n"
            )),
            "{}: Mage's decorator import",
            template.key
        );
    }
}

#[test]
fn connector_templates_import_a_class_of_wands_mage_ai_io_and_read_the_default_profile() {
    let io = crate_dir().join("../runtime/python/mage_ai/io");
    let mut connectors = 0;
    for template in BLOCK_TEMPLATES {
        for line in template.code.lines() {
            let Some(rest) = line.strip_prefix("from mage_ai.io.") else {
                continue;
            };
            let (module, class) = rest.split_once(" import ").unwrap();
            let source = read(&io.join(format!("{module}.py")), template.key);
            assert!(
                source.contains(&format!("\nclass {class}")),
                "{}: mage_ai/io/{module}.py has no class {class}",
                template.key
            );
            if module == "config" || module == "file" {
                continue;
            }
            connectors += 1;
            assert!(
                template.code.contains(&format!(
                    "{class}.with_config(ConfigFileLoader(config_path, config_profile))"
                )) && template
                    .code
                    .contains("config_path = path.join(get_repo_path(), 'io_config.yaml')")
                    && template.code.contains("config_profile = 'default'"),
                "{}: Mage's with_config pattern on io_config.yaml's default profile",
                template.key
            );
        }
    }
    assert_eq!(
        connectors, 28,
        "a loader and an exporter for each of the 14 connectors with io_config.yaml settings"
    );
}

#[test]
fn a_data_source_has_one_label_and_one_group_and_a_sql_template_has_its_python_template() {
    let mut sources: BTreeMap<&str, (&str, Option<&str>)> = BTreeMap::new();
    for template in BLOCK_TEMPLATES.iter().filter(|t| {
        matches!(
            t.block_type,
            BlockType::DataLoader | BlockType::DataExporter
        )
    }) {
        let source = template.key.rsplit('/').next().unwrap();
        if source == "generic" || source == "sql" {
            continue;
        }
        let seen = *sources
            .entry(source)
            .or_insert((template.label, template.group));
        assert_eq!(
            seen,
            (template.label, template.group),
            "{}: another label or group than the other `{source}` templates",
            template.key
        );
        if let Some(provider) = template.data_provider {
            let python = format!("{}/{provider}", template.block_type.as_str());
            assert!(
                block_template(&python).is_some_and(|t| t.language == Language::Python),
                "{}: no {python}",
                template.key
            );
        }
    }
    // Every database Wand runs SQL blocks on has its SQL templates.
    for (provider, _) in crate::SQL_PROVIDERS {
        for kind in ["data_loader", "data_exporter"] {
            let key = format!("{kind}/sql/{provider}");
            assert!(
                offered_templates().any(|t| t.key == key),
                "{key} is not offered"
            );
        }
    }
}

#[test]
fn sql_templates_for_a_database_wand_does_not_run_sql_on_are_not_offered_yet() {
    for template in BLOCK_TEMPLATES {
        let offered = offered_templates().any(|t| t.key == template.key);
        let runs = template
            .data_provider
            .is_none_or(|provider| crate::SQL_PROVIDERS.iter().any(|(p, _)| *p == provider));
        assert_eq!(offered, runs, "{}", template.key);
    }
    assert_eq!(
        sql_template(BlockType::DataLoader).map(|t| t.key),
        Some("data_loader/sql")
    );
    assert_eq!(
        generic_template(BlockType::DataExporter).map(|t| t.key),
        Some("data_exporter/generic")
    );
}

fn read(path: &Path, key: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("{key}: {}: {error}", path.display()))
}
